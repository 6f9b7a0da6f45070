from collections.abc import Callable

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.notifications.models import Device, Kind, Message, Notification
from tests.factories.notifications import DeviceFactory

pytestmark = pytest.mark.django_db


def inbox(user: User, count: int, *, read: int = 0) -> list[Notification]:
    rows = []
    for n in range(count):
        message = Message.objects.create(
            user=user, kind=Kind.REMINDER, idempotency_key=f"{user.pk}-{n}"
        )
        rows.append(
            Notification.objects.create(
                user=user,
                message=message,
                kind=message.kind,
                title=f"Reminder {n}",
                body="Soon.",
                url="/events/1/",
                data={"event_id": 1},
                read_at=timezone.now() if n < read else None,
            )
        )
    return rows


# --- devices ---------------------------------------------------------------------------------
def test_registering_a_device_returns_201(alice: User, auth_client: Callable) -> None:
    response = auth_client(alice).post(
        "/api/v1/devices", {"platform": "ios", "token": "apns-token-1"}, format="json"
    )

    assert response.status_code == 201
    assert response.json() == {"platform": "ios", "token": "apns-token-1"}
    assert Device.objects.get(token="apns-token-1").user == alice


def test_registering_the_same_token_again_keeps_one_device(
    alice: User, auth_client: Callable
) -> None:
    client = auth_client(alice)
    client.post("/api/v1/devices", {"platform": "android", "token": "t-1"}, format="json")

    response = client.post("/api/v1/devices", {"platform": "web", "token": "t-1"}, format="json")

    assert response.status_code == 201
    assert Device.objects.filter(token="t-1").count() == 1
    assert Device.objects.get(token="t-1").platform == "web"


def test_a_token_registered_by_someone_else_moves_to_them(
    alice: User, bob: User, auth_client: Callable
) -> None:
    auth_client(alice).post(
        "/api/v1/devices", {"platform": "android", "token": "shared-tablet"}, format="json"
    )

    auth_client(bob).post(
        "/api/v1/devices", {"platform": "android", "token": "shared-tablet"}, format="json"
    )

    assert list(Device.objects.filter(token="shared-tablet").values_list("user", flat=True)) == [
        bob.pk
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"platform": "blackberry", "token": "t"},
        {"platform": "ios"},
        {"platform": "ios", "token": ""},
    ],
)
def test_an_invalid_device_is_a_400(alice: User, auth_client: Callable, body: dict) -> None:
    response = auth_client(alice).post("/api/v1/devices", body, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_deleting_my_device_returns_204(alice: User, auth_client: Callable) -> None:
    DeviceFactory(user=alice, token="mine:abc-1_2")

    response = auth_client(alice).delete("/api/v1/devices/mine:abc-1_2")

    assert response.status_code == 204
    assert not Device.objects.exists()


def test_deleting_someone_elses_device_is_a_404(
    alice: User, bob: User, auth_client: Callable
) -> None:
    DeviceFactory(user=bob, token="bobs-phone")

    response = auth_client(alice).delete("/api/v1/devices/bobs-phone")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    assert Device.objects.filter(token="bobs-phone").exists()


def test_devices_need_authentication(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/devices", {"platform": "ios", "token": "t"}, format="json")

    assert response.status_code == 401


# --- notifications ---------------------------------------------------------------------------
def test_listing_shows_only_my_notifications_newest_first(
    alice: User, bob: User, auth_client: Callable
) -> None:
    inbox(alice, 3)
    inbox(bob, 2)

    response = auth_client(alice).get("/api/v1/notifications")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3
    assert [n["title"] for n in body["results"]] == ["Reminder 2", "Reminder 1", "Reminder 0"]
    assert set(body["results"][0]) >= {
        "id",
        "kind",
        "title",
        "body",
        "url",
        "data",
        "created_at",
        "read_at",
        "unread",
    }


def test_unread_true_lists_only_unread(alice: User, auth_client: Callable) -> None:
    inbox(alice, 5, read=2)

    body = auth_client(alice).get("/api/v1/notifications?unread=true").json()

    assert body["count"] == 3
    assert all(n["unread"] and n["read_at"] is None for n in body["results"])


def test_an_invalid_unread_value_is_a_400(alice: User, auth_client: Callable) -> None:
    response = auth_client(alice).get("/api/v1/notifications?unread=perhaps")

    assert response.status_code == 400


def test_the_list_is_paginated_with_a_fixed_number_of_queries(
    alice: User, auth_client: Callable, django_assert_max_num_queries: Callable
) -> None:
    inbox(alice, 30)
    client = auth_client(alice)

    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/notifications?page_size=25").json()

    assert body["count"] == 30
    assert len(body["results"]) == 25
    assert body["next"] is not None


def test_marking_read_changes_only_my_own(alice: User, bob: User, auth_client: Callable) -> None:
    mine = inbox(alice, 2)
    theirs = inbox(bob, 1)

    response = auth_client(alice).post(
        "/api/v1/notifications/read", {"ids": [mine[0].pk, theirs[0].pk]}, format="json"
    )

    assert response.status_code == 204
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert Notification.objects.get(pk=mine[1].pk).read_at is None
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None


def test_marking_read_twice_is_harmless(alice: User, auth_client: Callable) -> None:
    (mine,) = inbox(alice, 1)
    client = auth_client(alice)
    client.post("/api/v1/notifications/read", {"ids": [mine.pk]}, format="json")
    first_read_at = Notification.objects.get(pk=mine.pk).read_at

    response = client.post("/api/v1/notifications/read", {"ids": [mine.pk]}, format="json")

    assert response.status_code == 204
    assert Notification.objects.get(pk=mine.pk).read_at == first_read_at


def test_marking_read_needs_a_list_of_ids(alice: User, auth_client: Callable) -> None:
    response = auth_client(alice).post("/api/v1/notifications/read", {"ids": "all"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "ids"


def test_the_schema_describes_the_contract(api_client: APIClient) -> None:
    schema = api_client.get("/api/v1/schema?format=json").json()
    paths = schema["paths"]

    assert set(paths["/api/v1/devices"]) >= {"post"}
    assert "201" in paths["/api/v1/devices"]["post"]["responses"]
    assert "204" in paths["/api/v1/devices/{token}"]["delete"]["responses"]
    assert "404" in paths["/api/v1/devices/{token}"]["delete"]["responses"]
    listing = paths["/api/v1/notifications"]["get"]
    assert any(
        p["name"] == "unread" and p["schema"]["type"] == "boolean" for p in listing["parameters"]
    )
    assert "204" in paths["/api/v1/notifications/read"]["post"]["responses"]
    assert "DeviceCreateRequest" in schema["components"]["schemas"] or any(
        "platform" in s.get("properties", {}) for s in schema["components"]["schemas"].values()
    )

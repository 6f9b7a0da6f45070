"""Safety API (contract: Safety): blocks and reports."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.safety.models import Block, Report
from tests.factories.accounts import ProfileFactory
from tests.factories.safety import BlockFactory, ReportFactory

pytestmark = pytest.mark.django_db


def codes(response) -> dict[str | None, str]:
    return {error["attr"]: error["code"] for error in response.json()["errors"]}


# --- Blocks -----------------------------------------------------------------------------------
def test_block_someone(alice: User, bob: User, auth_client) -> None:
    response = auth_client(alice).post("/api/v1/blocks", {"user_id": bob.pk}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body == {"id": bob.pk, "display_name": "Bob", "blocked_at": body["blocked_at"]}
    assert Block.objects.filter(blocker=alice, blocked=bob).exists()


def test_blocking_twice_returns_the_same_block(alice: User, bob: User, auth_client) -> None:
    client = auth_client(alice)

    first = client.post("/api/v1/blocks", {"user_id": bob.pk}, format="json")
    second = client.post("/api/v1/blocks", {"user_id": bob.pk}, format="json")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Block.objects.count() == 1


def test_blocking_yourself_is_a_400(alice: User, auth_client) -> None:
    response = auth_client(alice).post("/api/v1/blocks", {"user_id": alice.pk}, format="json")

    assert response.status_code == 400
    assert codes(response) == {"user_id": "cannot_block_self"}


@pytest.mark.parametrize("user_id", [987_654_321, 2**63 - 1])
def test_blocking_an_unknown_person_is_a_404(alice: User, auth_client, user_id: int) -> None:
    response = auth_client(alice).post("/api/v1/blocks", {"user_id": user_id}, format="json")

    assert response.status_code == 404
    assert response.json()["type"] == "client_error"
    assert codes(response) == {"user_id": "not_found"}


@pytest.mark.parametrize("body", [{}, {"user_id": "bob"}, {"user_id": 0}, {"user_id": 2**64}])
def test_blocking_needs_a_valid_user_id(alice: User, auth_client, body: dict) -> None:
    response = auth_client(alice).post("/api/v1/blocks", body, format="json")

    assert response.status_code == 400
    assert set(codes(response)) == {"user_id"}


def test_anonymous_callers_cannot_block_or_report(api_client: APIClient, bob: User) -> None:
    assert api_client.get("/api/v1/blocks").status_code == 401
    assert api_client.post("/api/v1/blocks", {"user_id": bob.pk}, format="json").status_code == 401
    assert api_client.delete(f"/api/v1/blocks/{bob.pk}").status_code == 401
    report = {"user_id": bob.pk, "reason": "spam"}
    assert api_client.post("/api/v1/reports", report, format="json").status_code == 401


def test_list_shows_only_your_blocks_in_the_public_shape(
    alice: User, bob: User, carol: User, auth_client
) -> None:
    BlockFactory(blocker=alice, blocked=bob)
    BlockFactory(blocker=alice, blocked=carol)
    BlockFactory(blocker=carol, blocked=alice)  # someone else's block: not listed

    response = auth_client(alice).get("/api/v1/blocks")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [person["display_name"] for person in body["results"]] == ["Carol", "Bob"]
    for person in body["results"]:
        assert set(person) == {"id", "display_name", "blocked_at"}
    raw = response.content.decode()
    for secret in ("bob@example.com", "carol@example.com", "1990", "48.13", "11.57", "Munich"):
        assert secret not in raw


def test_the_blocked_person_does_not_see_the_block(alice: User, bob: User, auth_client) -> None:
    BlockFactory(blocker=alice, blocked=bob)

    response = auth_client(bob).get("/api/v1/blocks")

    assert response.json()["count"] == 0


def test_the_block_list_is_paginated_with_a_fixed_number_of_queries(
    alice: User, auth_client, django_assert_max_num_queries
) -> None:
    for _ in range(25):
        BlockFactory(blocker=alice)
    client = auth_client(alice)

    # the user (with the account state joined in) + count + page
    with django_assert_max_num_queries(3):
        page = client.get("/api/v1/blocks?page_size=10&page=2")

    assert page.status_code == 200
    assert page.json()["count"] == 25
    assert len(page.json()["results"]) == 10


def test_unblock(alice: User, bob: User, auth_client) -> None:
    BlockFactory(blocker=alice, blocked=bob)

    response = auth_client(alice).delete(f"/api/v1/blocks/{bob.pk}")

    assert response.status_code == 204
    assert not Block.objects.exists()


def test_unblocking_someone_not_blocked_is_a_404(alice: User, bob: User, auth_client) -> None:
    response = auth_client(alice).delete(f"/api/v1/blocks/{bob.pk}")
    huge = auth_client(alice).delete(f"/api/v1/blocks/{2**70}")

    assert response.status_code == huge.status_code == 404
    assert codes(response) == {"user_id": "not_found"}


def test_nobody_can_lift_another_persons_block(
    alice: User, bob: User, carol: User, auth_client
) -> None:
    BlockFactory(blocker=alice, blocked=carol)

    by_stranger = auth_client(bob).delete(f"/api/v1/blocks/{carol.pk}")
    by_blocked = auth_client(carol).delete(f"/api/v1/blocks/{alice.pk}")

    assert by_stranger.status_code == by_blocked.status_code == 404
    assert Block.objects.filter(blocker=alice, blocked=carol).exists()


# --- Reports ----------------------------------------------------------------------------------
def test_report_a_person(alice: User, bob: User, auth_client) -> None:
    response = auth_client(alice).post(
        "/api/v1/reports",
        {"user_id": bob.pk, "reason": "harassment", "details": "Followed me home."},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "user_id": bob.pk,
        "event_id": None,
        "reason": "harassment",
        "details": "Followed me home.",
        "status": "open",
        "created_at": body["created_at"],
    }
    report = Report.objects.get(pk=body["id"])
    assert (report.reporter, report.reported_user, report.target_kind) == (alice, bob, "user")


def test_report_an_event_without_details(alice: User, auth_client) -> None:
    from tests.factories.events import EventFactory

    event = EventFactory()
    response = auth_client(alice).post(
        "/api/v1/reports", {"event_id": event.pk, "reason": "unsafe"}, format="json"
    )

    assert response.status_code == 201
    # The organizer is filed for the moderators but not echoed back.
    assert (response.json()["event_id"], response.json()["user_id"]) == (event.pk, None)
    report = Report.objects.get()
    assert (report.target_kind, report.reported_user_id) == ("event", event.organizer_id)


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "spam"},
        {"user_id": "BOB", "event_id": 3, "reason": "spam"},
        {"reason": "spam", "user_id": 1, "event_id": 3},
    ],
)
def test_a_report_names_exactly_one_target(alice: User, auth_client, body: dict) -> None:
    if body.get("user_id") == "BOB":
        body = {**body, "user_id": alice.pk + 1}
    response = auth_client(alice).post("/api/v1/reports", body, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert not Report.objects.exists()


def test_reporting_yourself_is_a_400(alice: User, auth_client) -> None:
    response = auth_client(alice).post(
        "/api/v1/reports", {"user_id": alice.pk, "reason": "spam"}, format="json"
    )

    assert response.status_code == 400
    assert codes(response) == {"user_id": "cannot_report_self"}


def test_reporting_an_unknown_person_is_a_404(alice: User, auth_client) -> None:
    response = auth_client(alice).post(
        "/api/v1/reports", {"user_id": 987_654_321, "reason": "spam"}, format="json"
    )

    assert response.status_code == 404


def test_a_report_needs_a_known_reason_and_short_details(
    alice: User, bob: User, auth_client
) -> None:
    client = auth_client(alice)

    bad_reason = client.post(
        "/api/v1/reports", {"user_id": bob.pk, "reason": "boring"}, format="json"
    )
    too_long = client.post(
        "/api/v1/reports",
        {"user_id": bob.pk, "reason": "spam", "details": "x" * 2001},
        format="json",
    )

    assert codes(bad_reason) == {"reason": "invalid_choice"}
    assert codes(too_long) == {"details": "max_length"}


def test_reports_are_for_moderators_only(alice: User, bob: User, auth_client) -> None:
    ReportFactory(reporter=alice, reported_user=bob)
    client = auth_client(bob)

    assert client.get("/api/v1/reports").status_code == 405
    assert client.get("/api/v1/reports/1").status_code == 404


def test_the_schema_describes_the_safety_endpoints(api_client: APIClient) -> None:
    schema = api_client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]

    assert set(paths["/api/v1/blocks"]) == {"get", "post"}
    assert {"201", "400", "401", "404", "429"} <= set(paths["/api/v1/blocks"]["post"]["responses"])
    assert {"204", "401", "404"} <= set(paths["/api/v1/blocks/{user_id}"]["delete"]["responses"])
    assert {"201", "400", "401", "404", "429"} <= set(paths["/api/v1/reports"]["post"]["responses"])
    block = schema["components"]["schemas"]["BlockOutput"]
    assert set(block["properties"]) == {"id", "display_name", "blocked_at"}
    listing = paths["/api/v1/blocks"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listing["schema"]["$ref"].endswith("PaginatedBlockOutputList")


def test_someone_without_a_profile_has_a_neutral_name(alice: User, auth_client) -> None:
    staff = User.objects.create_user(email="noprofile@example.com", password="x" * 12)
    ProfileFactory()  # unrelated

    response = auth_client(alice).post("/api/v1/blocks", {"user_id": staff.pk}, format="json")

    assert response.json()["display_name"] == "MatchUp member"

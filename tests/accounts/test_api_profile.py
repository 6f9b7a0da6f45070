"""The caller's own profile over the API: read, edit, home, export, delete."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Interest, Profile, User
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def error_codes(response) -> dict[str | None, str]:
    return {e["attr"]: e["code"] for e in response.json()["errors"]}


CONTRACT_PROFILE_FIELDS = {
    "id",
    "email",
    "display_name",
    "bio",
    "birth_year",
    "email_verified",
    "interests",
    "home",
    "timezone",
    "max_travel_km",
    "venue_kinds",
    "group_size",
    "availability",
    "languages",
    "open_to_meet",
    "notify",
}


def test_me_has_every_contract_field(alice: User, auth_client) -> None:
    body = auth_client(alice).get("/api/v1/me").json()

    assert set(body) >= CONTRACT_PROFILE_FIELDS
    assert set(body["home"]) == {"lat", "lng", "area_label"}
    assert set(body["notify"]) == {"email", "push", "reminder_hours"}
    assert body["notify"]["reminder_hours"] == [24, 2]


def test_patch_me_updates_the_profile(alice: User, auth_client) -> None:
    response = auth_client(alice).patch(
        "/api/v1/me",
        {
            "display_name": "Alice B.",
            "interests": ["chess", "jazz", "board-games"],
            "max_travel_km": 3.5,
            "venue_kinds": ["bookstore", "cafe"],
            "group_size": "group",
            "availability": [
                {"weekday": 5, "start": "14:00", "end": "17:00"},
                {"weekday": 5, "start": "16:00", "end": "19:00"},
                {"weekday": 0, "start": "18:30", "end": "24:00"},
            ],
            "languages": ["DE", "en"],
            "notify": {"push": False, "reminder_hours": [2, 24, 48]},
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["display_name"] == "Alice B."
    assert body["interests"] == ["board-games", "chess", "jazz"]
    assert body["venue_kinds"] == ["cafe", "bookstore"]
    assert body["availability"] == [
        {"weekday": 0, "start": "18:30", "end": "24:00"},
        {"weekday": 5, "start": "14:00", "end": "19:00"},
    ]
    assert body["languages"] == ["de", "en"]
    assert body["notify"] == {"email": True, "push": False, "reminder_hours": [48, 24, 2]}


def test_unknown_interests_are_a_400_naming_them(alice: User, auth_client) -> None:
    response = auth_client(alice).patch(
        "/api/v1/me", {"interests": ["chess", "underwater-basket", "zzz"]}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == ("interests", "unknown_interests")
    assert "underwater-basket" in error["detail"]
    assert "zzz" in error["detail"]


def test_under_18_is_refused(alice: User, auth_client) -> None:
    from datetime import date

    too_young = date.today().year - 17  # noqa: DTZ011

    response = auth_client(alice).patch("/api/v1/me", {"birth_year": too_young}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == {"birth_year": "under_18"}


@pytest.mark.parametrize(
    ("changes", "attr"),
    [
        ({"max_travel_km": 0.1}, "max_travel_km"),
        ({"max_travel_km": 51}, "max_travel_km"),
        ({"max_travel_km": "far"}, "max_travel_km"),
        ({"group_size": "crowd"}, "group_size"),
        ({"venue_kinds": ["nightclub"]}, "venue_kinds.0"),
        (
            {"availability": [{"weekday": 7, "start": "10:00", "end": "12:00"}]},
            "availability.0.weekday",
        ),
        ({"availability": [{"weekday": 1, "start": "20:00", "end": "19:00"}]}, "availability"),
        (
            {"availability": [{"weekday": 1, "start": "25:00", "end": "26:00"}]},
            "availability.0.start",
        ),
        ({"languages": ["xx"]}, "languages"),
        ({"notify": {"reminder_hours": [0]}}, "notify.reminder_hours.0"),
        ({"age_min": 40, "age_max": 30}, "age_max"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_profile_values_are_400s_naming_the_field(
    alice: User, auth_client, changes, attr
) -> None:
    response = auth_client(alice).patch("/api/v1/me", changes, format="json")

    assert response.status_code == 400
    assert attr in {e["attr"] for e in response.json()["errors"]}


def test_a_rejected_patch_saves_nothing(alice: User, auth_client) -> None:
    before = auth_client(alice).get("/api/v1/me").json()

    response = auth_client(alice).patch(
        "/api/v1/me",
        {"display_name": "Changed", "interests": ["chess"], "birth_year": 2020},
        format="json",
    )

    assert response.status_code == 400
    assert auth_client(alice).get("/api/v1/me").json() == before


def test_set_home_by_coordinates(alice: User, auth_client) -> None:
    response = auth_client(alice).put(
        "/api/v1/me/location", {"lat": 60.17, "lng": 24.94}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "lat": 60.17,
        "lng": 24.94,
        "area_label": "Helsinki, Uusimaa, FI",
        "timezone": "Europe/Helsinki",
    }
    alice.profile.refresh_from_db()
    assert (alice.profile.home.y, alice.profile.home.x) == (60.17, 24.94)


def test_set_home_by_typed_address_uses_the_offline_geocoder(alice: User, auth_client) -> None:
    response = auth_client(alice).put(
        "/api/v1/me/location", {"address": "Pasing, München"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["area_label"] == "Pasing, Bavaria, DE"
    assert body["timezone"] == "Europe/Berlin"
    assert abs(body["lat"] - 48.14) < 0.01
    assert abs(body["lng"] - 11.46) < 0.01


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"lat": 91, "lng": 10}, "lat"),
        ({"lat": 10, "lng": -181}, "lng"),
        ({"lat": "north", "lng": 10}, "lat"),
        ({"lat": 10}, "lng"),
        ({}, "non_field_errors"),
        ({"lat": 1, "lng": 2, "address": "Munich"}, "non_field_errors"),
        ({"address": "Qwxzzy Nowhereville"}, "address"),
    ],
)
def test_bad_locations_are_400s_and_change_nothing(alice: User, auth_client, body, attr) -> None:
    before = alice.profile.home

    response = auth_client(alice).put("/api/v1/me/location", body, format="json")

    assert response.status_code == 400
    assert attr in {e["attr"] for e in response.json()["errors"]}
    alice.profile.refresh_from_db()
    assert alice.profile.home == before


def test_export_contains_everything_about_the_caller(alice: User, auth_client) -> None:
    alice.profile.interests.set(Interest.objects.filter(slug__in=["chess", "jazz"]))

    response = auth_client(alice).get("/api/v1/me/export")

    assert response.status_code == 200
    data = response.json()
    assert data["account"]["email"] == "alice@example.com"
    assert data["profile"]["interests"] == ["chess", "jazz"]
    assert data["profile"]["home"]["area_label"] == "Munich, Bavaria, DE"


def test_delete_me_needs_the_password(alice: User, auth_client) -> None:
    response = auth_client(alice).delete(
        "/api/v1/me", {"password": "not-my-password"}, format="json"
    )

    assert response.status_code == 400
    assert error_codes(response) == {"password": "wrong_password"}
    assert User.objects.filter(pk=alice.pk).exists()


def test_delete_me_removes_the_account_and_profile(alice: User, auth_client) -> None:
    response = auth_client(alice).delete("/api/v1/me", {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Profile.objects.filter(user_id=alice.pk).exists()


def test_interests_are_public_and_grouped_in_categories(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/interests")

    assert response.status_code == 200
    interests = response.json()
    assert 140 <= len(interests) <= 200
    assert len({i["category"] for i in interests}) == 12
    assert {"slug": "chess", "name": "Chess", "category": "games-puzzles"}.items() <= next(
        i for i in interests if i["slug"] == "chess"
    ).items()

"""Server-rendered sign-up, onboarding and profile pages (no JavaScript needed)."""

import json

import pytest
from django.core import mail
from django.test import Client

from apps.accounts.models import Profile, User
from tests.factories.accounts import PASSWORD, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def onboarding_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "display_name": "Nia",
        "birth_year": "1994",
        "interests": ["chess", "jazz", "board-games"],
        "address": "Pasing, München",
        "lat": "",
        "lng": "",
        "max_travel_km": "4",
        "venue_kinds": ["cafe", "bookstore"],
        "availability": ["1-evening", "1-late", "5-afternoon"],
        "group_size": "pair",
        "languages": ["de", "en"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def newcomer(client: Client) -> User:
    """Signed up and logged in, not yet onboarded."""
    user = UserFactory(email="nia@example.com")
    Profile.objects.create(user=user, display_name="Nia")
    client.force_login(user)
    return user


def test_landing_page_says_what_matchup_is(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert b"Meet real people nearby" in response.content
    assert b"OpenStreetMap contributors" in response.content


def test_signup_creates_the_account_sends_the_link_and_goes_to_onboarding(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": "Nia@Example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": "Nia",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/onboarding/"
    user = User.objects.get(email="nia@example.com")
    assert user.profile.display_name == "Nia"
    assert any("/accounts/confirm-email/" in m.body for m in mail.outbox)


def test_signup_form_shows_errors_and_creates_nothing(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": "nia@example.com",
            "password1": "short",
            "password2": "short",
            "display_name": "",
        },
    )

    assert response.status_code == 200
    assert b"This password is too short" in response.content
    assert not User.objects.exists()


def test_home_sends_people_who_have_not_onboarded_to_onboarding(
    client: Client, newcomer: User
) -> None:
    assert client.get("/home/")["Location"] == "/onboarding/"


def test_onboarding_saves_a_complete_profile(client: Client, newcomer: User) -> None:
    response = client.post("/onboarding/", onboarding_data())

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    profile = Profile.objects.get(user=newcomer)
    assert profile.onboarded_at is not None
    assert profile.area_label == "Pasing, Bavaria, DE"
    assert profile.timezone == "Europe/Berlin"
    assert sorted(i.slug for i in profile.interests.all()) == ["board-games", "chess", "jazz"]
    assert profile.availability == [
        {"weekday": 1, "start": "17:00", "end": "23:00"},
        {"weekday": 5, "start": "12:00", "end": "17:00"},
    ]
    assert (profile.group_size, profile.max_travel_km) == ("pair", 4.0)


def test_onboarding_accepts_the_location_from_the_browser(client: Client, newcomer: User) -> None:
    response = client.post("/onboarding/", onboarding_data(address="", lat="60.17", lng="24.94"))

    assert response.status_code == 302
    assert Profile.objects.get(user=newcomer).area_label == "Helsinki, Uusimaa, FI"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"birth_year": "2015"}, b"you must be 18 or older"),
        ({"address": "Qwxzzy Nowhereville"}, b"We could not find that place"),
        ({"address": ""}, b"Tell us roughly where you live"),
        ({"max_travel_km": "80"}, b"less than or equal to 50"),
        ({"availability": []}, b"This field is required"),
        (
            {"interests": ["chess", "not-an-interest"]},
            b"not-an-interest is not one of the available choices",
        ),
    ],
)
def test_onboarding_errors_are_shown_on_the_form_and_nothing_is_saved(
    client: Client, newcomer: User, overrides: dict[str, object], message: bytes
) -> None:
    response = client.post("/onboarding/", onboarding_data(**overrides))

    assert response.status_code == 200
    assert message in response.content
    profile = Profile.objects.get(user=newcomer)
    assert profile.onboarded_at is None
    assert profile.home is None
    assert not profile.interests.exists()


def test_profile_page_shows_own_details(client: Client) -> None:
    profile = ProfileFactory(display_name="Ola", interests=["chess"])
    client.force_login(profile.user)

    response = client.get("/me/")

    assert response.status_code == 200
    assert b"Ola" in response.content
    assert b"Chess" in response.content
    assert b"Munich, Bavaria, DE" in response.content


def test_profile_edit_changes_preferences(client: Client) -> None:
    profile = ProfileFactory(interests=["chess"])
    client.force_login(profile.user)
    data = onboarding_data(
        address="",
        bio="Coffee first.",
        reminder_hours=["24", "1"],
        notify_email="on",
        open_to_meet="",
        contact="Signal: @nia",
        age_min="25",
        age_max="40",
    )

    response = client.post("/me/edit/", data)

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.reminder_hours == [24, 1]
    assert (profile.bio, profile.contact, profile.open_to_meet) == (
        "Coffee first.",
        "Signal: @nia",
        False,
    )
    assert (profile.age_min, profile.age_max, profile.notify_push) == (25, 40, False)
    assert profile.area_label == "Munich, Bavaria, DE"  # empty address keeps the home


def test_export_downloads_json(client: Client) -> None:
    profile = ProfileFactory()
    client.force_login(profile.user)

    response = client.get("/me/export.json")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["account"]["email"] == profile.user.email


def test_delete_account_needs_the_password_then_removes_everything(client: Client) -> None:
    profile = ProfileFactory()
    client.force_login(profile.user)

    wrong = client.post("/me/delete/", {"password": "nope-nope-nope"})
    right = client.post("/me/delete/", {"password": PASSWORD})

    assert wrong.status_code == 200
    assert b"That password is not correct" in wrong.content
    assert right.status_code == 302
    assert not User.objects.filter(pk=profile.user_id).exists()

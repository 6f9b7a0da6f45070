"""Rounds and suggestions in the admin: visible with what the engine did, never editable, and
never showing the input a running round keeps (people's homes)."""

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.matching.models import Round, Suggestion
from apps.venues.models import Venue
from tests.factories.matching import person, suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(User.objects.create_superuser(email="admin@example.com", password="x"))
    return client


@pytest.fixture
def made(venue: Venue) -> Suggestion:
    return suggestion([person(), person()], venue=venue)


def test_rounds_are_listed_with_their_statistics(staff: Client, made: Suggestion) -> None:
    Round.objects.filter(pk=made.round_id).update(
        participants=200, matched=150, groups=60, mean_trip_km=1.234, runtime_seconds=2.5
    )

    html = staff.get("/admin/matching/round/").content.decode()

    assert "75 %" in html
    assert "1.23 km" in html
    assert "2.5 s" in html


def test_a_round_is_read_only_and_its_input_is_never_shown(staff: Client, made: Suggestion) -> None:
    Round.objects.filter(pk=made.round_id).update(problem=b"secret homes")

    page = staff.get(f"/admin/matching/round/{made.round_id}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "secret homes" not in html
    assert 'name="_save"' not in html
    assert staff.get("/admin/matching/round/add/").status_code == 403


def test_suggestions_show_their_members_answers(staff: Client, made: Suggestion) -> None:
    page = staff.get(f"/admin/matching/suggestion/{made.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "pending" in html
    assert 'name="_save"' not in html
    assert staff.get("/admin/matching/suggestion/").status_code == 200

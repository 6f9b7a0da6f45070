"""The suggestions inbox: each proposal with a map, the why, who (first names and what you
share), when in the venue's local time, until when to answer, and plain-form buttons."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page
from pytest_django import DjangoAssertNumQueries
from pytest_django.live_server_helper import LiveServer

from apps.accounts.models import User
from apps.matching.models import Suggestion
from apps.matching.services import suggestion_accept
from apps.venues.models import Venue
from tests.factories.accounts import PASSWORD
from tests.factories.matching import cafe, munich, person, suggestion

pytestmark = pytest.mark.django_db

INBOX = "/suggestions/"


@pytest.fixture
def proposal(venue: Venue) -> tuple[Suggestion, User, User]:
    alice = person(interests=["board-games", "jazz", "chess"], display_name="Alice")
    bob = person(interests=["board-games", "jazz"], display_name="Bob", birth_year=1977)
    return suggestion([alice, bob], venue=venue), alice, bob


def test_the_inbox_shows_each_proposal_with_its_map_why_who_and_when(
    clock: time_machine.Traveller,
    client: Client,
    proposal: tuple[Suggestion, User, User],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    made, alice, bob = proposal
    client.force_login(alice)

    with django_assert_max_num_queries(12):
        response = client.get(INBOX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Café Luitpold" in html
    assert "You all like board games" in html
    assert "<strong>Bob</strong>" in html
    assert "you both like Board games, Jazz" in html
    # 4 March 2026 09:00 UTC is 10:00 in Munich; answer by 3 March 09:00 UTC = 10:00 there.
    assert "Wednesday 4 March, 10:00</time>–12:00" in html
    assert "Tuesday 3 March, 10:00" in html
    assert f'id="suggestion-map-{made.pk}"' in html
    assert f'id="suggestion-map-{made.pk}-data"' in html
    assert "matching/suggestion_map.js" in html
    assert f'action="/suggestions/{made.pk}/accept/"' in html
    assert f'action="/suggestions/{made.pk}/decline/"' in html
    assert bob.email not in html
    assert "1977" not in html


def test_the_inbox_has_no_inline_script_without_a_nonce(
    clock: time_machine.Traveller, client: Client, proposal: tuple[Suggestion, User, User]
) -> None:
    _, alice, _ = proposal
    client.force_login(alice)

    html = client.get(INBOX).content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/json)", html)
    assert not re.search(r"\sstyle=\"", html)
    assert not re.search(r"\son[a-z]+=\"", html)


def test_accepting_in_the_inbox_confirms_and_links_the_meetup(
    clock: time_machine.Traveller, client: Client, proposal: tuple[Suggestion, User, User]
) -> None:
    made, alice, bob = proposal
    suggestion_accept(suggestion=made, user=bob)
    client.force_login(alice)

    response = client.post(f"/suggestions/{made.pk}/accept/", follow=True)

    made.refresh_from_db()
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/suggestions/#suggestion-{made.pk}"
    assert "the meetup is confirmed" in html
    assert f'href="/events/{made.event_id}/"' in html
    assert "Confirmed: you are going" in html


def test_declining_in_the_inbox_records_the_reason(
    clock: time_machine.Traveller, client: Client, proposal: tuple[Suggestion, User, User]
) -> None:
    made, alice, _ = proposal
    client.force_login(alice)

    response = client.post(f"/suggestions/{made.pk}/decline/", {"reason": "time"}, follow=True)

    member = made.members.get(user=alice)
    assert (member.response, member.decline_reason) == (
        "declined",
        "The time doesn’t work for me",
    )
    assert "Declined." in response.content.decode()
    assert "You declined" in response.content.decode()


def test_a_refusal_is_shown_as_a_message(
    clock: time_machine.Traveller, client: Client, proposal: tuple[Suggestion, User, User]
) -> None:
    made, alice, _ = proposal
    client.force_login(alice)
    clock.move_to(made.respond_by + timedelta(minutes=1))

    response = client.post(f"/suggestions/{made.pk}/accept/", follow=True)

    assert "The time to answer this suggestion has passed." in response.content.decode()
    assert made.members.get(user=alice).response == "pending"


def test_someone_elses_proposal_is_a_404(
    clock: time_machine.Traveller, client: Client, proposal: tuple[Suggestion, User, User]
) -> None:
    made, _, _ = proposal
    client.force_login(person())

    assert client.post(f"/suggestions/{made.pk}/accept/").status_code == 404
    assert client.post(f"/suggestions/{made.pk}/decline/").status_code == 404


def test_the_inbox_needs_a_login_and_buttons_need_a_post(
    client: Client, proposal: tuple[Suggestion, User, User]
) -> None:
    made, alice, _ = proposal

    assert client.get(INBOX).status_code == 302
    client.force_login(alice)
    assert client.get(f"/suggestions/{made.pk}/accept/").status_code == 405


def test_an_empty_inbox_says_what_happens_next(
    clock: time_machine.Traveller, client: Client
) -> None:
    client.force_login(person())

    html = client.get(INBOX).content.decode()

    assert "No suggestions right now." in html
    assert "leaflet" not in html


def test_the_header_links_the_inbox_and_home_counts_what_waits(
    clock: time_machine.Traveller, client: Client, proposal: tuple[Suggestion, User, User]
) -> None:
    _, alice, _ = proposal
    client.force_login(alice)

    html = client.get("/home/").content.decode()

    assert '<a href="/suggestions/">Suggestions</a>' in html
    assert "1 suggestion waiting for your answer." in html


def test_past_and_closed_proposals_are_listed_as_earlier(
    clock: time_machine.Traveller, client: Client, venue: Venue
) -> None:
    alice = person()
    suggestion([alice, person()], venue=venue, status=Suggestion.Status.EXPIRED)
    client.force_login(alice)

    html = client.get(INBOX).content.decode()

    assert "Earlier" in html
    assert "Expired" in html
    assert "Yes, I’ll come" not in html


@pytest.mark.django_db(transaction=True)
def test_the_inbox_map_pins_the_venue_and_accepting_works_in_a_browser(
    live_server: LiveServer, browser_page: Page
) -> None:
    venue = cafe(munich(), name="Café Kosmos")
    alice = person(display_name="Alice", user__email="alice-browser@example.com")
    bob = person(display_name="Bob")
    made = suggestion([alice, bob], venue=venue, starts_at=timezone.now() + timedelta(days=2))
    page = browser_page
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Scripts must pass the policy. (Leaflet swaps an aborted tile for a data: image, which
    # img-src refuses: that is the offline tile server here, not our page.)
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "script-src" in msg.text else None,
    )
    page.goto(f"{live_server.url}/accounts/login/?next={INBOX}")
    page.fill("input[name=login]", "alice-browser@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    marker = page.locator(f"#suggestion-map-{made.pk} .leaflet-marker-icon")
    marker.wait_for()
    assert marker.get_attribute("title") == "Café Kosmos"
    page.click("text=Yes, I’ll come")
    page.wait_for_selector("text=We’ll tell you as soon as enough people said yes.")
    assert made.members.get(user=alice).response == "accepted"
    assert errors == []

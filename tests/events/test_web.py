"""The event pages: near me (list + map), an event, RSVP, create/edit/cancel, my events, the
calendar downloads, the venue page's upcoming events. Server-rendered and CSP-clean."""

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from apps.accounts.models import User
from apps.events import services
from apps.events.models import Event, Rsvp
from apps.safety.models import Block
from apps.venues.models import Venue
from tests.factories.accounts import ProfileFactory
from tests.factories.events import EventFactory
from tests.factories.venues import VenueFactory

pytestmark = pytest.mark.django_db


def map_data(html: str) -> dict:
    match = re.search(r'<script id="events-map-data" type="application/json">(.*?)</script>', html)
    assert match, "map data missing"
    return json.loads(match.group(1))


def assert_csp_clean(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/json)", html)
    assert not re.search(r"\sstyle=\"", html)
    assert not re.search(r"\son[a-z]+=\"", html)


# --- Near me ----------------------------------------------------------------------------------
def test_a_visitor_is_asked_for_a_place_then_sees_events_on_list_and_map(
    client: Client, event: Event
) -> None:
    first = client.get("/events/").content.decode()
    assert "Type a town, district or address" in first

    response = client.get("/events/", {"place": "München"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Events near Munich, Bavaria, DE" in html
    assert "1 upcoming event" in html
    assert "Book swap" in html
    assert "0.0 km" in html
    local = event.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%a} {local.day} {local:%b}, {local:%H:%M}" in html  # the venue's local time
    data = map_data(html)
    (marker,) = data["markers"]
    assert marker["name"] == "Café Luitpold"
    assert marker["events"][0]["url"] == f"/events/{event.pk}/"
    assert_csp_clean(html)


def test_an_unknown_place_says_so(client: Client) -> None:
    html = client.get("/events/", {"place": "Qwxzvbn Plorktown"}).content.decode()

    assert "We could not find that place" in html


def test_signed_in_people_start_from_home_and_preferences(client: Client, event: Event) -> None:
    reader = ProfileFactory(interests=["poetry"], venue_kinds=["cafe"], max_travel_km=2).user
    client.force_login(reader)

    html = client.get("/events/").content.decode()

    assert "Events near your home area" in html
    assert "1 shared interest · 0.0 km" in html
    assert 'value="cafe" id="id_kind_0" checked' in html or re.search(
        r'<input[^>]*value="cafe"[^>]*checked', html
    )
    assert re.search(r'<option value="2" selected>', html)


def test_one_marker_per_venue_with_all_its_events(
    client: Client, cafe: Venue, start: datetime
) -> None:
    EventFactory(venue=cafe, starts_at=start)
    EventFactory(venue=cafe, starts_at=start + timedelta(days=1))
    EventFactory(venue=VenueFactory(lat=48.14, lng=11.58), starts_at=start)

    data = map_data(client.get("/events/", {"lat": 48.1372, "lng": 11.5756}).content.decode())

    assert sorted(len(marker["events"]) for marker in data["markers"]) == [1, 2]


def test_the_near_me_page_query_count_is_flat(
    client: Client, cafe: Venue, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for _ in range(25):
        EventFactory(venue=VenueFactory(opening_hours=""), attendees=0, interests=["poetry"])
    client.force_login(ProfileFactory(interests=["poetry"]).user)

    # session + user, profile, interest taxonomy (filters), interests, blocks, count, page,
    # notifications badge
    with django_assert_max_num_queries(11):
        response = client.get("/events/", {"lat": 48.1372, "lng": 11.5756})
    assert response.status_code == 200


def test_blocked_organizers_events_are_not_shown(client: Client, event: Event, bob: User) -> None:
    Block.objects.create(blocker=bob, blocked=event.organizer)
    client.force_login(bob)

    assert "Book swap" not in client.get("/events/").content.decode()


# --- One event --------------------------------------------------------------------------------
def test_the_event_page_shows_local_time_the_venue_and_who_is_going(
    client: Client, event: Event, bob: User
) -> None:
    services.rsvp_join(event=event, user=bob)
    anonymous = client.get(f"/events/{event.pk}/").content.decode()
    client.force_login(bob)
    html = client.get(f"/events/{event.pk}/").content.decode()

    local = event.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%H:%M}" in html
    assert "local time (Europe/Berlin)" in html
    assert "Café Luitpold" in html
    assert "2 people going. " in anonymous
    assert "Alice" not in anonymous.split("Who is going")[1]
    assert "Alice" in html
    assert "Bob (you)" in html
    assert "You are going." in html
    assert "I can’t go after all" in html
    assert f"/events/{event.pk}/calendar.ics" in html
    assert "Report this event" in html
    assert "alice@example.com" not in html
    assert_csp_clean(html)


def test_rsvp_and_waitlist_on_the_web(client: Client, event: Event) -> None:
    people = [ProfileFactory().user for _ in range(4)]
    for person in people:
        client.force_login(person)
        response = client.post(f"/events/{event.pk}/rsvp/", follow=True)
        assert response.status_code == 200
    html = response.content.decode()
    assert "number 1 on the waitlist" in html

    client.force_login(people[0])
    client.post(f"/events/{event.pk}/rsvp/cancel/")

    assert Rsvp.objects.get(event=event, user=people[3]).status == "going"


def test_rsvp_needs_login_and_post(client: Client, event: Event) -> None:
    response = client.post(f"/events/{event.pk}/rsvp/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(ProfileFactory().user)
    assert client.get(f"/events/{event.pk}/rsvp/").status_code == 405


def test_private_meetups_are_404_to_others(
    client: Client, cafe: Venue, alice: User, bob: User, carol: User, start: datetime
) -> None:
    meetup = services.event_create_for_group(
        venue=cafe,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        members=[alice, bob],
        title="Chess",
    )
    client.force_login(carol)
    assert client.get(f"/events/{meetup.pk}/").status_code == 404
    client.force_login(bob)
    assert "Your meetup" in client.get(f"/events/{meetup.pk}/").content.decode()


def test_the_ics_download(client: Client, event: Event) -> None:
    response = client.get(f"/events/{event.pk}/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'attachment; filename="matchup-event-' in response["Content-Disposition"]


# --- Create, edit, cancel ---------------------------------------------------------------------
def form_data(
    venue: Venue, day: str, start: str = "18:00", end: str = "20:00"
) -> dict[str, object]:
    return {
        "venue": venue.pk,
        "title": "Jazz listening",
        "description": "Vinyl and coffee.",
        "day": day,
        "start": start,
        "end": end,
        "capacity": 6,
        "interests": ["jazz"],
    }


def test_creating_an_event_in_the_venues_local_time(
    client: Client, bob: User, cafe: Venue, start: datetime
) -> None:
    client.force_login(bob)
    page = client.get("/events/new/", {"venue": cafe.pk}).content.decode()
    assert "Café Luitpold (Café, 0.0 km)" in page
    assert_csp_clean(page)
    day = start.date().isoformat()

    response = client.post("/events/new/", form_data(cafe, day, "18:30", "19:45"))

    event = Event.objects.get(title="Jazz listening")
    assert response["Location"] == f"/events/{event.pk}/"
    local = event.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (18, 30)
    assert event.organizer == bob
    assert event.going_count == 1


def test_the_form_refuses_closed_hours_and_the_past(
    client: Client, bob: User, cafe: Venue, start: datetime
) -> None:
    client.force_login(bob)
    closed = client.post(
        "/events/new/", form_data(cafe, start.date().isoformat(), "21:00", "23:00")
    )
    past = client.post("/events/new/", form_data(cafe, "2020-01-01"))

    assert "is not open the whole time" in closed.content.decode()
    assert "must start in the future" in past.content.decode()
    assert not Event.objects.exists()


def test_only_the_organizer_edits_and_cancels(
    client: Client, event: Event, alice: User, bob: User
) -> None:
    client.force_login(bob)
    assert client.get(f"/events/{event.pk}/edit/").status_code == 403
    assert client.post(f"/events/{event.pk}/cancel/").status_code == 403

    client.force_login(alice)
    edit = client.get(f"/events/{event.pk}/edit/").content.decode()
    assert 'value="Book swap"' in edit
    day = event.starts_at.date().isoformat()
    client.post(
        f"/events/{event.pk}/edit/", {**form_data(event.venue, day), "title": "Book swap 2"}
    )
    event.refresh_from_db()
    assert (event.title, event.sequence) == ("Book swap 2", 1)

    client.post(f"/events/{event.pk}/cancel/", {"reason": "Rain"})
    event.refresh_from_db()
    assert (event.status, event.cancel_reason) == ("cancelled", "Rain")
    assert "Cancelled." in client.get(f"/events/{event.pk}/").content.decode()


# --- My events and the venue page -------------------------------------------------------------
def test_my_events_lists_mine_and_offers_a_calendar_link(
    client: Client, event: Event, bob: User
) -> None:
    services.rsvp_join(event=event, user=bob)
    client.force_login(bob)

    html = client.get("/events/mine/").content.decode()

    assert "Book swap" in html
    token = bob.calendar_feed.token
    assert f"http://testserver/calendar/{token}.ics" in html
    assert f"webcal://testserver/calendar/{token}.ics" in html
    client.post("/events/mine/calendar/reset/")
    bob.calendar_feed.refresh_from_db()
    assert bob.calendar_feed.token != token
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert_csp_clean(html)


def test_the_venue_page_lists_upcoming_public_events(client: Client, event: Event) -> None:
    EventFactory(venue=event.venue, visibility="private", title="Secret meetup")

    html = client.get(f"/venues/{event.venue_id}/").content.decode()

    assert "Book swap" in html
    assert f"/events/{event.pk}/" in html
    assert "Secret meetup" not in html
    assert "3 places left" in html
    assert f"/events/new/?venue={event.venue_id}" in html


def test_nav_and_home_link_to_events(client: Client, alice: User) -> None:
    assert 'href="/events/"' in client.get("/").content.decode()
    client.force_login(alice)
    home = client.get("/home/").content.decode()
    assert 'href="/events/mine/"' in home
    assert 'href="/events/new/"' in home

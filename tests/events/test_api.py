"""The contract's Events endpoints: shapes, errors, GeoJSON, idempotency, privacy."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.events import services
from apps.events.models import Event, Rsvp
from apps.safety.models import Block
from apps.venues.models import Venue
from tests.factories.accounts import ProfileFactory
from tests.factories.events import EventFactory
from tests.factories.venues import VenueFactory

pytestmark = pytest.mark.django_db

MARIENPLATZ = {"lat": "48.1372", "lng": "11.5756"}
FORBIDDEN_KEYS = {"email", "home", "birth_year", "lat", "lng", "location", "distance_km"}

AuthClient = Callable[[User], APIClient]


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"type", "errors"}, body
    return body["errors"][0]["code"]


def body_for(venue: Venue, start: datetime, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "venue_id": venue.pk,
        "title": "Chess in the park café",
        "description": "All levels.",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "capacity": 6,
        "interests": ["chess"],
    }
    body.update(overrides)
    return body


# --- Browsing ---------------------------------------------------------------------------------
def test_anonymous_visitors_browse_public_events_near_a_point(
    api_client: APIClient, event: Event
) -> None:
    response = api_client.get("/api/v1/events", MARIENPLATZ)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert item["id"] == event.pk
    assert item["venue"]["name"] == "Café Luitpold"
    assert item["distance_km"] == 0.0
    assert (item["capacity"], item["going_count"], item["spots_left"]) == (4, 1, 3)
    assert item["interests"] == ["book-clubs", "poetry"]
    assert item["shared_interests"] == []
    assert item["my_rsvp"] is None
    assert item["status"] == "scheduled"
    assert item["starts_at"].endswith(("+01:00", "+02:00"))  # the venue's local offset
    assert "organizer" not in item


def test_signed_in_people_see_shared_interests_their_rsvp_and_why(
    auth_client: AuthClient, event: Event
) -> None:
    bob = ProfileFactory(interests=["poetry", "chess"]).user
    services.rsvp_join(event=event, user=bob)

    item = auth_client(bob).get("/api/v1/events", MARIENPLATZ).json()["results"][0]

    assert item["shared_interests"] == ["poetry"]
    assert item["my_rsvp"] == "going"
    assert item["why"].startswith("1 shared interest · 0.0 km · ")


def test_without_a_point_the_home_is_used_and_anonymous_needs_one(
    api_client: APIClient, auth_client: AuthClient, event: Event, bob: User
) -> None:
    assert auth_client(bob).get("/api/v1/events").json()["count"] == 1

    response = api_client.get("/api/v1/events")
    assert response.status_code == 400
    assert error_code(response) == "location_required"


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"lat": "91", "lng": "11"}, "lat"),
        ({"lat": "x", "lng": "11"}, "lat"),
        ({"lat": "48"}, "lng"),
        ({**MARIENPLATZ, "radius_km": "51"}, "radius_km"),
        ({**MARIENPLATZ, "kind": "cafe,spaceship"}, "kind"),
        ({**MARIENPLATZ, "ordering": "random"}, "ordering"),
        ({**MARIENPLATZ, "starts_after": "2026-05-01T19:00:00"}, "starts_after"),
    ],
)
def test_bad_query_parameters_are_400_naming_them(
    api_client: APIClient, params: dict[str, str], attr: str
) -> None:
    response = api_client.get("/api/v1/events", params)

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr


def test_filters_and_orderings(api_client: APIClient, start: datetime) -> None:
    near_bar = VenueFactory(kind="bar", lat=48.1380, lng=11.5760, opening_hours="")
    far_cafe = VenueFactory(lat=48.1550, lng=11.5800, opening_hours="")  # ~2 km north
    soon = EventFactory(venue=far_cafe, starts_at=start, interests=["jazz"])
    later = EventFactory(venue=near_bar, starts_at=start + timedelta(days=3), interests=["chess"])
    EventFactory(venue=near_bar, visibility="private")  # never listed
    EventFactory(venue=near_bar, status="cancelled")  # never listed
    EventFactory(venue=VenueFactory(is_active=False), starts_at=start)  # retired place

    def ids(**params: str) -> list[int]:
        response = api_client.get("/api/v1/events", {**MARIENPLATZ, **params})
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert ids(ordering="distance") == [later.pk, soon.pk]
    assert ids(ordering="starts_at") == [soon.pk, later.pk]
    assert ids(kind="bar") == [later.pk]
    assert ids(interests="jazz,opera") == [soon.pk]
    assert ids(radius_km="1") == [later.pk]
    assert ids(starts_before=(start + timedelta(days=1)).isoformat()) == [soon.pk]
    assert ids(starts_after=(start + timedelta(days=1)).isoformat()) == [later.pk]


def test_relevance_weighs_shared_interests_nearness_and_soonness(
    auth_client: AuthClient, start: datetime
) -> None:
    reader = ProfileFactory(interests=["poetry", "book-clubs", "jazz"]).user
    near_dull = EventFactory(venue=VenueFactory(opening_hours=""), starts_at=start)
    kindred = EventFactory(
        venue=VenueFactory(lat=48.1460, lng=11.5756, opening_hours=""),  # ~1 km away
        starts_at=start,
        interests=["poetry", "book-clubs", "jazz"],
    )
    far_future = EventFactory(
        venue=VenueFactory(opening_hours=""),
        starts_at=start + timedelta(days=60),
        interests=["poetry"],
    )

    results = auth_client(reader).get("/api/v1/events", MARIENPLATZ).json()["results"]

    assert [item["id"] for item in results] == [kindred.pk, near_dull.pk, far_future.pk]
    assert results[0]["why"].startswith("3 shared interests · 1.0 km · ")


def test_blocked_organizers_events_are_not_listed(
    auth_client: AuthClient, event: Event, alice: User, bob: User
) -> None:
    Block.objects.create(blocker=alice, blocked=bob)

    assert auth_client(bob).get("/api/v1/events", MARIENPLATZ).json()["count"] == 0


def test_geojson_by_format_or_accept(api_client: APIClient, event: Event) -> None:
    for response in (
        api_client.get("/api/v1/events", {**MARIENPLATZ, "format": "geojson"}),
        api_client.get("/api/v1/events", MARIENPLATZ, HTTP_ACCEPT="application/geo+json"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/geo+json")
        body = response.json()
        assert body["type"] == "FeatureCollection"
        assert body["count"] == 1
        (feature,) = body["features"]
        assert feature["geometry"] == {"type": "Point", "coordinates": [11.5756, 48.1372]}
        assert feature["properties"]["title"] == "Book swap"

    error = api_client.get("/api/v1/events", {"format": "geojson"})
    assert error.status_code == 400
    assert error["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("page_size", [5, 50])
def test_the_list_costs_the_same_queries_whatever_the_page_size(
    auth_client: AuthClient,
    django_assert_max_num_queries: DjangoAssertNumQueries,
    page_size: int,
) -> None:
    venues = [VenueFactory(opening_hours="") for _ in range(10)]
    for index in range(60):
        EventFactory(venue=venues[index % 10], interests=["poetry", "chess"], attendees=0)
    reader = ProfileFactory(interests=["poetry"]).user
    client = auth_client(reader)

    # auth (user + account state), profile, interests, blocks, count, page
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/events", {**MARIENPLATZ, "page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_anonymous_list_is_two_queries(
    api_client: APIClient, event: Event, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(2):
        api_client.get("/api/v1/events", MARIENPLATZ)


# --- Creating and changing --------------------------------------------------------------------
def test_creating_an_event(
    auth_client: AuthClient, bob: User, cafe: Venue, start: datetime
) -> None:
    response = auth_client(bob).post("/api/v1/events", body_for(cafe, start), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Chess in the park café"
    assert body["my_rsvp"] == "going"
    assert body["going_count"] == 1
    assert body["organizer"] == {
        "id": bob.pk,
        "display_name": "Bob",
        "shared_interests": [],
    }
    assert body["visibility"] == "public"


@pytest.mark.parametrize(
    ("change", "attr", "code"),
    [
        ({"starts_at": "2020-01-01T10:00:00+01:00"}, "starts_at", "in_past"),
        ({"ends_at": "before"}, "ends_at", "ends_before_start"),
        ({"ends_at": "13h"}, "ends_at", "too_long"),
        ({"capacity": 1}, "capacity", "min_value"),
        ({"capacity": 51}, "capacity", "max_value"),
        ({"venue_id": 999999}, "venue_id", "does_not_exist"),
        ({"interests": ["nope"]}, "interests", "unknown_interests"),
        ({"starts_at": "2026-05-01T19:00:00"}, "starts_at", "naive"),
    ],
)
def test_bad_events_are_400_and_nothing_is_saved(
    auth_client: AuthClient,
    bob: User,
    cafe: Venue,
    start: datetime,
    change: dict,
    attr: str,
    code: str,
) -> None:
    if change.get("ends_at") == "before":
        change = {"ends_at": (start - timedelta(hours=1)).isoformat()}
    if change.get("ends_at") == "13h":
        change = {"ends_at": (start + timedelta(hours=13)).isoformat()}
    if "starts_at" in change and change["starts_at"].startswith("2020"):
        change = {**change, "ends_at": "2020-01-01T12:00:00+01:00"}

    response = auth_client(bob).post(
        "/api/v1/events", body_for(cafe, start, **change), format="json"
    )

    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == (attr, code)
    assert not Event.objects.exists()


def test_an_inactive_or_closed_venue_is_400(
    auth_client: AuthClient, bob: User, start: datetime
) -> None:
    client = auth_client(bob)
    retired = VenueFactory(is_active=False)
    mornings = VenueFactory(opening_hours="Mo-Su 07:00-11:00")

    inactive = client.post("/api/v1/events", body_for(retired, start), format="json")
    closed = client.post("/api/v1/events", body_for(mornings, start), format="json")

    assert error_code(inactive) == "venue_inactive"
    assert error_code(closed) == "venue_closed"
    assert inactive.json()["errors"][0]["attr"] == "venue_id"


def test_anonymous_cannot_create_and_unverified_is_403(
    api_client: APIClient, auth_client: AuthClient, cafe: Venue, start: datetime
) -> None:
    assert (
        api_client.post("/api/v1/events", body_for(cafe, start), format="json").status_code == 401
    )
    newcomer = ProfileFactory(user__verified=False).user

    response = auth_client(newcomer).post("/api/v1/events", body_for(cafe, start), format="json")

    assert response.status_code == 403
    assert error_code(response) == "email_unverified"


def test_idempotency_key_replays_the_created_event(
    auth_client: AuthClient, bob: User, cafe: Venue, start: datetime
) -> None:
    client = auth_client(bob)
    headers = {"HTTP_IDEMPOTENCY_KEY": "create-1"}

    first = client.post("/api/v1/events", body_for(cafe, start), format="json", **headers)
    second = client.post("/api/v1/events", body_for(cafe, start), format="json", **headers)
    other = client.post(
        "/api/v1/events", body_for(cafe, start, title="Other"), format="json", **headers
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert first.json() == second.json()
    assert other.status_code == 422
    assert Event.objects.count() == 1


def test_the_organizer_edits_others_get_403(
    auth_client: AuthClient, event: Event, alice: User, bob: User
) -> None:
    forbidden = auth_client(bob).patch(
        f"/api/v1/events/{event.pk}", {"title": "Hijacked"}, format="json"
    )
    allowed = auth_client(alice).patch(
        f"/api/v1/events/{event.pk}", {"title": "Book swap & tea", "capacity": 6}, format="json"
    )

    assert forbidden.status_code == 403
    assert error_code(forbidden) == "not_organizer"
    assert allowed.status_code == 200, allowed.content
    assert (allowed.json()["title"], allowed.json()["capacity"]) == ("Book swap & tea", 6)


def test_deleting_cancels_and_attendees_are_told(
    auth_client: AuthClient, event: Event, alice: User, bob: User
) -> None:
    services.rsvp_join(event=event, user=bob)

    assert auth_client(bob).delete(f"/api/v1/events/{event.pk}").status_code == 403
    assert auth_client(alice).delete(f"/api/v1/events/{event.pk}").status_code == 204

    event.refresh_from_db()
    assert event.status == "cancelled"
    assert bob.messages.filter(kind="event_cancelled").count() == 1
    detail = auth_client(bob).get(f"/api/v1/events/{event.pk}").json()
    assert detail["status"] == "cancelled"


# --- RSVP -------------------------------------------------------------------------------------
def test_rsvp_goes_then_waitlists_with_positions(auth_client: AuthClient, event: Event) -> None:
    answers = []
    for _ in range(5):
        person = ProfileFactory().user
        response = auth_client(person).post(f"/api/v1/events/{event.pk}/rsvp")
        assert response.status_code == 201
        answers.append(response.json())

    assert [(a["status"], a["position"]) for a in answers] == [
        ("going", None),
        ("going", None),
        ("going", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]


def test_a_second_rsvp_returns_the_same_and_a_key_replays(
    auth_client: AuthClient, event: Event, bob: User
) -> None:
    client = auth_client(bob)
    first = client.post(f"/api/v1/events/{event.pk}/rsvp", HTTP_IDEMPOTENCY_KEY="k1")
    replay = client.post(f"/api/v1/events/{event.pk}/rsvp", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(f"/api/v1/events/{event.pk}/rsvp")

    assert first.json() == replay.json() == again.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert Rsvp.objects.filter(event=event, user=bob).count() == 1


def test_rsvp_errors(auth_client: AuthClient, event: Event, alice: User, bob: User) -> None:
    Block.objects.create(blocker=alice, blocked=bob)
    blocked = auth_client(bob).post(f"/api/v1/events/{event.pk}/rsvp")
    services.event_cancel(event=event, user=alice)
    cancelled = auth_client(ProfileFactory().user).post(f"/api/v1/events/{event.pk}/rsvp")
    missing = auth_client(bob).post("/api/v1/events/999999/rsvp")

    assert (blocked.status_code, error_code(blocked)) == (403, "blocked")
    assert (cancelled.status_code, error_code(cancelled)) == (409, "event_cancelled")
    assert (missing.status_code, error_code(missing)) == (404, "event_not_found")


def test_cancelling_an_rsvp_promotes_the_next(auth_client: AuthClient, event: Event) -> None:
    people = [ProfileFactory().user for _ in range(4)]
    for person in people:
        auth_client(person).post(f"/api/v1/events/{event.pk}/rsvp")

    response = auth_client(people[0]).delete(f"/api/v1/events/{event.pk}/rsvp")

    assert response.status_code == 204
    detail = auth_client(people[3]).get(f"/api/v1/events/{event.pk}").json()
    assert (detail["my_rsvp"], detail["my_position"]) == ("going", None)
    assert people[3].messages.filter(kind="waitlist_promoted").count() == 1


def test_the_organizer_cannot_drop_out(auth_client: AuthClient, event: Event, alice: User) -> None:
    response = auth_client(alice).delete(f"/api/v1/events/{event.pk}/rsvp")

    assert (response.status_code, error_code(response)) == (409, "organizer_cannot_leave")


# --- Private meetups and privacy --------------------------------------------------------------
def test_private_meetups_are_404_to_outsiders(
    auth_client: AuthClient,
    api_client: APIClient,
    cafe: Venue,
    alice: User,
    bob: User,
    carol: User,
    start: datetime,
) -> None:
    meetup = services.event_create_for_group(
        venue=cafe,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        members=[alice, bob],
        title="Chess",
    )

    assert auth_client(alice).get(f"/api/v1/events/{meetup.pk}").status_code == 200
    for response in (
        auth_client(carol).get(f"/api/v1/events/{meetup.pk}"),
        auth_client(carol).post(f"/api/v1/events/{meetup.pk}/rsvp"),
        auth_client(carol).get(f"/api/v1/events/{meetup.pk}/attendees"),
        api_client.get(f"/api/v1/events/{meetup.pk}"),
        api_client.get(f"/api/v1/events/{meetup.pk}/ics"),
    ):
        assert response.status_code == 404
        assert error_code(response) == "event_not_found"
    mine = auth_client(bob).get("/api/v1/me/events").json()["results"]
    assert [(item["id"], item["visibility"]) for item in mine] == [(meetup.pk, "private")]


def test_attendees_show_only_the_public_shape_and_hide_blocked_people(
    auth_client: AuthClient, event: Event, alice: User, bob: User, carol: User
) -> None:
    carol.profile.interests.set(event.interests.filter(slug="poetry"))
    bob.profile.interests.set(event.interests.all())
    services.rsvp_join(event=event, user=bob)
    services.rsvp_join(event=event, user=carol)
    Block.objects.create(blocker=carol, blocked=bob)

    seen_by_bob = auth_client(bob).get(f"/api/v1/events/{event.pk}/attendees").json()
    seen_by_alice = auth_client(alice).get(f"/api/v1/events/{event.pk}/attendees").json()

    assert [p["display_name"] for p in seen_by_bob] == ["Alice", "Bob"]
    assert seen_by_alice[2] == {"id": carol.pk, "display_name": "Carol", "shared_interests": []}
    for person in seen_by_alice:
        assert set(person) == {"id", "display_name", "shared_interests"}
    raw = json.dumps(auth_client(bob).get(f"/api/v1/events/{event.pk}").json()["organizer"])
    assert "alice@example.com" not in raw
    assert auth_client(bob).get(f"/api/v1/events/{event.pk}/attendees").status_code == 200


def test_attendees_need_sign_in(api_client: APIClient, event: Event) -> None:
    assert api_client.get(f"/api/v1/events/{event.pk}/attendees").status_code == 401


# --- Mine, calendars, venues ------------------------------------------------------------------
def test_my_events_upcoming_and_past(auth_client: AuthClient, event: Event, bob: User) -> None:
    past = EventFactory(
        starts_at=event.starts_at - timedelta(days=10),
        ends_at=event.starts_at - timedelta(days=9, hours=22),
    )
    Rsvp.objects.create(event=past, user=bob, status="going", joined_at=past.starts_at)
    services.rsvp_join(event=event, user=bob)
    client = auth_client(bob)

    upcoming = client.get("/api/v1/me/events").json()["results"]
    history = client.get("/api/v1/me/events", {"when": "past"}).json()["results"]

    assert [(e["id"], e["my_rsvp"]) for e in upcoming] == [(event.pk, "going")]
    assert [e["id"] for e in history] == [past.pk]
    assert client.get("/api/v1/me/events", {"when": "soon"}).status_code == 400


def test_ics_per_event(api_client: APIClient, event: Event) -> None:
    response = api_client.get(f"/api/v1/events/{event.pk}/ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert "DTSTART;TZID=Europe/Berlin:" in text
    assert f"UID:event-{event.pk}@" in text
    assert "BEGIN:VTIMEZONE" in text


def test_calendar_url_is_stable_secret_and_works_without_login(
    auth_client: AuthClient, api_client: APIClient, event: Event, alice: User
) -> None:
    first = auth_client(alice).get("/api/v1/me/calendar-url").json()["url"]
    second = auth_client(alice).get("/api/v1/me/calendar-url").json()["url"]

    assert first == second
    assert first.startswith("http://testserver/calendar/")
    assert first.endswith(".ics")
    feed = api_client.get(first.removeprefix("http://testserver"))
    assert feed.status_code == 200
    assert "SUMMARY:Book swap" in feed.content.decode()
    assert api_client.get("/calendar/not-the-token.ics").status_code == 404
    assert api_client.get("/api/v1/me/calendar-url").status_code == 401


def test_venue_detail_lists_its_upcoming_public_events(api_client: APIClient, event: Event) -> None:
    EventFactory(venue=event.venue, visibility="private")

    body = api_client.get(f"/api/v1/venues/{event.venue_id}").json()
    feature = api_client.get(f"/api/v1/venues/{event.venue_id}", {"format": "geojson"}).json()

    assert [e["id"] for e in body["upcoming_events"]] == [event.pk]
    assert body["upcoming_events"][0]["spots_left"] == 3
    assert body["name"] == "Café Luitpold"
    assert feature["properties"]["upcoming_events"][0]["title"] == "Book swap"

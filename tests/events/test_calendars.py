"""iCalendar output checked by parsing it back: zones, UIDs, sequence, cancellation, feed."""

from datetime import timedelta

import icalendar
import pytest
from django.test import Client

from apps.accounts.models import User
from apps.events import services
from apps.events.calendars import calendar_ics, event_ics
from apps.events.models import Event
from tests.factories.events import EventFactory
from tests.factories.venues import VenueFactory

pytestmark = pytest.mark.django_db


def parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def test_an_event_in_its_venues_zone_with_a_matching_vtimezone(event: Event) -> None:
    calendar = parse(event_ics(event))

    (vevent,) = calendar.walk("VEVENT")
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert str(vtimezone["TZID"]) == "Europe/Berlin"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert vevent.decoded("DTSTART") == event.starts_at
    assert vevent.decoded("DTEND") == event.ends_at
    assert str(vevent["SUMMARY"]) == "Book swap"
    assert "Café Luitpold" in str(vevent["LOCATION"])
    assert str(vevent["STATUS"]) == "CONFIRMED"


def test_another_zone_is_its_own(alice: User) -> None:
    helsinki = VenueFactory(lat=60.17, lng=24.94, timezone="Europe/Helsinki", opening_hours="")
    event = EventFactory(venue=helsinki)

    (vevent,) = parse(event_ics(event)).walk("VEVENT")

    assert vevent["DTSTART"].params["TZID"] == "Europe/Helsinki"
    assert vevent.decoded("DTSTART") == event.starts_at


def test_uid_is_stable_and_sequence_moves_with_changes_and_cancellation(
    event: Event, alice: User
) -> None:
    (before,) = parse(event_ics(event)).walk("VEVENT")
    services.event_update(
        event=event,
        user=alice,
        starts_at=event.starts_at + timedelta(hours=1),
        ends_at=event.ends_at + timedelta(hours=1),
    )
    event.refresh_from_db()
    (moved,) = parse(event_ics(event)).walk("VEVENT")
    services.event_cancel(event=event, user=alice)
    event.refresh_from_db()
    (cancelled,) = parse(event_ics(event)).walk("VEVENT")

    assert str(before["UID"]) == str(moved["UID"]) == str(cancelled["UID"]) == event_uid_of(event)
    assert [int(v["SEQUENCE"]) for v in (before, moved, cancelled)] == [0, 1, 2]
    assert str(cancelled["STATUS"]) == "CANCELLED"


def event_uid_of(event: Event) -> str:
    return f"event-{event.pk}@127.0.0.1"


def test_the_feed_has_their_events_and_meetups_including_cancelled(
    client: Client, event: Event, alice: User, bob: User, carol: User
) -> None:
    services.rsvp_join(event=event, user=bob)
    meetup = services.event_create_for_group(
        venue=event.venue,
        starts_at=event.starts_at + timedelta(days=1),
        ends_at=event.starts_at + timedelta(days=1, hours=2),
        members=[bob, carol],
        title="Meetup",
    )
    other = EventFactory(title="Not Bob's")
    dropped = EventFactory(title="Left it")
    services.rsvp_join(event=dropped, user=bob)
    services.rsvp_cancel(event=dropped, user=bob)
    services.event_cancel(event=event, user=alice)
    feed = services.calendar_feed_get_or_create(user=bob)

    response = client.get(f"/calendar/{feed.token}.ics")

    assert response.status_code == 200
    events = {str(v["SUMMARY"]): str(v["STATUS"]) for v in parse(response.content).walk("VEVENT")}
    assert events == {"Book swap": "CANCELLED", "Meetup": "CONFIRMED"}
    assert other.pk
    assert meetup.pk


def test_an_empty_calendar_is_still_valid() -> None:
    calendar = parse(calendar_ics([], name="MatchUp"))

    assert str(calendar["X-WR-CALNAME"]) == "MatchUp"
    assert calendar.walk("VEVENT") == []

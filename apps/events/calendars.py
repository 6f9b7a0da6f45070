"""iCalendar (RFC 5545) for one event and for a person's feed, with the `icalendar` package.

* Times carry the venue's zone (`DTSTART;TZID=Europe/Berlin:…`) and the calendar carries the
  matching VTIMEZONE, so calendar apps show the local time even across daylight-saving changes.
* UIDs are stable (`event-42@<site host>`) and SEQUENCE is the event's `sequence`, bumped on
  every change, so a re-downloaded file or a feed refresh updates the entry instead of adding
  one; a cancelled event stays in with `STATUS:CANCELLED` so apps remove or strike it.
"""

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from django.conf import settings
from django.utils import timezone

from apps.events.models import Event

PRODID = "-//MatchUp//Events//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def event_uid(event: Event) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "matchup.example"
    return f"event-{event.pk}@{host}"


def _vevent(event: Event, *, now: datetime) -> icalendar.Event:
    zone = _zone(event.venue.timezone)
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", now)
    vevent.add("dtstart", event.starts_at.astimezone(zone))
    vevent.add("dtend", event.ends_at.astimezone(zone))
    vevent.add("summary", event.title)
    if event.description:
        vevent.add("description", event.description)
    venue = event.venue
    vevent.add("location", ", ".join(part for part in (venue.name, venue.address) if part))
    vevent.add("geo", (round(venue.location.y, 6), round(venue.location.x, 6)))
    vevent.add("url", f"{settings.SITE_URL}/events/{event.pk}/")
    vevent.add("sequence", event.sequence)
    vevent.add("last-modified", event.updated_at)
    vevent.add("created", event.created_at)
    vevent.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def calendar_ics(events: Iterable[Event], *, name: str | None = None) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        # Calendar apps poll subscribed feeds; hourly is plenty for meetups.
        calendar.add(
            "refresh-interval",
            icalendar.vDuration.from_ical("PT1H"),
            parameters={"VALUE": "DURATION"},
        )
        calendar.add("x-published-ttl", "PT1H")
    now = timezone.now()
    for event in events:
        calendar.add_component(_vevent(event, now=now))
    # Transitions from a year back to two years ahead: enough for every event shown, and the
    # file stays small (the default range spells out every change since 1970).
    today = now.date()
    calendar.add_missing_timezones(
        first_date=today.replace(year=today.year - 1, day=1),
        last_date=today.replace(year=today.year + 2, day=1),
    )
    return calendar.to_ical()


def event_ics(event: Event) -> bytes:
    return calendar_ics([event])


def ics_filename(event: Event) -> str:
    return f"matchup-event-{event.pk}.ics"

"""Is a venue open? OSM `opening_hours` evaluated in the venue's own time zone.

Pure functions over (hours string, IANA time zone, coordinates); no ORM, so matching can call
them for thousands of venue-and-slot pairs. Parsed expressions are cached (parsing costs ~6 µs,
evaluating ~2 µs), keyed by the string, the zone and coordinates rounded to ~1 km: the
coordinates pick the country's public holidays (`PH off`) and sunrise/sunset times.

Three answers, never a guess: `True` open, `False` closed, `None` unknown. No hours, hours the
parser cannot read ("bei schönem Wetter"), an `unknown` rule or `|| unknown` fallback are
all *unknown*, never *closed*.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opening_hours import (
    InvalidCoordinatesError,
    OpeningHours,
    ParserError,
    State,
    UnknownCountryError,
)

Slot = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class HoursStatus:
    """The state at one moment, for people: "open until 18:00", "closed, opens Mon 08:00"."""

    is_open: bool | None
    next_change: datetime | None  # in the venue's zone; None when unknown or never
    comment: str


def parse(
    opening_hours: str, *, timezone: str, lat: float | None = None, lng: float | None = None
) -> OpeningHours | None:
    """The parsed expression, or None when there is nothing usable to evaluate."""
    if not opening_hours or not opening_hours.strip():
        return None
    key_lat = None if lat is None else round(lat, 2)
    key_lng = None if lng is None else round(lng, 2)
    return _parse_cached(opening_hours.strip(), timezone, key_lat, key_lng)


@lru_cache(maxsize=16384)
def _parse_cached(
    opening_hours: str, timezone: str, lat: float | None, lng: float | None
) -> OpeningHours | None:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    coords = (lat, lng) if lat is not None and lng is not None else None
    try:
        return OpeningHours(opening_hours, timezone=zone, coords=coords, auto_timezone=False)
    except (ParserError, UnknownCountryError, InvalidCoordinatesError, ValueError):
        return None


def is_valid(opening_hours: str) -> bool:
    return parse(opening_hours, timezone="UTC") is not None


def is_open_at(
    *,
    opening_hours: str,
    timezone: str,
    when: datetime,
    lat: float | None = None,
    lng: float | None = None,
) -> bool | None:
    """Open at `when` (an aware datetime, any zone) in the venue's local time; None = unknown."""
    return status_at(
        opening_hours=opening_hours, timezone=timezone, when=when, lat=lat, lng=lng
    ).is_open


def status_at(
    *,
    opening_hours: str,
    timezone: str,
    when: datetime,
    lat: float | None = None,
    lng: float | None = None,
) -> HoursStatus:
    local = _local(when, timezone)
    parsed = parse(opening_hours, timezone=timezone, lat=lat, lng=lng)
    if parsed is None or local is None:
        return HoursStatus(is_open=None, next_change=None, comment="")
    state, comment = parsed.state(local)
    if state == State.UNKNOWN:
        return HoursStatus(is_open=None, next_change=None, comment=comment)
    return HoursStatus(
        is_open=state == State.OPEN, next_change=parsed.next_change(local), comment=comment
    )


def slots_open(
    *,
    opening_hours: str,
    timezone: str,
    slots: Sequence[Slot],
    lat: float | None = None,
    lng: float | None = None,
) -> list[bool | None]:
    """For each `[start, end)` slot (aware datetimes): True when open for the whole slot, False
    when closed at any moment of it, None when unknown (no or unreadable hours, or an `unknown`
    stretch and no closed one). One parse per venue, however many slots."""
    parsed = parse(opening_hours, timezone=timezone, lat=lat, lng=lng)
    if parsed is None:
        return [None] * len(slots)
    answers: list[bool | None] = []
    for start, end in slots:
        local_start, local_end = _local(start, timezone), _local(end, timezone)
        if local_start is None or local_end is None or local_end <= local_start:
            answers.append(None)
            continue
        states = {state for _, _, state, _ in parsed.intervals(local_start, local_end)}
        if State.CLOSED in states:
            answers.append(False)
        elif State.UNKNOWN in states or not states:
            answers.append(None)
        else:
            answers.append(True)
    return answers


def _local(when: datetime, timezone: str) -> datetime | None:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("Opening hours are evaluated at an aware datetime, not a naive one.")
    try:
        return when.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return None

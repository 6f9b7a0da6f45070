"""Finding venues by distance, kind, name and opening time (the selector other apps use)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.core.geo import point
from apps.venues import selectors
from apps.venues.models import Venue
from tests.factories.venues import MARIENPLATZ, VenueFactory

pytestmark = pytest.mark.django_db

HERE = point(lat=MARIENPLATZ[0], lng=MARIENPLATZ[1])
# Offsets north of Marienplatz: 0.009° of latitude is about 1 km.
KM = 0.009


def venue_at(km_north: float, **kwargs: object) -> Venue:
    return VenueFactory(lat=MARIENPLATZ[0] + km_north * KM, lng=MARIENPLATZ[1], **kwargs)


def names(venues: object) -> list[str]:
    return [v.name for v in venues]  # type: ignore[attr-defined]


def test_venues_come_nearest_first_with_their_distance() -> None:
    far = venue_at(1.5, name="Far")
    near = venue_at(0.2, name="Near")
    middle = venue_at(0.8, name="Middle")

    venues = list(selectors.venue_list_near(point=HERE, radius_km=2))

    assert venues == [near, middle, far]
    assert [round(v.distance_m / 1000, 1) for v in venues] == [0.2, 0.8, 1.5]


def test_the_radius_is_a_true_distance() -> None:
    venue_at(1.9, name="Inside")
    venue_at(2.1, name="Outside")

    assert names(selectors.venue_list_near(point=HERE, radius_km=2)) == ["Inside"]


def test_retired_venues_are_not_listed() -> None:
    venue_at(0.1, name="Open for business")
    venue_at(0.2, name="Gone", is_active=False)

    assert names(selectors.venue_list_near(point=HERE)) == ["Open for business"]


def test_filter_by_kinds_and_text() -> None:
    venue_at(0.1, name="Café Kosmos", kind="cafe")
    venue_at(0.2, name="Schumann's Bar", kind="bar", address="Odeonsplatz 6")
    venue_at(0.3, name="Hugendubel", kind="bookstore")

    assert names(selectors.venue_list_near(point=HERE, kinds=["bar", "bookstore"])) == [
        "Schumann's Bar",
        "Hugendubel",
    ]
    assert names(selectors.venue_list_near(point=HERE, q="kosmos")) == ["Café Kosmos"]
    assert names(selectors.venue_list_near(point=HERE, q="odeonsplatz")) == ["Schumann's Bar"]


def test_open_at_keeps_only_venues_known_to_be_open_then_locally() -> None:
    venue_at(0.1, name="Morning café", opening_hours="Mo-Su 07:00-12:00")
    venue_at(0.2, name="Night bar", opening_hours="Mo-Su 18:00-02:00")
    venue_at(0.3, name="Hours unknown", opening_hours="")
    venue_at(0.4, name="Unreadable", opening_hours="wenn offen, dann offen")
    # 23:30 UTC on 8 May 2026 is 01:30 on 9 May in Munich.
    late = datetime(2026, 5, 8, 23, 30, tzinfo=UTC)

    assert names(selectors.venue_list_near(point=HERE, open_at=late)) == ["Night bar"]
    morning = datetime(2026, 5, 9, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert names(selectors.venue_list_near(point=HERE, open_at=morning)) == ["Morning café"]


def test_venue_is_open_at_answers_three_ways() -> None:
    when = datetime(2026, 5, 9, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    assert selectors.venue_is_open_at(VenueFactory(opening_hours="Sa 09:00-12:00"), when) is True
    assert selectors.venue_is_open_at(VenueFactory(opening_hours="Su 09:00-12:00"), when) is False
    assert selectors.venue_is_open_at(VenueFactory(opening_hours=""), when) is None


def test_venue_slots_open_for_matching() -> None:
    venue = VenueFactory(opening_hours="Mo-Fr 08:00-20:00")
    monday = datetime(2026, 5, 4, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    slots = [
        (monday + timedelta(hours=18), monday + timedelta(hours=20)),
        (monday + timedelta(hours=19), monday + timedelta(hours=21)),
    ]

    assert selectors.venue_slots_open(venue, slots) == [True, False]


def test_venue_get_finds_retired_venues_too() -> None:
    gone = VenueFactory(is_active=False)

    assert selectors.venue_get(venue_id=gone.pk) == gone
    with pytest.raises(selectors.VenueNotFound):
        selectors.venue_get(venue_id=gone.pk + 1000)

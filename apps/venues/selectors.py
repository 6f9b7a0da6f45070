"""Reads on venues and regions, for this app's API and for the web, events and matching apps."""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import GeometryDistance
from django.contrib.gis.geos import Point
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, Value

from apps.core.errors import NotFound
from apps.venues import hours
from apps.venues.models import ImportRun, Region, Venue

MAX_RADIUS_KM = 50.0
DEFAULT_RADIUS_KM = 2.0


class VenueNotFound(NotFound):
    code = "venue_not_found"
    default_detail = "No such venue."


class RegionNotFound(NotFound):
    code = "region_not_found"
    default_detail = "No such region."


class _GeographyPoint(Value):
    def __init__(self, point: Point) -> None:
        super().__init__(point, output_field=PointField(geography=True, srid=4326))


class SphereDistance(Func):
    """Metres between a geography column and a point on the sphere, `ST_Distance(a, b, false)`:
    the metric of PostGIS' `<->` ordering, so shown distances and the order always agree (the
    spheroid differs by under 0.5%, and costs more per row)."""

    function = "ST_Distance"
    output_field = FloatField()

    def __init__(self, column: str, point: Point) -> None:
        super().__init__(F(column), _GeographyPoint(point), Value(False))


class WithinSphere(Func):
    """`ST_DWithin(a, b, metres, false)`: index-backed, on the same sphere as SphereDistance."""

    function = "ST_DWithin"
    output_field = BooleanField()

    def __init__(self, column: str, point: Point, metres: float) -> None:
        super().__init__(F(column), _GeographyPoint(point), Value(metres), Value(False))


def venue_list_near(
    *,
    point: Point,
    radius_km: float = DEFAULT_RADIUS_KM,
    kinds: Iterable[str] | None = None,
    open_at: datetime | None = None,
    q: str | None = None,
) -> QuerySet[Venue]:
    """Active venues within `radius_km` of `point`, nearest first, annotated with `distance_m`
    (metres on the sphere). `open_at` keeps only venues known to be open then in their local time
    (unknown hours are left out); `q` matches the name or address, case-insensitively."""
    venues = Venue.objects.active().filter(WithinSphere("location", point, radius_km * 1000))
    kinds = list(kinds or [])
    if kinds:
        venues = venues.filter(kind__in=kinds)
    if q:
        venues = venues.filter(Q(name__icontains=q) | Q(address__icontains=q))
    if open_at is not None:
        # Opening hours are evaluated in Python (the OSM syntax has no SQL form); the candidate
        # rows carry only what that needs, and the page query then filters by id.
        candidates = venues.exclude(opening_hours="").values_list(
            "pk", "opening_hours", "timezone", "location"
        )
        open_ids = [
            pk
            for pk, opening_hours, zone, location in candidates
            if hours.is_open_at(
                opening_hours=opening_hours,
                timezone=zone,
                when=open_at,
                lat=location.y,
                lng=location.x,
            )
        ]
        venues = venues.filter(pk__in=open_ids)
    # Nearest first by PostGIS' `<->` (sphere distance, which the GiST index can serve in
    # order), with the shown distance on the same sphere.
    return venues.annotate(distance_m=SphereDistance("location", point)).order_by(
        GeometryDistance("location", point), "pk"
    )


def venue_get(*, venue_id: int, point: Point | None = None) -> Venue:
    """One venue, active or retired (history and events still point at retired ones), with
    `distance_m` annotated when `point` is given. Raises VenueNotFound."""
    venues = Venue.objects.select_related("region")
    if point is not None:
        venues = venues.annotate(distance_m=SphereDistance("location", point))
    venue = venues.filter(pk=venue_id).first()
    if venue is None:
        raise VenueNotFound()
    return venue


def venue_is_open_at(venue: Venue, when: datetime) -> bool | None:
    """Open at `when` (aware) in the venue's local time: True, False, or None when unknown."""
    return hours.is_open_at(
        opening_hours=venue.opening_hours,
        timezone=venue.timezone,
        when=when,
        lat=venue.location.y,
        lng=venue.location.x,
    )


def venue_hours_status(venue: Venue, when: datetime) -> hours.HoursStatus:
    return hours.status_at(
        opening_hours=venue.opening_hours,
        timezone=venue.timezone,
        when=when,
        lat=venue.location.y,
        lng=venue.location.x,
    )


def venue_local_time(venue: Venue, when: datetime) -> datetime:
    """`when` in the venue's time zone (UTC when the zone is unknown to this system)."""
    try:
        return when.astimezone(ZoneInfo(venue.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return when.astimezone(UTC)


def venue_slots_open(venue: Venue, slots: Sequence[hours.Slot]) -> list[bool | None]:
    """For each `[start, end)` slot: open the whole time (True), closed at some point (False),
    unknown (None). See `apps.venues.hours.slots_open` to evaluate without model instances."""
    return hours.slots_open(
        opening_hours=venue.opening_hours,
        timezone=venue.timezone,
        slots=slots,
        lat=venue.location.y,
        lng=venue.location.x,
    )


def venues_slots_open(
    venues: Iterable[Venue], slots: Sequence[hours.Slot]
) -> dict[int, list[bool | None]]:
    """`{venue_id: [open for the whole slot? per slot]}` for many venues at once (matching's
    venue-and-time picking). Each distinct hours string is parsed once and cached; about 10 µs
    per venue-and-slot pair."""
    return {venue.pk: venue_slots_open(venue, slots) for venue in venues}


def region_get(*, name: str) -> Region:
    """A region by name or slug, case-insensitively. Raises RegionNotFound."""
    region = Region.objects.filter(Q(name__iexact=name) | Q(slug__iexact=name)).first()
    if region is None:
        raise RegionNotFound(f"No region named {name!r}.")
    return region


def import_run_list(*, region: Region, limit: int = 20) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(region=region).order_by("-started_at", "-pk")[:limit]

"""Reads on events, for the API, the web pages and the apps above (matching, reminders).

`event_list_near` is the hot path (every visit to "near me"): one count and one page query,
both in SQL, returning plain dicts. The venues near the point come from the venues' partial
GiST index, their upcoming public events from the events' partial (venue, starts_at) index;
interests, the caller's shared interests and their RSVP are array/scalar subqueries in the same
statement, so the number of queries does not grow with the page size.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.gis.geos import Point
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import Interest, Profile, User
from apps.events.errors import EventNotFound
from apps.events.models import Connection, Event, Rsvp
from apps.safety.selectors import blocked_user_ids, public_person
from apps.venues.selectors import SphereDistance, WithinSphere

MAX_ID = 2**63 - 1
DEFAULT_RADIUS_KM = 5.0
MAX_RADIUS_KM = 50.0
Ordering = Literal["relevance", "distance", "starts_at"]
ORDERINGS: tuple[Ordering, ...] = ("relevance", "distance", "starts_at")


# --- SQL pieces -----------------------------------------------------------------------------
class _Coordinate(Func):
    """ST_Y/ST_X of a geography column as a float (no GEOS object per row)."""

    output_field = FloatField()

    def __init__(self, column: str, axis: Literal["lat", "lng"]) -> None:
        super().__init__(F(column), function="ST_Y" if axis == "lat" else "ST_X")
        self.template = "%(function)s(%(expressions)s::geometry)"


class _HoursUntil(Func):
    output_field = FloatField()
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0)"
    arg_joiner = " - "


def interest_ids_of(user: User | None) -> list[int]:
    if user is None or not user.is_authenticated:
        return []
    return list(
        Profile.interests.through.objects.filter(profile__user_id=user.pk).values_list(
            "interest_id", flat=True
        )
    )


def _interest_slugs(*, only: list[int] | None = None) -> ArraySubquery:
    interests = Interest.objects.filter(events=OuterRef("pk"))
    if only is not None:
        interests = interests.filter(pk__in=only)
    return ArraySubquery(interests.order_by("slug").values("slug"))


def _my_rsvp(user_id: int) -> Subquery:
    return Subquery(
        Rsvp.objects.active().filter(event=OuterRef("pk"), user_id=user_id).values("status")[:1]
    )


# --- Near a point -----------------------------------------------------------------------------
@dataclass(frozen=True)
class EventSearch:
    point: Point
    radius_km: float = DEFAULT_RADIUS_KM
    interests: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    ordering: Ordering = "relevance"


LIST_FIELDS = (
    "id",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "capacity",
    "going_count",
    "status",
    "visibility",
    "venue_id",
    "venue__name",
    "venue__kind",
    "venue__address",
    "venue__timezone",
)


def event_list_near(
    *,
    search: EventSearch,
    viewer: User | None = None,
    viewer_interest_ids: list[int] | None = None,
    hidden_organizer_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> QuerySet[Event, dict[str, Any]]:
    """Upcoming public events at active venues within `radius_km` of the point, as dicts
    (LIST_FIELDS plus `lat`, `lng`, `distance_m`, `interests`, `shared_interests`,
    `shared_count`, `relevance`, `my_rsvp`), ordered by relevance, distance or start.

    Relevance = (1 + shared interests) x 1/(1 + km/2) x 1/(1 + days until it starts/3): an event
    you share three interests with a kilometre away tomorrow beats a nearer one you share
    nothing with. `hidden_organizer_ids` (blocked people, either way) are left out.
    """
    now = now or timezone.now()
    starts_after = max(search.starts_after or now, now)
    events = Event.objects.filter(
        status=Event.Status.SCHEDULED,
        visibility=Event.Visibility.PUBLIC,
        starts_at__gt=starts_after,
        venue__is_active=True,
    ).filter(WithinSphere("venue__location", search.point, search.radius_km * 1000))
    if search.starts_before is not None:
        events = events.filter(starts_at__lt=search.starts_before)
    if search.kinds:
        events = events.filter(venue__kind__in=search.kinds)
    if search.interests:
        # A scalar subquery (not EXISTS): PostgreSQL cannot turn it into a join, so it is
        # checked per nearby event after the spatial index did the narrowing. As a semi-join
        # the planner would start from every event with these interests and scan the table.
        any_interest = Event.interests.through.objects.filter(
            event_id=OuterRef("pk"), interest__slug__in=search.interests
        ).values("event_id")[:1]
        events = events.alias(interest_match=Subquery(any_interest)).filter(
            interest_match__isnull=False
        )
    hidden = list(hidden_organizer_ids)
    if hidden:
        events = events.exclude(organizer_id__in=hidden)

    shared_ids = viewer_interest_ids or []
    distance = SphereDistance("venue__location", search.point)
    rows = events.values(*LIST_FIELDS).annotate(
        lat=_Coordinate("venue__location", "lat"),
        lng=_Coordinate("venue__location", "lng"),
        distance_m=distance,
        interests=_interest_slugs(),
    )
    if shared_ids:
        rows = rows.annotate(
            shared_interests=_interest_slugs(only=shared_ids),
            # A count over the through table's index (no join), cheap enough to sort by.
            shared_count=Subquery(
                Event.interests.through.objects.filter(
                    event_id=OuterRef("pk"), interest_id__in=shared_ids
                )
                .order_by()
                .values("event_id")
                .annotate(n=Count("*"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
        )
    else:
        rows = rows.annotate(
            shared_interests=Value([], output_field=ArrayField(CharField())),
            shared_count=Value(0, output_field=IntegerField()),
        )
    if viewer is not None and viewer.is_authenticated:
        rows = rows.annotate(my_rsvp=_my_rsvp(viewer.pk))
    else:
        rows = rows.annotate(my_rsvp=Value(None, output_field=Rsvp._meta.get_field("status")))
    rows = rows.annotate(
        relevance=(1.0 + Coalesce(F("shared_count"), 0))
        / (1.0 + F("distance_m") / 2000.0)
        / (1.0 + _HoursUntil(F("starts_at"), Value(now, output_field=DateTimeField())) / 72.0)
    )
    if search.ordering == "distance":
        return rows.order_by("distance_m", "starts_at", "id")
    if search.ordering == "starts_at":
        return rows.order_by("starts_at", "distance_m", "id")
    return rows.order_by("-relevance", "starts_at", "id")


def when_label(starts_at: datetime, zone: str, *, now: datetime) -> str:
    """'today 19:00', 'tomorrow 19:00', 'Sat 19:00' (this week), 'Sat 16 May 19:00'."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    local, today = starts_at.astimezone(tz), now.astimezone(tz).date()
    days = (local.date() - today).days
    if days == 0:
        return f"today {local:%H:%M}"
    if days == 1:
        return f"tomorrow {local:%H:%M}"
    if 1 < days < 7:
        return f"{local:%a %H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def relevance_explanation(
    *, shared_count: int, distance_m: float | None, starts_at: datetime, zone: str, now: datetime
) -> str:
    """'3 shared interests · 1.2 km · tomorrow 19:00' — the three factors of relevance."""
    parts = []
    if shared_count:
        parts.append(f"{shared_count} shared interest{'s' if shared_count != 1 else ''}")
    if distance_m is not None:
        parts.append(f"{distance_m / 1000:.1f} km")
    parts.append(when_label(starts_at, zone, now=now))
    return " · ".join(parts)


# --- One event ------------------------------------------------------------------------------
def event_get_for(*, user: User | None, event_id: int) -> Event:
    """An event the caller may see: any public one, or a private meetup they are (or were)
    part of. Anything else is `EventNotFound`, exactly like an id that does not exist.
    Loaded with its venue and organizer; `my_rsvp` (status or None) annotated."""
    if not 0 < int(event_id) <= MAX_ID:
        raise EventNotFound()
    events = (
        Event.objects.visible_to(user)
        .select_related("venue", "organizer__profile")
        .filter(pk=event_id)
    )
    if user is not None and user.is_authenticated:
        events = events.annotate(my_rsvp=_my_rsvp(user.pk))
    event = events.first()
    if event is None:
        raise EventNotFound()
    if not hasattr(event, "my_rsvp"):
        event.my_rsvp = None  # type: ignore[attr-defined]
    return event


def interest_names() -> dict[str, str]:
    """`{slug: name}` of every interest (a few hundred at most), to show names on pages."""
    return dict(Interest.objects.values_list("slug", "name"))


def event_interest_slugs(event: Event) -> list[str]:
    return list(event.interests.order_by("slug").values_list("slug", flat=True))


def shared_interest_slugs(*, event: Event, viewer: User | None) -> list[str]:
    ids = interest_ids_of(viewer)
    if not ids:
        return []
    return list(event.interests.filter(pk__in=ids).order_by("slug").values_list("slug", flat=True))


def rsvp_get(*, event: Event, user: User) -> Rsvp | None:
    return Rsvp.objects.filter(event=event, user=user).first()


# --- People -----------------------------------------------------------------------------------
def _shared_by_user(user_ids: list[int], viewer: User | None) -> dict[int, list[str]]:
    viewer_ids = interest_ids_of(viewer)
    shared: dict[int, list[str]] = {user_id: [] for user_id in user_ids}
    if not viewer_ids or not user_ids:
        return shared
    rows = (
        Profile.interests.through.objects.filter(
            profile__user_id__in=user_ids, interest_id__in=viewer_ids
        )
        .order_by("interest__slug")
        .values_list("profile__user_id", "interest__slug")
    )
    for user_id, slug in rows:
        shared[user_id].append(slug)
    return shared


def person_for(viewer: User | None, person: User) -> dict[str, Any]:
    """Another person as anyone may see them: `{id, display_name, shared_interests}`."""
    return {
        **public_person(person),
        "shared_interests": _shared_by_user([person.pk], viewer)[person.pk],
    }


def event_attendees(*, event: Event, viewer: User | None) -> list[dict[str, Any]]:
    """The people going, in the order they got their seat, as `{id, display_name,
    shared_interests}` (shared with the viewer). Nobody the viewer blocked or was blocked by
    appears. Three queries, whatever the number of people."""
    hidden = blocked_user_ids(viewer) if viewer is not None and viewer.is_authenticated else set()
    rsvps = (
        Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING)
        .exclude(user_id__in=hidden)
        .select_related("user__profile")
        .order_by("joined_at", "pk")
    )
    people = [rsvp.user for rsvp in rsvps]
    shared = _shared_by_user([person.pk for person in people], viewer)
    return [{**public_person(person), "shared_interests": shared[person.pk]} for person in people]


# --- Someone's events -------------------------------------------------------------------------
def events_for_user(
    *, user: User, when: Literal["upcoming", "past"], now: datetime | None = None
) -> QuerySet[Event]:
    """The events and meetups `user` is going to or waitlisted for (or organises): upcoming
    (not ended yet, soonest first, cancelled ones included so people see it) or past (most
    recent first). Annotated with `my_rsvp`."""
    now = now or timezone.now()
    mine = Exists(Rsvp.objects.active().filter(event=OuterRef("pk"), user_id=user.pk))
    events = (
        Event.objects.filter(mine | Q(organizer_id=user.pk))
        .select_related("venue", "organizer__profile")
        .annotate(my_rsvp=_my_rsvp(user.pk))
    )
    if when == "past":
        return events.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    return events.filter(ends_at__gt=now).order_by("starts_at", "pk")


def calendar_events_for_user(*, user: User, now: datetime | None = None) -> QuerySet[Event]:
    """What a person's calendar feed shows: events they go to or organise from 30 days back,
    cancelled ones included (calendar apps then mark them cancelled)."""
    now = now or timezone.now()
    going = Exists(
        Rsvp.objects.filter(event=OuterRef("pk"), user_id=user.pk, status=Rsvp.Status.GOING)
    )
    return (
        Event.objects.filter(going | Q(organizer_id=user.pk), ends_at__gt=now - timedelta(days=30))
        .select_related("venue")
        .order_by("starts_at", "pk")
    )


def venue_upcoming_events(
    *, venue_id: int, viewer: User | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The next public events at a venue (for its page and API), one query, as dicts:
    `{id, title, starts_at, ends_at, capacity, going_count, spots_left}`."""
    events = Event.objects.filter(
        venue_id=venue_id,
        status=Event.Status.SCHEDULED,
        visibility=Event.Visibility.PUBLIC,
        starts_at__gt=timezone.now(),
    )
    if viewer is not None and viewer.is_authenticated:
        events = events.exclude(organizer_id__in=blocked_user_ids(viewer))
    rows = list(
        events.order_by("starts_at", "pk").values(
            "id", "title", "starts_at", "ends_at", "capacity", "going_count"
        )[:limit]
    )
    for row in rows:
        row["spots_left"] = max(0, row["capacity"] - row["going_count"])
    return rows


def connected_pairs_among(user_ids: list[int]) -> set[tuple[int, int]]:
    """Every pair `(low, high)` within `user_ids` with a `Connection` (one query)."""
    if len(user_ids) < 2:
        return set()
    return set(
        Connection.objects.filter(user_low_id__in=user_ids, user_high_id__in=user_ids).values_list(
            "user_low_id", "user_high_id"
        )
    )


def pairs_met_recently(
    *, user_ids: Iterable[int], since: datetime, now: datetime | None = None
) -> set[tuple[int, int]]:
    """Pairs `(a, b)` with a < b among `user_ids` who were both going to the same event that
    started between `since` and `now` and was not cancelled: the matching engine does not put
    them together again so soon. Pairs who both said "meet again" (a `Connection`) are left
    out: meeting again is what they asked for.
    """
    ids = list(set(user_ids))
    if not ids:
        return set()
    now = now or timezone.now()
    going = Rsvp.objects.filter(
        status=Rsvp.Status.GOING,
        user_id__in=ids,
        event__starts_at__gte=since,
        event__starts_at__lte=now,
    ).exclude(event__status=Event.Status.CANCELLED)
    attendees: dict[int, list[int]] = {}
    for event_id, user_id in going.values_list("event_id", "user_id").iterator(chunk_size=5000):
        attendees.setdefault(event_id, []).append(user_id)
    pairs: set[tuple[int, int]] = set()
    for members in attendees.values():
        members.sort()
        pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    if pairs:
        pairs -= connected_pairs_among(sorted({user_id for pair in pairs for user_id in pair}))
    return pairs

"""Reads of the matching app.

* The engine's input for a round (`round_input`): who takes part, the round's slots and who is
  free when, the region's venues and when they are open, the pairs that must not meet, and the
  interest weights. Bulk: a handful of queries whatever the number of people (measured by
  tests/bench/bench_round.py).
* The proposals as one person sees them (`suggestion_list_for`, `suggestion_get_for`,
  `suggestion_people_for`), under the privacy rule: other members appear as
  `{id, display_name, shared_interests}` and nothing else.
"""

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.gis.db.models import GeometryField, PointField
from django.contrib.gis.geos import Point
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from apps.accounts.models import Interest, Profile, User
from apps.core.geo import timezone_at
from apps.events.selectors import pairs_met_recently
from apps.matching.engine import (
    Candidate,
    EngineParams,
    Exclusions,
    MatchProblem,
    VenueOption,
    idf_weights,
)
from apps.matching.errors import SuggestionNotFound
from apps.matching.models import Suggestion, SuggestionMember
from apps.matching.slots import FreeSlots, Slot, next_window_start, round_slots
from apps.safety.selectors import (
    blocked_pairs_among,
    blocked_user_ids,
    public_person,
    restricted_user_ids,
)
from apps.venues.models import Region, Venue
from apps.venues.selectors import SphereDistance, venues_slots_open

MAX_ID = 2**63 - 1
ViewerStatus = Literal["pending", "accepted", "declined", "expired", "confirmed"]
VIEWER_STATUSES: tuple[ViewerStatus, ...] = (
    "pending",
    "accepted",
    "declined",
    "expired",
    "confirmed",
)
ACTIVE_RESPONSES = (SuggestionMember.Response.PENDING, SuggestionMember.Response.ACCEPTED)


# --- SQL pieces -----------------------------------------------------------------------------
class _Coordinate(Func):
    """ST_Y/ST_X of a geography column as a float (no GEOS object per row)."""

    output_field = FloatField()

    def __init__(self, column: str, axis: Literal["lat", "lng"]) -> None:
        super().__init__(F(column), function="ST_Y" if axis == "lat" else "ST_X")
        self.template = "%(function)s(%(expressions)s::geometry)"


class _Covers(Func):
    """`ST_Covers(area, home::geometry)`: planar, like the venues import keeps a region's venues
    (a region is a box or polygon in degrees, not a shape on the sphere)."""

    function = "ST_Covers"
    output_field = BooleanField()


def _home_inside(region: Region) -> _Covers:
    return _Covers(
        Value(region.area, output_field=GeometryField(srid=4326)),
        Cast("home", PointField(srid=4326)),
    )


# --- Who takes part -------------------------------------------------------------------------
def holding_user_ids(*, now: datetime) -> QuerySet[SuggestionMember, Any]:
    """People who already hold a proposal (a subquery of user ids): in a pending one they did not
    decline, in a confirmed meetup that has not ended, or still able to join a confirmed one
    (respond_by not passed). Declined, expired and cancelled proposals free people."""
    return SuggestionMember.objects.filter(
        Q(suggestion__status=Suggestion.Status.PENDING, response__in=ACTIVE_RESPONSES)
        | Q(
            suggestion__status=Suggestion.Status.CONFIRMED,
            response=SuggestionMember.Response.ACCEPTED,
            suggestion__ends_at__gt=now,
        )
        | Q(
            suggestion__status=Suggestion.Status.CONFIRMED,
            response=SuggestionMember.Response.PENDING,
            suggestion__respond_by__gt=now,
        )
    ).values("user_id")


def eligible_profiles(*, region: Region, now: datetime) -> QuerySet[Profile]:
    """Profiles that take part in a round of `region` now: open to meet, a verified email, an
    active account that is not suspended or banned, a home inside the region, some availability,
    no matching pause running, and no proposal held already."""
    # allauth's EmailAddress is the record of verification (accounts reads it the same way).
    verified = Exists(EmailAddress.objects.filter(user_id=OuterRef("user_id"), verified=True))
    return (
        Profile.objects.filter(open_to_meet=True, user__is_active=True, home__isnull=False)
        .filter(Q(matching_paused_until__isnull=True) | Q(matching_paused_until__lte=now))
        .exclude(availability=[])
        .filter(verified)
        .filter(_home_inside(region))
        .exclude(user_id__in=restricted_user_ids())
        .exclude(user_id__in=holding_user_ids(now=now))
    )


def eligible_user_ids(*, region: Region, now: datetime, among: Iterable[int]) -> set[int]:
    """Which of `among` may still be proposed a meetup in `region` (one query)."""
    ids = list(set(among))
    if not ids:
        return set()
    return set(
        eligible_profiles(region=region, now=now)
        .filter(user_id__in=ids)
        .values_list("user_id", flat=True)
    )


# --- The round's window ---------------------------------------------------------------------
def region_timezone(region: Region) -> str:
    """The zone of the region's centre: its clock sets where rounds' windows start."""
    centre = region.area.centroid
    return timezone_at(lat=centre.y, lng=centre.x)


def round_window(
    *, region: Region, now: datetime, days: int | None = None
) -> tuple[datetime, datetime]:
    """The window of a round started now: from the first full local hour after the lead time
    (time to answer plus a margin), for `days` days."""
    lead = timedelta(hours=settings.MATCHING_WINDOW_LEAD_HOURS)
    start = next_window_start(now=now, lead=lead, zone_name=region_timezone(region))
    return start, start + timedelta(days=days or settings.MATCHING_WINDOW_DAYS)


def slot_step() -> timedelta:
    return timedelta(minutes=settings.MATCHING_SLOT_STEP_MINUTES)


def slot_length() -> timedelta:
    return timedelta(minutes=round(settings.MATCHING_SLOT_HOURS * 60))


# --- The engine's input ---------------------------------------------------------------------
@dataclass
class RoundInput:
    problem: MatchProblem
    slots: list[Slot]
    # Seconds per phase: people, slots, venues, exclusions.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def engine_params() -> EngineParams:
    size = settings.MATCHING_MAX_CELL_SIZE
    return EngineParams(max_cell_size=size) if size else EngineParams()


def _age(birth_year: int | None, now: datetime) -> int | None:
    return None if birth_year is None else now.year - birth_year


def round_input(
    *,
    region: Region,
    window_start: datetime,
    window_end: datetime,
    step: timedelta,
    length: timedelta,
    now: datetime | None = None,
) -> RoundInput:
    """Everything the engine needs for one round of `region`, read in a few queries:
    participants with their interests (1), blocked pairs (1), pairs met in the last weeks (1),
    the region's venues (1), interest names (1)."""
    now = now or timezone.now()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    rows = list(
        eligible_profiles(region=region, now=now)
        .annotate(
            lat=_Coordinate("home", "lat"),
            lng=_Coordinate("home", "lng"),
            interest_ids=ArraySubquery(
                Profile.interests.through.objects.filter(profile_id=OuterRef("pk")).values(
                    "interest_id"
                )
            ),
        )
        .order_by("user_id")
        .values_list(
            "user_id",
            "lat",
            "lng",
            "max_travel_km",
            "interest_ids",
            "timezone",
            "availability",
            "languages",
            "group_size",
            "birth_year",
            "age_min",
            "age_max",
            "venue_kinds",
        )
    )
    timings["people"] = time.perf_counter() - started

    started = time.perf_counter()
    slots = round_slots(window_start=window_start, window_end=window_end, step=step, length=length)
    free_slots = FreeSlots(slots)
    candidates: list[Candidate] = []
    for (
        user_id,
        lat,
        lng,
        max_travel_km,
        interest_ids,
        zone_name,
        availability,
        languages,
        group_size,
        birth_year,
        age_min,
        age_max,
        venue_kinds,
    ) in rows:
        free = free_slots.free(timezone=zone_name, availability=availability)
        if not free or not interest_ids:
            continue  # could not be matched in this window anyway
        candidates.append(
            Candidate(
                user_id=user_id,
                lat=lat,
                lng=lng,
                max_travel_km=max_travel_km,
                interest_ids=frozenset(interest_ids),
                free_slots=free,
                languages=frozenset(languages),
                group_size=group_size,
                age=_age(birth_year, now),
                age_min=age_min,
                age_max=age_max,
                venue_kinds=frozenset(venue_kinds),
            )
        )
    timings["slots"] = time.perf_counter() - started

    started = time.perf_counter()
    needed = sorted({s for c in candidates for s in c.free_slots})
    venues = _venue_options(region, slots, needed) if needed else []
    timings["venues"] = time.perf_counter() - started

    started = time.perf_counter()
    ids = [c.user_id for c in candidates]
    since = now - timedelta(weeks=settings.MATCHING_RECENTLY_MET_WEEKS)
    exclusions = Exclusions(
        blocked=frozenset(blocked_pairs_among(ids)),
        recently_met=frozenset(pairs_met_recently(user_ids=ids, since=since, now=now)),
    )
    names = dict(Interest.objects.values_list("pk", "name"))
    timings["exclusions"] = time.perf_counter() - started

    problem = MatchProblem(
        candidates=tuple(candidates),
        venues=tuple(venues),
        exclusions=exclusions,
        max_groups_per_venue_slot=settings.MATCHING_MAX_GROUPS_PER_VENUE_SLOT,
        interest_weights=idf_weights(candidates),
        interest_names=names,
        params=engine_params(),
    )
    return RoundInput(problem=problem, slots=slots, timings=timings)


def _venue_options(
    region: Region, slots: Sequence[Slot], needed: Sequence[int]
) -> list[VenueOption]:
    """The region's active venues with known hours, each with the slots (among `needed`, the ones
    someone is free for) it is open for from start to end. Unknown hours never count as open: a
    proposal must not send people to a closed door."""
    venues = list(
        Venue.objects.filter(region=region, is_active=True)
        .exclude(opening_hours="")
        .only("pk", "kind", "location", "opening_hours", "timezone")
        .order_by("pk")
    )
    # The answer depends only on (hours, zone, position to ~1 km: holidays, sunset), exactly what
    # the venues app caches parses by; evaluate each distinct combination once.
    by_key: dict[tuple[str, str, float, float], list[Venue]] = defaultdict(list)
    for venue in venues:
        key = (
            venue.opening_hours.strip(),
            venue.timezone,
            round(venue.location.y, 2),
            round(venue.location.x, 2),
        )
        by_key[key].append(venue)
    wanted = [slots[k] for k in needed]
    representatives = [group[0] for group in by_key.values()]
    answers = venues_slots_open(representatives, wanted)
    options: list[VenueOption] = []
    for group in by_key.values():
        states = answers[group[0].pk]
        open_slots = frozenset(k for k, state in zip(needed, states, strict=True) if state is True)
        if not open_slots:
            continue
        for venue in group:
            options.append(
                VenueOption(
                    venue_id=venue.pk,
                    lat=venue.location.y,
                    lng=venue.location.x,
                    kind=venue.kind,
                    open_slots=open_slots,
                )
            )
    options.sort(key=lambda v: v.venue_id)
    return options


# --- Proposals as a member sees them ----------------------------------------------------------
def _viewer_status(now: datetime) -> Case:
    """The proposal's state for the viewer (the contract's five values). A proposal that expired,
    or that can no longer take place (withdrawn by safety, too many declines), is `expired` for
    its members, who are not told why."""
    response = SuggestionMember.Response
    status = Suggestion.Status
    return Case(
        When(my_response=response.DECLINED, then=Value("declined")),
        When(status=status.CONFIRMED, my_response=response.ACCEPTED, then=Value("confirmed")),
        When(
            status__in=[status.PENDING, status.CONFIRMED],
            my_response=response.PENDING,
            respond_by__gt=now,
            then=Value("pending"),
        ),
        When(status=status.PENDING, my_response=response.ACCEPTED, then=Value("accepted")),
        default=Value("expired"),
        output_field=CharField(),
    )


def _mine(user: User, now: datetime) -> QuerySet[Suggestion]:
    # The caller's memberships first (index on user), then their suggestions: never a scan of
    # every suggestion with a subquery per row.
    memberships = SuggestionMember.objects.filter(user_id=user.pk).exclude(
        response=SuggestionMember.Response.WITHDRAWN
    )
    mine = SuggestionMember.objects.filter(suggestion=OuterRef("pk"), user_id=user.pk)
    suggestions = (
        Suggestion.objects.filter(pk__in=memberships.values("suggestion_id"))
        .annotate(my_response=Subquery(mine.values("response")[:1]))
        .annotate(viewer_status=_viewer_status(now))
        .select_related("venue")
    )
    home = _home_of(user)
    if home is not None:
        suggestions = suggestions.annotate(distance_m=SphereDistance("venue__location", home))
    else:
        suggestions = suggestions.annotate(distance_m=Value(None, output_field=FloatField()))
    return suggestions


def _home_of(user: User) -> Point | None:
    profile = getattr(user, "profile", None)
    return profile.home if profile is not None else None


def suggestion_list_for(
    *, user: User, status: ViewerStatus | None = None, now: datetime | None = None
) -> QuerySet[Suggestion]:
    """The caller's proposals (soonest first), annotated with `my_response`, `viewer_status`
    and `distance_m` (from the caller's home to the venue). Withdrawn ones are not listed."""
    now = now or timezone.now()
    suggestions = _mine(user, now)
    if status is not None:
        suggestions = suggestions.filter(viewer_status=status)
    return suggestions.order_by("starts_at", "pk")


def suggestion_get_for(
    *, user: User, suggestion_id: int, now: datetime | None = None
) -> Suggestion:
    """One of the caller's proposals, annotated like the list; anything else (someone else's,
    withdrawn, unknown) is `SuggestionNotFound`."""
    if not 0 < int(suggestion_id) <= MAX_ID:
        raise SuggestionNotFound()
    suggestion = _mine(user, now or timezone.now()).filter(pk=suggestion_id).first()
    if suggestion is None:
        raise SuggestionNotFound()
    return suggestion


def suggestion_people_for(
    *, viewer: User, suggestion_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """`{suggestion_id: [{id, display_name, shared_interests}]}`: the other members who have not
    declined or been withdrawn, each with the interest slugs they and the viewer both hold.
    Nobody the viewer blocked or was blocked by appears. Three queries for any page."""
    people: dict[int, list[dict[str, Any]]] = {pk: [] for pk in suggestion_ids}
    if not suggestion_ids:
        return people
    rows = list(
        SuggestionMember.objects.filter(suggestion_id__in=suggestion_ids)
        .select_related("user__profile")
        .order_by("suggestion_id", "pk")
    )
    mine = {m.suggestion_id: set(m.shared_interest_ids) for m in rows if m.user_id == viewer.pk}
    hidden = blocked_user_ids(viewer)
    slugs = dict(Interest.objects.values_list("pk", "slug"))
    for member in rows:
        if (
            member.user_id == viewer.pk
            or member.user_id in hidden
            or member.response not in ACTIVE_RESPONSES
        ):
            continue
        shared = mine.get(member.suggestion_id, set()) & set(member.shared_interest_ids)
        people[member.suggestion_id].append(
            {
                **public_person(member.user),
                "shared_interests": sorted(slugs[i] for i in shared if i in slugs),
            }
        )
    return people


def interest_slugs(ids: Iterable[int]) -> list[str]:
    wanted = list(ids)
    by_id = dict(Interest.objects.filter(pk__in=wanted).values_list("pk", "slug"))
    return [by_id[i] for i in wanted if i in by_id]


def pending_count_for(*, user: User, now: datetime | None = None) -> int:
    """Proposals waiting for the caller's answer (the home page's card, the nav badge)."""
    return suggestion_list_for(user=user, status="pending", now=now).count()

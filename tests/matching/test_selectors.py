"""Who takes part in a round and what the engine is given: each rule of participation has an
allowed twin and a forbidden twin that differ only in that rule."""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Interest, Profile, User
from apps.core.geo import point
from apps.matching.models import Suggestion
from apps.matching.selectors import eligible_profiles, round_input, round_window
from apps.matching.slots import round_slots
from apps.safety.models import AccountStatus, Block
from apps.safety.services import user_ban
from apps.venues.models import Region, Venue
from tests.factories.events import EventFactory, going
from tests.factories.matching import HAIDHAUSEN, MAXVORSTADT, cafe, person, respond, suggestion
from tests.factories.venues import RegionFactory, bbox_polygon

pytestmark = pytest.mark.django_db

Setup = Callable[[User, Venue], object]


def profile(user: User, **fields: object) -> None:
    Profile.objects.filter(user=user).update(**fields)


def nothing(user: User, venue: Venue) -> None:
    return None


def proposal(
    status: str, response: str, *, starts_in: timedelta = timedelta(days=2), respond_in: float = 20
) -> Setup:
    def make(user: User, venue: Venue) -> None:
        now = timezone.now()
        starts_at = now + starts_in
        made = suggestion(
            [user, person()],
            venue=venue,
            starts_at=starts_at,
            respond_by=min(now + timedelta(hours=respond_in), starts_at),
            status=Suggestion.Status(status),
        )
        if response != "pending":
            respond(made, user, response)

    return make


# (rule, allowed twin, forbidden twin)
RULES: list[tuple[str, Setup, Setup]] = [
    (
        "open to meet",
        nothing,
        lambda u, v: profile(u, open_to_meet=False),
    ),
    (
        "a verified email",
        nothing,
        lambda u, v: EmailAddress.objects.filter(user=u).update(verified=False),
    ),
    (
        "a home",
        nothing,
        lambda u, v: profile(u, home=None),
    ),
    (
        "a home inside the region",
        lambda u, v: profile(u, home=point(lat=48.29, lng=11.79)),  # near the box's corner
        lambda u, v: profile(u, home=point(lat=52.52, lng=13.40)),  # Berlin
    ),
    (
        "some availability",
        lambda u, v: profile(u, availability=[{"weekday": 2, "start": "09:00", "end": "10:00"}]),
        lambda u, v: profile(u, availability=[]),
    ),
    (
        "no matching pause running",
        lambda u, v: profile(u, matching_paused_until=timezone.now() - timedelta(minutes=1)),
        lambda u, v: profile(u, matching_paused_until=timezone.now() + timedelta(days=3)),
    ),
    (
        "not suspended",
        lambda u, v: AccountStatus.objects.create(
            user=u, suspended_until=timezone.now() - timedelta(minutes=1)
        ),
        lambda u, v: AccountStatus.objects.create(
            user=u, suspended_until=timezone.now() + timedelta(days=1)
        ),
    ),
    (
        "not banned",
        nothing,
        lambda u, v: user_ban(user=u, moderator=None),
    ),
    (
        "no pending proposal (a declined one frees)",
        proposal("pending", "declined"),
        proposal("pending", "accepted"),
    ),
    (
        "no pending proposal (an expired one frees)",
        proposal("expired", "pending"),
        proposal("pending", "pending"),
    ),
    (
        "no upcoming confirmed meetup (a past one frees)",
        proposal("confirmed", "accepted", starts_in=timedelta(hours=-3), respond_in=-5),
        proposal("confirmed", "accepted"),
    ),
    (
        "not still able to join a confirmed meetup",
        proposal("confirmed", "pending", respond_in=-1),
        proposal("confirmed", "pending"),
    ),
]


@pytest.mark.parametrize(("rule", "allowed", "forbidden"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_of_participation(
    clock: time_machine.Traveller,
    region: Region,
    venue: Venue,
    rule: str,
    allowed: Setup,
    forbidden: Setup,
) -> None:
    allowed_user, forbidden_user = person(), person()
    allowed(allowed_user, venue)
    forbidden(forbidden_user, venue)

    taking_part = set(
        eligible_profiles(region=region, now=timezone.now()).values_list("user_id", flat=True)
    )

    assert allowed_user.pk in taking_part
    assert forbidden_user.pk not in taking_part


def test_the_window_starts_after_time_to_answer(
    clock: time_machine.Traveller, region: Region
) -> None:
    start, end = round_window(region=region, now=timezone.now())

    assert start == timezone.now() + timedelta(hours=26)  # 09:00 UTC is a full hour in Munich
    assert end - start == timedelta(days=7)


def test_the_input_carries_people_slots_venues_and_exclusions(
    clock: time_machine.Traveller, region: Region, venue: Venue
) -> None:
    alice = person(
        interests=["board-games", "jazz"],
        birth_year=1990,
        age_min=25,
        age_max=45,
        group_size="pair",
        venue_kinds=["cafe"],
        languages=["de"],
        max_travel_km=3.0,
    )
    bob = person(at=MAXVORSTADT, interests=["board-games", "chess"])
    carol = person(at=HAIDHAUSEN, interests=["chess"])
    Block.objects.create(blocker=alice, blocked=carol)
    met = EventFactory(venue=venue, starts_at=timezone.now() - timedelta(days=10), organizer=None)
    going(met, alice)
    going(met, bob)
    long_ago = EventFactory(
        venue=venue, starts_at=timezone.now() - timedelta(weeks=9), organizer=None
    )
    going(long_ago, bob)
    going(long_ago, carol)
    unknown_hours = cafe(region, opening_hours="")
    retired = cafe(region, is_active=False)
    elsewhere = cafe(RegionFactory(area=bbox_polygon(52.4, 13.2, 52.6, 13.6)), at=(52.52, 13.4))
    start, end = round_window(region=region, now=timezone.now())

    data = round_input(
        region=region,
        window_start=start,
        window_end=end,
        step=timedelta(hours=1),
        length=timedelta(hours=2),
    )

    problem = data.problem
    people = {c.user_id: c for c in problem.candidates}
    assert set(people) == {alice.pk, bob.pk, carol.pk}
    a = people[alice.pk]
    assert (round(a.lat, 4), round(a.lng, 4)) == (48.1372, 11.5756)
    assert a.max_travel_km == 3.0
    assert a.age == 36
    assert (a.age_min, a.age_max) == (25, 45)
    assert a.group_size == "pair"
    assert a.venue_kinds == {"cafe"}
    assert a.languages == {"de"}
    assert a.interest_ids == set(
        Interest.objects.filter(slug__in=["board-games", "jazz"]).values_list("pk", flat=True)
    )
    # Free 18:00-22:00 in Munich (UTC+1): two-hour slots starting 17, 18 and 19 UTC each day.
    free_starts = sorted(data.slots[k][0] for k in a.free_slots)
    assert len(free_starts) == 3 * 7
    assert {s.hour for s in free_starts} == {17, 18, 19}
    # Only the open, active café of this region with known hours; open 08-22 covers them all.
    assert [v.venue_id for v in problem.venues] == [venue.pk]
    assert problem.venues[0].open_slots >= a.free_slots
    assert unknown_hours.pk not in {v.venue_id for v in problem.venues}
    assert retired.pk not in {v.venue_id for v in problem.venues}
    assert elsewhere.pk not in {v.venue_id for v in problem.venues}
    pair = (min(alice.pk, carol.pk), max(alice.pk, carol.pk))
    assert problem.exclusions.blocked == {pair}
    assert problem.exclusions.recently_met == {(min(alice.pk, bob.pk), max(alice.pk, bob.pk))}
    assert problem.interest_weights is not None
    chess = Interest.objects.get(slug="chess").pk
    jazz = Interest.objects.get(slug="jazz").pk
    assert problem.interest_weights[jazz] > problem.interest_weights[chess]  # rarer weighs more
    assert problem.interest_names is not None
    assert problem.interest_names[jazz] == "Jazz"


def test_venues_count_only_slots_they_are_open_for_from_start_to_end(
    clock: time_machine.Traveller, region: Region
) -> None:
    early = cafe(region, opening_hours="Mo-Su 08:00-19:00")  # closes during the 18-20 slot
    person()
    start, end = round_window(region=region, now=timezone.now())

    data = round_input(
        region=region,
        window_start=start,
        window_end=end,
        step=timedelta(hours=1),
        length=timedelta(hours=2),
    )

    assert data.problem.venues == ()  # open for none of the evening slots anyone is free for
    slots = round_slots(
        window_start=start, window_end=end, step=timedelta(hours=1), length=timedelta(hours=2)
    )
    assert len(data.slots) == len(slots)
    assert early.is_active


def test_people_without_a_free_slot_or_interests_are_left_out(
    clock: time_machine.Traveller, region: Region, venue: Venue
) -> None:
    person(interests=[])
    person(availability=[{"weekday": 0, "start": "03:00", "end": "04:00"}])  # too short a stretch
    kept = person()
    start, end = round_window(region=region, now=timezone.now())

    data = round_input(
        region=region,
        window_start=start,
        window_end=end,
        step=timedelta(hours=1),
        length=timedelta(hours=2),
    )

    assert [c.user_id for c in data.problem.candidates] == [kept.pk]


def test_reading_the_input_takes_the_same_few_queries_for_any_number_of_people(
    clock: time_machine.Traveller, region: Region, venue: Venue
) -> None:
    start, end = round_window(region=region, now=timezone.now())

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            round_input(
                region=region,
                window_start=start,
                window_end=end,
                step=timedelta(hours=1),
                length=timedelta(hours=2),
            )
        return len(captured)

    for _ in range(3):
        person()
    few = queries()
    for _ in range(30):
        person(at=MAXVORSTADT, interests=["chess", "go"], timezone="Europe/Vienna")
    many = queries()

    assert few == many <= 6

"""Matching test data: people who take part in rounds, and proposals made directly (the
services and the rounds are what the tests exercise)."""

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.core.geo import point
from apps.matching.models import Round, Suggestion, SuggestionMember
from apps.venues.models import Region, Venue
from tests.factories.accounts import ProfileFactory
from tests.factories.venues import RegionFactory, VenueFactory

# Munich: the personas' home (Marienplatz) and a few spots within a couple of kilometres.
MARIENPLATZ = (48.1372, 11.5756)
MAXVORSTADT = (48.1505, 11.5680)
HAIDHAUSEN = (48.1305, 11.5995)


def person(
    *,
    at: tuple[float, float] = MARIENPLATZ,
    interests: Sequence[str] = ("board-games", "jazz"),
    **profile: Any,
) -> User:
    """Someone who takes part in a Munich round: verified, a home, free every evening 18-22
    (Europe/Berlin), open to meet, cafés and bars, German and English."""
    return ProfileFactory(
        home=point(lat=at[0], lng=at[1]), interests=list(interests), **profile
    ).user


def munich() -> Region:
    return RegionFactory(name="Munich", slug="munich")


def cafe(region: Region, *, at: tuple[float, float] = MARIENPLATZ, **fields: Any) -> Venue:
    """An active café of the region, open every day 08:00-22:00 (Munich time)."""
    fields.setdefault("opening_hours", "Mo-Su 08:00-22:00")
    return VenueFactory(region=region, lat=at[0], lng=at[1], **fields)


_rounds = itertools.count()


def a_round(region: Region, *, window_start: datetime | None = None) -> Round:
    """A saved round (each call a different window, so a person may be in several)."""
    start = window_start or timezone.now().replace(second=0, microsecond=0) + timedelta(
        minutes=next(_rounds)
    )
    now = timezone.now()
    return Round.objects.create(
        region=region,
        window_start=start,
        window_end=start + timedelta(days=7),
        slot_step=timedelta(hours=1),
        slot_length=timedelta(hours=2),
        status=Round.Status.DONE,
        started_at=now,
        finished_at=now,
        lease_until=now,
    )


def suggestion(
    people: Sequence[User],
    *,
    venue: Venue,
    starts_at: datetime | None = None,
    respond_by: datetime | None = None,
    status: Suggestion.Status = Suggestion.Status.PENDING,
    shared: Sequence[int] = (),
    round_: Round | None = None,
) -> Suggestion:
    """A proposal for `people` at `venue`, two days ahead, answer within a day."""
    starts_at = starts_at or (timezone.now() + timedelta(days=2)).replace(
        minute=0, second=0, microsecond=0
    )
    round_ = round_ or a_round(venue.region or munich())
    now = timezone.now()
    made = Suggestion.objects.create(
        round=round_,
        venue=venue,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        respond_by=respond_by or min(now + timedelta(hours=24), starts_at - timedelta(hours=2)),
        size=len(people),
        why="You all like board games",
        score=10.0,
        shared_interest_ids=list(shared),
        status=status,
        closed_at=now if status in ("expired", "cancelled") else None,
        confirmed_at=now if status == "confirmed" else None,
    )
    for user in people:
        interests = list(user.profile.interests.values_list("pk", flat=True))
        SuggestionMember.objects.create(
            suggestion=made,
            round=round_,
            user=user,
            shared_interest_ids=sorted(interests),
            trip_km=1.0,
        )
    return made


def respond(made: Suggestion, user: User, response: str) -> SuggestionMember:
    """Set an answer directly (set-up; the services are what the tests exercise)."""
    member = SuggestionMember.objects.get(suggestion=made, user=user)
    member.response = response
    member.responded_at = timezone.now()
    member.save()
    return member

"""The demo round on Munich proposes meetups a person would find sensible: people who share an
interest and a language, a venue of a kind they all accept, open for the whole slot, within
everyone's reach, at a time they are all free; and the demo account has one waiting."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.accounts.demo import DEMO_EMAIL, seed_people
from apps.accounts.models import User
from apps.core.geo import haversine_km
from apps.matching.demo import seed_matching
from apps.matching.models import Round, Suggestion
from apps.matching.selectors import suggestion_list_for
from apps.matching.services.rounds import round_slots_of
from apps.matching.slots import FreeSlots
from apps.venues.demo import seed_venues
from apps.venues.selectors import venues_slots_open

pytestmark = pytest.mark.django_db

# A Thursday morning in spring; the window runs over the change to summer time.
SEEDED_AT = datetime(2026, 3, 26, 7, 0, tzinfo=UTC)


def test_the_demo_round_proposes_sensible_meetups() -> None:
    with time_machine.travel(SEEDED_AT, tick=False):
        seed_people()
        seed_venues()
        counts = seed_matching()

        round_ = Round.objects.get()
        assert round_.status == Round.Status.DONE
        assert round_.trigger == Round.Trigger.DEMO
        assert counts["for the demo account"] == 1
        assert counts["matched"] >= 0.7 * counts["participants"]
        demo = User.objects.get(email=DEMO_EMAIL)
        assert suggestion_list_for(user=demo, status="pending").count() == 1

        slots_of = FreeSlots(round_slots_of(round_))
        seen: set[int] = set()
        suggestions = list(
            Suggestion.objects.select_related("venue").prefetch_related(
                "members__user__profile__interests"
            )
        )
        assert len(suggestions) == round_.groups >= 50
        opens = venues_slots_open(
            [s.venue for s in suggestions], [(s.starts_at, s.ends_at) for s in suggestions]
        )
        for k, suggestion in enumerate(suggestions):
            profiles = [m.user.profile for m in suggestion.members.all()]
            ids = {p.user_id for p in profiles}
            assert not ids & seen  # one proposal per person
            seen |= ids
            assert 2 <= len(profiles) <= 6
            # An interest all share, named in the why.
            common = set.intersection(*({i.pk for i in p.interests.all()} for p in profiles))
            assert common
            assert set(suggestion.shared_interest_ids) == common
            assert suggestion.why.startswith("You both like" if len(ids) == 2 else "You all like")
            # A language all speak, a kind all accept, a size all want.
            assert set.intersection(*(set(p.languages) for p in profiles))
            assert all(
                not p.venue_kinds or suggestion.venue.kind in p.venue_kinds for p in profiles
            )
            for p in profiles:
                assert p.group_size == "any" or (p.group_size == "pair") == (len(ids) == 2)
            # Within everyone's reach, and open for the whole two hours.
            for p in profiles:
                trip = haversine_km(
                    p.home.y, p.home.x, suggestion.venue.location.y, suggestion.venue.location.x
                )
                assert trip <= p.max_travel_km + 0.01
            assert opens[suggestion.venue.pk][k] is True
            # Everyone free then, in their own zone.
            slot = int((suggestion.starts_at - round_.window_start) / round_.slot_step)
            for p in profiles:
                assert slot in slots_of.free(timezone=p.timezone, availability=p.availability)
            assert suggestion.respond_by <= suggestion.starts_at - timedelta(hours=2)

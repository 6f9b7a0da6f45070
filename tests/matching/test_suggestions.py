"""Answering proposals: a pair meets when both accept, a group when three do (the others may
still join until respond_by); declines and expiry free people; every message goes once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.models import User
from apps.events.models import Event, Rsvp
from apps.events.selectors import calendar_events_for_user, events_for_user
from apps.matching.errors import (
    AlreadyDeclined,
    AlreadyGoing,
    RespondByPassed,
    SuggestionClosed,
    SuggestionNotFound,
)
from apps.matching.models import Suggestion, SuggestionMember
from apps.matching.selectors import holding_user_ids
from apps.matching.services import (
    suggestion_accept,
    suggestion_decline,
    suggestions_expire_due,
    suggestions_remind_due,
)
from apps.notifications.models import Kind, Message
from apps.venues.models import Venue
from tests.factories.matching import person, respond, suggestion

pytestmark = pytest.mark.django_db


def answers(made: Suggestion) -> dict[int, str]:
    return dict(made.members.values_list("user_id", "response"))


def going(event: Event) -> set[int]:
    return set(event.rsvps.filter(status=Rsvp.Status.GOING).values_list("user_id", flat=True))


def holding() -> set[int]:
    return set(holding_user_ids(now=timezone.now()).values_list("user_id", flat=True))


def kinds(user: User) -> list[str]:
    return list(Message.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def pair(venue: Venue) -> tuple[Suggestion, User, User]:
    alice, bob = person(), person()
    return suggestion([alice, bob], venue=venue), alice, bob


@pytest.fixture
def five(venue: Venue) -> tuple[Suggestion, list[User]]:
    people = [person() for _ in range(5)]
    return suggestion(people, venue=venue), people


# --- Pairs ------------------------------------------------------------------------------------
def test_a_pair_meets_when_both_accept(
    clock: time_machine.Traveller, pair: tuple[Suggestion, User, User]
) -> None:
    made, alice, bob = pair

    suggestion_accept(suggestion=made, user=alice)
    made.refresh_from_db()
    assert made.status == "pending"
    assert made.event is None

    suggestion_accept(suggestion=made, user=bob)

    made.refresh_from_db()
    assert made.status == "confirmed"
    assert made.confirmed_at == timezone.now()
    event = made.event
    assert event is not None
    assert event.visibility == "private"
    assert event.organizer is None
    assert (event.starts_at, event.ends_at, event.venue_id) == (
        made.starts_at,
        made.ends_at,
        made.venue_id,
    )
    assert going(event) == {alice.pk, bob.pk}
    # It shows in both people's events and calendars.
    for user in (alice, bob):
        assert event in events_for_user(user=user, when="upcoming")
        assert event in calendar_events_for_user(user=user)
        assert kinds(user) == [Kind.MEETUP_CONFIRMED]


def test_a_pair_is_cancelled_when_one_declines_and_both_are_free_again(
    clock: time_machine.Traveller, pair: tuple[Suggestion, User, User]
) -> None:
    made, alice, bob = pair
    suggestion_accept(suggestion=made, user=alice)
    assert {alice.pk, bob.pk} <= holding()

    suggestion_decline(suggestion=made, user=bob, reason="  Not this week  ")

    made.refresh_from_db()
    assert made.status == "cancelled"
    assert made.closed_at == timezone.now()
    member = SuggestionMember.objects.get(suggestion=made, user=bob)
    assert (member.response, member.decline_reason) == ("declined", "Not this week")
    assert not {alice.pk, bob.pk} & holding()


def test_answering_twice_changes_nothing(
    clock: time_machine.Traveller, pair: tuple[Suggestion, User, User]
) -> None:
    made, alice, bob = pair
    suggestion_accept(suggestion=made, user=alice)
    suggestion_accept(suggestion=made, user=bob)
    suggestion_accept(suggestion=made, user=bob)

    made.refresh_from_db()
    assert Event.objects.count() == 1
    assert kinds(bob) == [Kind.MEETUP_CONFIRMED]

    other = suggestion([person(), person()], venue=made.venue)
    carol = other.members.first().user  # type: ignore[union-attr]
    suggestion_decline(suggestion=other, user=carol, reason="first")
    suggestion_decline(suggestion=other, user=carol, reason="second")
    assert SuggestionMember.objects.get(suggestion=other, user=carol).decline_reason == "first"


def test_accepting_after_declining_is_refused(
    clock: time_machine.Traveller, five: tuple[Suggestion, list[User]]
) -> None:
    made, people = five
    suggestion_decline(suggestion=made, user=people[0])

    with pytest.raises(AlreadyDeclined):
        suggestion_accept(suggestion=made, user=people[0])


def test_someone_going_to_the_confirmed_meetup_leaves_it_on_the_event_not_here(
    clock: time_machine.Traveller, pair: tuple[Suggestion, User, User]
) -> None:
    made, alice, bob = pair
    suggestion_accept(suggestion=made, user=alice)
    suggestion_accept(suggestion=made, user=bob)

    with pytest.raises(AlreadyGoing):
        suggestion_decline(suggestion=made, user=alice)


def test_no_answer_after_respond_by(
    clock: time_machine.Traveller, pair: tuple[Suggestion, User, User]
) -> None:
    made, alice, bob = pair
    clock.move_to(made.respond_by)

    with pytest.raises(RespondByPassed):
        suggestion_accept(suggestion=made, user=alice)
    with pytest.raises(RespondByPassed):
        suggestion_decline(suggestion=made, user=bob)
    assert answers(made) == {alice.pk: "pending", bob.pk: "pending"}


def test_no_answer_to_a_proposal_that_can_no_longer_happen(
    clock: time_machine.Traveller, venue: Venue
) -> None:
    alice, bob = person(), person()
    made = suggestion([alice, bob], venue=venue, status=Suggestion.Status.CANCELLED)

    with pytest.raises(SuggestionClosed):
        suggestion_accept(suggestion=made, user=alice)


def test_only_members_can_answer(
    clock: time_machine.Traveller, pair: tuple[Suggestion, User, User]
) -> None:
    made, _, _ = pair

    with pytest.raises(SuggestionNotFound):
        suggestion_accept(suggestion=made, user=person())


# --- Groups -----------------------------------------------------------------------------------
def test_a_group_meets_when_three_of_five_accept_and_latecomers_still_join(
    clock: time_machine.Traveller, five: tuple[Suggestion, list[User]]
) -> None:
    made, people = five
    first, second, third, fourth, fifth = people
    suggestion_accept(suggestion=made, user=first)
    suggestion_decline(suggestion=made, user=fifth)
    suggestion_accept(suggestion=made, user=second)
    made.refresh_from_db()
    assert made.status == "pending"

    suggestion_accept(suggestion=made, user=third)

    made.refresh_from_db()
    assert made.status == "confirmed"
    assert made.event is not None
    assert going(made.event) == {first.pk, second.pk, third.pk}
    assert made.event.capacity == 3
    # The fourth has until respond_by to join; the fifth declined and is free.
    assert fourth.pk in holding()
    assert fifth.pk not in holding()
    clock.shift(timedelta(hours=3))
    suggestion_accept(suggestion=made, user=fourth)
    made.event.refresh_from_db()
    assert going(made.event) == {first.pk, second.pk, third.pk, fourth.pk}
    assert (made.event.going_count, made.event.capacity) == (4, 4)
    assert kinds(fourth) == [Kind.MEETUP_CONFIRMED]
    assert [kinds(p) for p in (first, second, third)] == [[Kind.MEETUP_CONFIRMED]] * 3
    assert kinds(fifth) == []


def test_a_latecomer_after_respond_by_is_released(
    clock: time_machine.Traveller, five: tuple[Suggestion, list[User]]
) -> None:
    made, people = five
    for user in people[:3]:
        suggestion_accept(suggestion=made, user=user)
    late = people[3]
    clock.move_to(made.respond_by + timedelta(minutes=1))

    with pytest.raises(RespondByPassed):
        suggestion_accept(suggestion=made, user=late)
    assert late.pk not in holding()
    assert {p.pk for p in people[:3]} <= holding()


def test_a_group_that_can_no_longer_reach_three_is_cancelled(
    clock: time_machine.Traveller, five: tuple[Suggestion, list[User]]
) -> None:
    made, people = five
    suggestion_accept(suggestion=made, user=people[0])
    suggestion_decline(suggestion=made, user=people[1])
    suggestion_decline(suggestion=made, user=people[2])
    made.refresh_from_db()
    assert made.status == "pending"  # three are still possible

    suggestion_decline(suggestion=made, user=people[3])

    made.refresh_from_db()
    assert made.status == "cancelled"
    assert not {p.pk for p in people} & holding()


# --- Expiry and reminders ---------------------------------------------------------------------
def test_proposals_short_of_their_quorum_expire_at_respond_by(
    clock: time_machine.Traveller, pair: tuple[Suggestion, User, User]
) -> None:
    made, alice, bob = pair
    suggestion_accept(suggestion=made, user=alice)
    assert suggestions_expire_due() == {"confirmed": 0, "expired": 0}

    clock.move_to(made.respond_by)

    assert suggestions_expire_due() == {"confirmed": 0, "expired": 1}
    made.refresh_from_db()
    assert made.status == "expired"
    assert made.event is None
    assert not {alice.pk, bob.pk} & holding()
    assert suggestions_expire_due() == {"confirmed": 0, "expired": 0}


def test_expiry_confirms_a_group_that_reached_three_by_then(
    clock: time_machine.Traveller, five: tuple[Suggestion, list[User]]
) -> None:
    made, people = five
    for user in people[:3]:
        respond(made, user, "accepted")  # answers recorded without confirming (e.g. a crash)
    clock.move_to(made.respond_by)

    assert suggestions_expire_due() == {"confirmed": 1, "expired": 0}

    made.refresh_from_db()
    assert made.status == "confirmed"
    assert made.event is not None
    assert going(made.event) == {p.pk for p in people[:3]}


def test_people_who_have_not_answered_are_reminded_once_before_respond_by(
    clock: time_machine.Traveller, five: tuple[Suggestion, list[User]]
) -> None:
    made, people = five
    suggestion_accept(suggestion=made, user=people[0])
    suggestion_decline(suggestion=made, user=people[1])
    assert suggestions_remind_due() == 0  # a day to go

    clock.move_to(made.respond_by - timedelta(hours=3))
    assert suggestions_remind_due() == 3
    assert suggestions_remind_due() == 0

    for user in people[2:]:
        messages = Message.objects.filter(user=user, kind=Kind.RESPOND_BY_NEARING)
        assert [m.idempotency_key for m in messages] == [f"matching:respond-by:{made.pk}:{user.pk}"]
    assert not Message.objects.filter(user__in=people[:2], kind=Kind.RESPOND_BY_NEARING)


def test_proposals_made_with_little_time_to_answer_get_no_reminder(
    clock: time_machine.Traveller, venue: Venue
) -> None:
    soon = timezone.now() + timedelta(hours=5)
    made = suggestion(
        [person(), person()], venue=venue, starts_at=soon, respond_by=soon - timedelta(hours=2)
    )

    assert suggestions_remind_due() == 0
    assert made.members.filter(reminded_at__isnull=False).count() == 0


def test_declining_a_proposal_that_just_became_impossible_is_recorded(
    clock: time_machine.Traveller, venue: Venue
) -> None:
    alice, bob = person(), person()
    made = suggestion([alice, bob], venue=venue, status=Suggestion.Status.CANCELLED)

    suggestion_decline(suggestion=made, user=alice)

    assert answers(made)[alice.pk] == "declined"
    made.refresh_from_db()
    assert made.status == "cancelled"

"""Safety and account deletion reach open proposals: suspended, banned and deleted people are
withdrawn, a new block separates the two, and proposals that can no longer happen are
cancelled. The data export lists the person's proposals."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.selectors import account_export
from apps.accounts.services import account_delete
from apps.matching.models import Suggestion, SuggestionMember
from apps.matching.services import suggestion_accept
from apps.safety.services import block_create, user_ban, user_suspend
from apps.venues.models import Venue
from tests.factories.accounts import PASSWORD
from tests.factories.matching import person, suggestion

pytestmark = pytest.mark.django_db


def answers(made: Suggestion) -> dict[int, str]:
    return dict(made.members.values_list("user_id", "response"))


def status(made: Suggestion) -> str:
    made.refresh_from_db()
    return made.status


@pytest.mark.parametrize("action", ["suspend", "ban", "delete"])
def test_a_person_who_can_no_longer_take_part_leaves_their_open_proposals(
    clock: time_machine.Traveller, venue: Venue, action: str
) -> None:
    leaving = person()
    pair = suggestion([leaving, person()], venue=venue)
    group = suggestion([leaving, person(), person(), person()], venue=venue)
    untouched = suggestion([person(), person()], venue=venue)

    if action == "suspend":
        user_suspend(user=leaving, until=timezone.now() + timedelta(days=3), moderator=None)
    elif action == "ban":
        user_ban(user=leaving, moderator=None)
    else:
        account_delete(user=leaving, password=PASSWORD)

    assert status(pair) == "cancelled"  # a pair cannot happen with one person
    assert status(group) == "pending"  # three others can still meet
    assert status(untouched) == "pending"
    if action == "delete":
        assert not SuggestionMember.objects.filter(user_id=leaving.pk).exists()
    else:
        assert answers(group)[leaving.pk] == "withdrawn"


def test_withdrawing_twice_changes_nothing(clock: time_machine.Traveller, venue: Venue) -> None:
    leaving = person()
    group = suggestion([leaving, person(), person(), person()], venue=venue)

    for _ in range(2):
        user_suspend(user=leaving, until=timezone.now() + timedelta(days=3), moderator=None)

    assert list(answers(group).values()).count("withdrawn") == 1
    assert status(group) == "pending"


def test_a_seat_already_taken_is_the_events_apps_to_free(
    clock: time_machine.Traveller, venue: Venue
) -> None:
    alice, bob = person(), person()
    made = suggestion([alice, bob], venue=venue)
    suggestion_accept(suggestion=made, user=alice)
    suggestion_accept(suggestion=made, user=bob)

    user_suspend(user=bob, until=timezone.now() + timedelta(days=3), moderator=None)

    assert status(made) == "confirmed"
    assert answers(made)[bob.pk] == "accepted"
    assert made.event is not None
    rsvp = made.event.rsvps.get(user=bob)
    assert rsvp.status == "cancelled"  # freed by the events app on the same signal


def test_a_block_splits_a_pair(clock: time_machine.Traveller, venue: Venue) -> None:
    alice, bob = person(), person()
    made = suggestion([alice, bob], venue=venue)

    block_create(blocker=alice, blocked_id=bob.pk)

    assert status(made) == "cancelled"
    assert answers(made)[bob.pk] == "withdrawn"


def test_in_a_group_the_blocked_person_leaves_and_the_others_keep_their_meetup(
    clock: time_machine.Traveller, venue: Venue
) -> None:
    alice, bob, carol, dan = person(), person(), person(), person()
    made = suggestion([alice, bob, carol, dan], venue=venue)
    other = suggestion([bob, person()], venue=venue)

    block_create(blocker=alice, blocked_id=bob.pk)

    assert answers(made) == {
        alice.pk: "pending",
        bob.pk: "withdrawn",
        carol.pk: "pending",
        dan.pk: "pending",
    }
    assert status(made) == "pending"
    assert status(other) == "pending"  # without alice, bob's other proposal stands


def test_when_the_blocked_person_is_already_going_the_blockers_open_place_goes(
    clock: time_machine.Traveller, venue: Venue
) -> None:
    alice, bob, carol, dan = person(), person(), person(), person()
    made = suggestion([alice, bob, carol, dan], venue=venue)
    for user in (bob, carol, dan):
        suggestion_accept(suggestion=made, user=user)

    block_create(blocker=alice, blocked_id=bob.pk)

    assert answers(made)[alice.pk] == "withdrawn"
    assert answers(made)[bob.pk] == "accepted"
    assert status(made) == "confirmed"


def test_a_block_between_people_in_different_proposals_changes_nothing(
    clock: time_machine.Traveller, venue: Venue
) -> None:
    alice, bob = person(), person()
    first = suggestion([alice, person()], venue=venue)
    second = suggestion([bob, person()], venue=venue)

    block_create(blocker=alice, blocked_id=bob.pk)

    assert status(first) == status(second) == "pending"


def test_the_export_lists_the_persons_proposals_without_the_others(
    clock: time_machine.Traveller, venue: Venue
) -> None:
    alice, bob = person(), person()
    made = suggestion([alice, bob], venue=venue)
    suggestion_accept(suggestion=made, user=alice)

    export = account_export(user=alice)

    [row] = export["matching"]["suggestions"]
    assert row["id"] == made.pk
    assert row["my_response"] == "accepted"
    assert row["venue"] == {"id": venue.pk, "name": venue.name}
    assert set(row) >= {"starts_at", "respond_by", "why", "status"}
    assert "members" not in row
    assert bob.email not in str(export["matching"])


def test_deleting_an_account_keeps_the_others_meetup(
    clock: time_machine.Traveller, venue: Venue
) -> None:
    people: list[User] = [person() for _ in range(4)]
    made = suggestion(people, venue=venue)
    for user in people[:3]:
        suggestion_accept(suggestion=made, user=user)

    account_delete(user=people[0], password=PASSWORD)

    assert status(made) == "confirmed"
    assert made.members.count() == 3

"""Event and RSVP services: the rules people rely on (seats, waitlist, who may change what)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.events import services
from apps.events.errors import (
    Blocked,
    CapacityBelowGoing,
    EmailUnverified,
    EventCancelled,
    EventFull,
    EventPast,
    NotOrganizer,
    OrganizerCannotLeave,
)
from apps.events.models import Event, Rsvp
from apps.notifications.models import Kind
from apps.safety.models import Block
from apps.venues.models import Venue
from tests.factories.accounts import ProfileFactory
from tests.factories.events import EventFactory
from tests.factories.venues import VenueFactory

pytestmark = pytest.mark.django_db


def create(organizer: User, venue: Venue, start: datetime, **overrides: object) -> Event:
    fields: dict[str, object] = {
        "organizer": organizer,
        "venue": venue,
        "title": "Poetry night",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "capacity": 6,
        "description": "Bring a poem.",
        "interests": ["poetry"],
    }
    fields.update(overrides)
    return services.event_create(**fields)  # type: ignore[arg-type]


def field_error(exc: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str]:
    (field, errors), *_ = exc.value.error_dict.items()
    return field, errors[0].code


# --- Creating -------------------------------------------------------------------------------
def test_the_creator_is_going_and_the_event_is_public(
    alice: User, cafe: Venue, start: datetime
) -> None:
    event = create(alice, cafe, start)

    assert event.visibility == Event.Visibility.PUBLIC
    assert event.status == Event.Status.SCHEDULED
    assert event.going_count == 1
    assert Rsvp.objects.get(event=event).user == alice
    assert list(event.interests.values_list("slug", flat=True)) == ["poetry"]


def test_creating_the_same_event_twice_makes_one(alice: User, cafe: Venue, start: datetime) -> None:
    first = create(alice, cafe, start)
    second = create(alice, cafe, start)

    assert first.pk == second.pk
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"starts_at": "past"}, ("starts_at", "in_past")),
        ({"ends_at": "before"}, ("ends_at", "ends_before_start")),
        ({"ends_at": "13h"}, ("ends_at", "too_long")),
        ({"capacity": 1}, ("capacity", "min_value")),
        ({"capacity": 51}, ("capacity", "max_value")),
        ({"title": "   "}, ("title", "required")),
        ({"interests": ["poetry", "no-such-thing"]}, ("interests", "unknown_interests")),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    alice: User, cafe: Venue, start: datetime, overrides: dict, expected: tuple[str, str]
) -> None:
    values = dict(overrides)
    if values.get("starts_at") == "past":
        values["starts_at"] = start - timedelta(days=5)
        values["ends_at"] = start - timedelta(days=5, hours=-1)
    if values.get("ends_at") == "before":
        values["ends_at"] = start - timedelta(minutes=1)
    if values.get("ends_at") == "13h":
        values["ends_at"] = start + timedelta(hours=13)

    with pytest.raises(ValidationError) as exc:
        create(alice, cafe, start, **values)

    assert field_error(exc) == expected
    assert not Event.objects.exists()
    assert not Rsvp.objects.exists()


def test_an_inactive_venue_is_refused(alice: User, start: datetime) -> None:
    gone = VenueFactory(is_active=False)

    with pytest.raises(ValidationError) as exc:
        create(alice, gone, start)

    assert field_error(exc) == ("venue_id", "venue_inactive")


def test_the_time_must_be_inside_known_opening_hours(alice: User, start: datetime) -> None:
    mornings = VenueFactory(opening_hours="Mo-Su 07:00-12:00")

    with pytest.raises(ValidationError) as exc:
        create(alice, mornings, start)

    assert field_error(exc) == ("starts_at", "venue_closed")
    assert "07:00-12:00" in str(exc.value)


def test_unknown_opening_hours_are_allowed(alice: User, start: datetime) -> None:
    unknown = VenueFactory(opening_hours="")

    assert create(alice, unknown, start).pk


def test_an_unverified_account_cannot_create_events(cafe: Venue, start: datetime) -> None:
    newcomer = ProfileFactory(user__verified=False).user

    with pytest.raises(EmailUnverified):
        create(newcomer, cafe, start)
    assert not Event.objects.exists()


# --- Joining --------------------------------------------------------------------------------
def test_joining_takes_a_seat_and_joining_again_returns_the_same(event: Event, bob: User) -> None:
    first = services.rsvp_join(event=event, user=bob)
    again = services.rsvp_join(event=event, user=bob)

    assert first.pk == again.pk
    assert (again.status, again.position) == (Rsvp.Status.GOING, None)  # type: ignore[attr-defined]
    event.refresh_from_db()
    assert event.going_count == 2


def test_a_full_event_waitlists_in_order(event: Event) -> None:
    people = [ProfileFactory().user for _ in range(5)]
    answers = [services.rsvp_join(event=event, user=person) for person in people]

    assert [a.status for a in answers] == ["going", "going", "going", "waitlisted", "waitlisted"]
    assert [a.position for a in answers[3:]] == [1, 2]  # type: ignore[attr-defined]
    event.refresh_from_db()
    assert (event.going_count, event.spots_left) == (4, 0)


def test_cancelling_promotes_the_first_waitlisted_and_tells_only_them(
    event: Event, messages_for
) -> None:
    people = [ProfileFactory().user for _ in range(5)]
    for person in people:
        services.rsvp_join(event=event, user=person)

    services.rsvp_cancel(event=event, user=people[0])

    assert Rsvp.objects.get(event=event, user=people[3]).status == Rsvp.Status.GOING
    assert Rsvp.objects.get(event=event, user=people[4]).status == Rsvp.Status.WAITLISTED
    assert services.rsvp_position(Rsvp.objects.get(event=event, user=people[4])) == 1
    assert [m.kind for m in messages_for(people[3])] == [Kind.WAITLIST_PROMOTED]
    assert messages_for(people[4]) == []
    event.refresh_from_db()
    assert event.going_count == 4


def test_cancelling_twice_changes_nothing(event: Event, bob: User) -> None:
    services.rsvp_join(event=event, user=bob)
    services.rsvp_cancel(event=event, user=bob)
    services.rsvp_cancel(event=event, user=bob)

    event.refresh_from_db()
    assert event.going_count == 1
    assert services.rsvp_cancel(event=event, user=ProfileFactory().user) is None


def test_coming_back_after_leaving_goes_to_the_end_of_the_waitlist(event: Event) -> None:
    people = [ProfileFactory().user for _ in range(5)]
    for person in people:
        services.rsvp_join(event=event, user=person)
    services.rsvp_cancel(event=event, user=people[3])  # leaves the waitlist

    back = services.rsvp_join(event=event, user=people[3])

    assert (back.status, back.position) == ("waitlisted", 2)  # type: ignore[attr-defined]


def test_past_cancelled_and_blocked_events_refuse_joining(event: Event, bob: User) -> None:
    with time_machine.travel(event.starts_at + timedelta(minutes=1)), pytest.raises(EventPast):
        services.rsvp_join(event=event, user=bob)

    Block.objects.create(blocker=event.organizer, blocked=bob)
    with pytest.raises(Blocked):
        services.rsvp_join(event=event, user=bob)

    services.event_cancel(event=event, user=event.organizer)
    with pytest.raises(EventCancelled):
        services.rsvp_join(event=event, user=ProfileFactory().user)
    assert not Rsvp.objects.filter(user=bob).exists()


def test_blocking_the_organizer_also_refuses(event: Event, bob: User) -> None:
    Block.objects.create(blocker=bob, blocked=event.organizer)

    with pytest.raises(Blocked):
        services.rsvp_join(event=event, user=bob)


def test_an_unverified_account_cannot_join(event: Event, bob: User) -> None:
    EmailAddress.objects.filter(user=bob).update(verified=False)

    with pytest.raises(EmailUnverified):
        services.rsvp_join(event=event, user=bob)


def test_the_organizer_cannot_leave_their_own_event(event: Event, alice: User) -> None:
    with pytest.raises(OrganizerCannotLeave):
        services.rsvp_cancel(event=event, user=alice)


def test_leaving_after_the_start_is_refused(event: Event, bob: User) -> None:
    services.rsvp_join(event=event, user=bob)

    with time_machine.travel(event.starts_at + timedelta(minutes=5)), pytest.raises(EventPast):
        services.rsvp_cancel(event=event, user=bob)


# --- Editing and cancelling -----------------------------------------------------------------
def test_only_the_organizer_edits_or_cancels(event: Event, bob: User) -> None:
    with pytest.raises(NotOrganizer):
        services.event_update(event=event, user=bob, title="Mine now")
    with pytest.raises(NotOrganizer):
        services.event_cancel(event=event, user=bob)

    event.refresh_from_db()
    assert (event.title, event.status) == ("Book swap", "scheduled")


def test_moving_the_event_tells_every_attendee_once_per_version(
    event: Event, alice: User, bob: User, carol: User, messages_for
) -> None:
    services.rsvp_join(event=event, user=bob)
    services.rsvp_join(event=event, user=carol)
    later = event.starts_at + timedelta(hours=1)

    services.event_update(
        event=event, user=alice, starts_at=later, ends_at=later + timedelta(hours=1)
    )
    services.event_update(
        event=event, user=alice, starts_at=later, ends_at=later + timedelta(hours=1)
    )

    event.refresh_from_db()
    assert event.sequence == 1
    for person in (bob, carol):
        (message,) = messages_for(person)
        assert message.kind == Kind.EVENT_CHANGED
        assert message.idempotency_key == f"event-changed:{event.pk}:1:{person.pk}"
        assert "The time is now" in message.context["changes"][0]
    assert messages_for(alice) == []


def test_moving_the_time_revalidates_opening_hours(event: Event, alice: User) -> None:
    night = event.starts_at.replace(hour=22)  # 23:00 or midnight in Munich: closed

    with pytest.raises(ValidationError) as exc:
        services.event_update(
            event=event, user=alice, starts_at=night, ends_at=night + timedelta(hours=1)
        )

    assert field_error(exc) == ("starts_at", "venue_closed")
    event.refresh_from_db()
    assert event.sequence == 0


def test_a_larger_capacity_seats_the_waitlist_a_smaller_one_than_going_is_refused(
    event: Event, alice: User
) -> None:
    people = [ProfileFactory().user for _ in range(5)]
    for person in people:
        services.rsvp_join(event=event, user=person)

    with pytest.raises(CapacityBelowGoing):
        services.event_update(event=event, user=alice, capacity=3)
    services.event_update(event=event, user=alice, capacity=6)

    event.refresh_from_db()
    assert (event.capacity, event.going_count) == (6, 6)
    assert not Rsvp.objects.filter(event=event, status="waitlisted").exists()


def test_cancelling_tells_everyone_going_or_waiting_once(
    event: Event, alice: User, messages_for
) -> None:
    people = [ProfileFactory().user for _ in range(4)]
    for person in people:
        services.rsvp_join(event=event, user=person)

    services.event_cancel(event=event, user=alice, reason="I am ill, sorry!")
    services.event_cancel(event=event, user=alice)

    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert event.cancel_reason == "I am ill, sorry!"
    for person in people:  # three going, one waitlisted
        (message,) = messages_for(person)
        assert message.kind == Kind.EVENT_CANCELLED
        assert message.context["reason"] == "I am ill, sorry!"
    assert messages_for(alice) == []


def test_a_started_event_cannot_be_cancelled(event: Event, alice: User) -> None:
    with time_machine.travel(event.starts_at + timedelta(minutes=1)), pytest.raises(EventPast):
        services.event_cancel(event=event, user=alice)


# --- Matching's private meetups -------------------------------------------------------------
def test_a_group_meetup_is_private_with_everyone_going_and_no_organizer(
    cafe: Venue, alice: User, bob: User, carol: User, start: datetime
) -> None:
    def make() -> Event:
        return services.event_create_for_group(
            venue=cafe,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            members=[alice, bob, carol],
            title="Board games at Café Luitpold",
            description="You all like board games.",
            interests=["board-games"],
        )

    meetup, again = make(), make()

    assert meetup.pk == again.pk
    assert (meetup.visibility, meetup.organizer, meetup.capacity) == ("private", None, 3)
    assert meetup.going_count == 3
    assert set(meetup.rsvps.values_list("user_id", "status")) == {
        (alice.pk, "going"),
        (bob.pk, "going"),
        (carol.pk, "going"),
    }
    services.rsvp_cancel(event=meetup, user=bob)
    assert services.rsvp_join(event=meetup, user=bob).status == "going"
    with pytest.raises(EventFull):  # no waitlist for a group's own meetup
        services.rsvp_join(event=meetup, user=ProfileFactory().user)


# --- Suspension, bans and deletion ----------------------------------------------------------
def test_withdrawing_a_person_cancels_their_events_and_frees_their_seats(
    event: Event, alice: User, bob: User, carol: User, messages_for
) -> None:
    other = EventFactory(capacity=2, attendees=0)  # its organizer is going: one seat left
    services.rsvp_join(event=other, user=bob)
    services.rsvp_join(event=other, user=carol)  # waitlisted behind bob
    services.rsvp_join(event=event, user=carol)

    counts = services.user_events_withdraw(user=bob, reason="Suspended.")
    again = services.user_events_withdraw(user=bob, reason="Suspended.")

    assert counts == {"events_cancelled": 0, "rsvps_dropped": 1}
    assert again == {"events_cancelled": 0, "rsvps_dropped": 0}
    assert Rsvp.objects.get(event=other, user=carol).status == "going"
    services.user_events_withdraw(user=alice, reason="Suspended.")
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert [m.kind for m in messages_for(carol)] == [Kind.WAITLIST_PROMOTED, Kind.EVENT_CANCELLED]

"""Reminders: each person going hears about the meetup at each of their lead times before it,
once, on the channels they chose, in the venue's local time; never after they or the event
dropped out; at the new time when the event moves; and not for times already past when they
joined."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from pytest_django import Settings

from apps.accounts.models import User
from apps.events import services
from apps.events.models import Event, Rsvp
from apps.events.services import reminders_schedule_due
from apps.notifications.models import Channel, Delivery, Kind, Message, Notification
from apps.notifications.services import deliveries_dispatch_due, deliveries_send
from apps.venues.models import Venue
from tests.events.followup import at, beat_tick, inbox, luitpold, utc
from tests.factories.accounts import ProfileFactory
from tests.factories.events import going
from tests.factories.venues import VenueFactory

pytestmark = pytest.mark.django_db

BOOKED = utc(2027, 5, 3, 10)  # Monday
START = utc(2027, 5, 5, 17)  # Wednesday 19:00 in Munich (CEST)
DAY_BEFORE = START - timedelta(hours=24)
TWO_HOURS_BEFORE = START - timedelta(hours=2)
SECOND = timedelta(seconds=1)


@pytest.fixture
def venue(db: None) -> Venue:
    return luitpold()


def book_swap(organizer: User, venue: Venue, start: datetime = START, **fields: object) -> Event:
    with time_machine.travel(BOOKED, tick=False):
        return services.event_create(
            organizer=organizer,
            venue=venue,
            title="Book swap",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=int(fields.pop("capacity", 6)),  # type: ignore[call-overload]
        )


def join(event: Event, user: User, when: datetime = BOOKED) -> Rsvp:
    with time_machine.travel(when, tick=False):
        return services.rsvp_join(event=event, user=user)


def reminder_messages(user: User) -> list[Message]:
    return list(Message.objects.filter(user=user, kind=Kind.REMINDER).order_by("due_at", "pk"))


# --- The promise ----------------------------------------------------------------------------------
def test_each_person_going_gets_one_reminder_a_day_before_and_one_two_hours_before(
    alice: User, bob: User, venue: Venue
) -> None:
    event = book_swap(alice, venue)
    join(event, bob)

    at(DAY_BEFORE - timedelta(hours=1))
    assert inbox(alice) == inbox(bob) == []
    at(DAY_BEFORE - SECOND)  # written ahead of time, not sent before it is due
    assert inbox(alice) == inbox(bob) == []
    at(DAY_BEFORE)
    at(DAY_BEFORE + timedelta(minutes=1))  # the next ticks find nothing new
    at(TWO_HOURS_BEFORE)
    at(START + timedelta(minutes=5))

    for person in (alice, bob):
        assert inbox(person) == [
            "Tomorrow 19:00 at Café Luitpold: Book swap",
            "Today 19:00 at Café Luitpold: Book swap",
        ]
    day_before, two_hours = reminder_messages(bob)
    assert day_before.due_at == START - timedelta(hours=24)
    assert two_hours.due_at == START - timedelta(hours=2)
    assert "Wed 5 May 2027, 19:00 at Café Luitpold, Brienner Str. 11" in (
        Notification.objects.get(message=day_before).body
    )


def test_reminders_go_out_on_the_channels_each_person_chose(
    alice: User, bob: User, venue: Venue
) -> None:
    bob.profile.notify_email = False
    bob.profile.save()
    event = book_swap(alice, venue)
    join(event, bob)

    at(DAY_BEFORE)

    (alice_reminder,) = reminder_messages(alice)
    (bob_reminder,) = reminder_messages(bob)
    assert set(alice_reminder.deliveries.values_list("channel", flat=True)) == {
        Channel.IN_APP,
        Channel.EMAIL,
        Channel.PUSH,
    }
    assert set(bob_reminder.deliveries.values_list("channel", flat=True)) == {
        Channel.IN_APP,
        Channel.PUSH,
    }
    (email,) = mail.outbox
    assert email.to == ["alice@example.com"]
    assert email.subject == "Reminder: Tomorrow 19:00 at Café Luitpold"


def test_a_person_who_wants_other_lead_times_gets_those(
    alice: User, bob: User, venue: Venue
) -> None:
    bob.profile.reminder_hours = [48, 1]
    bob.profile.save()
    event = book_swap(alice, venue)
    join(event, bob)

    for when in (
        START - timedelta(hours=48),
        DAY_BEFORE,
        TWO_HOURS_BEFORE,
        START - timedelta(hours=1),
    ):
        at(when)

    assert [m.due_at for m in reminder_messages(bob)] == [
        START - timedelta(hours=48),
        START - timedelta(hours=1),
    ]
    assert inbox(bob) == [
        "Wed 19:00 at Café Luitpold: Book swap",
        "Today 19:00 at Café Luitpold: Book swap",
    ]


def test_people_who_turned_reminders_off_get_none(alice: User, bob: User, venue: Venue) -> None:
    bob.profile.reminder_hours = []
    bob.profile.save()
    event = book_swap(alice, venue)
    join(event, bob)

    at(DAY_BEFORE)

    assert inbox(bob) == []
    assert len(inbox(alice)) == 1


# --- Exactly once ---------------------------------------------------------------------------------
def test_running_the_scan_and_the_sender_again_and_again_sends_each_reminder_once(
    alice: User, bob: User, venue: Venue
) -> None:
    event = book_swap(alice, venue)
    join(event, bob)

    with time_machine.travel(DAY_BEFORE - timedelta(minutes=10), tick=False):
        first = reminders_schedule_due()
        again = reminders_schedule_due()  # beat fired twice, or a retried task
    with time_machine.travel(DAY_BEFORE, tick=False):
        ids = [pk for batch in deliveries_dispatch_due().batches for pk in batch]
        deliveries_send(delivery_ids=ids, claimed_by="worker-1")
        repeat = deliveries_send(delivery_ids=ids, claimed_by="worker-2")  # redelivered task
        late = reminders_schedule_due()

    assert (first.written, again.written, late.written) == (2, 0, 0)
    assert repeat.claimed == 0
    assert Notification.objects.filter(kind=Kind.REMINDER).count() == 2
    assert len(mail.outbox) == 2


# --- Never stale ----------------------------------------------------------------------------------
def test_no_reminder_after_the_rsvp_is_cancelled(
    alice: User, bob: User, carol: User, venue: Venue
) -> None:
    event = book_swap(alice, venue)
    join(event, bob)
    join(event, carol)
    with time_machine.travel(DAY_BEFORE - timedelta(days=1), tick=False):
        services.rsvp_cancel(event=event, user=bob)  # long before anything was written
    at(DAY_BEFORE)
    with time_machine.travel(TWO_HOURS_BEFORE - timedelta(minutes=5), tick=False):
        beat_tick()  # carol's two-hour reminder is written, due in five minutes…
        services.rsvp_cancel(event=event, user=carol)  # …and she cancels

    at(TWO_HOURS_BEFORE)

    assert inbox(bob) == []
    assert inbox(carol) == ["Tomorrow 19:00 at Café Luitpold: Book swap"]
    (withdrawn,) = reminder_messages(carol)[1:]
    assert set(withdrawn.deliveries.values_list("status", flat=True)) == {"cancelled"}


def test_no_reminder_after_the_event_is_cancelled(alice: User, bob: User, venue: Venue) -> None:
    event = book_swap(alice, venue)
    join(event, bob)
    with time_machine.travel(DAY_BEFORE - timedelta(minutes=5), tick=False):
        beat_tick()
        services.event_cancel(event=event, user=alice, reason="Flu")

    at(DAY_BEFORE)
    at(TWO_HOURS_BEFORE)

    assert inbox(alice) == inbox(bob) == []
    assert not Delivery.objects.filter(
        message__kind=Kind.REMINDER, status__in=["pending", "sent"]
    ).exists()


def test_a_cancel_racing_the_scan_is_caught_when_sending(
    alice: User, bob: User, venue: Venue
) -> None:
    """The scan read bob as going and wrote his reminder; his cancel committed in between, so
    it found nothing to withdraw. The sender checks again and does not send it."""
    event = book_swap(alice, venue)
    join(event, bob)
    with time_machine.travel(DAY_BEFORE - timedelta(minutes=5), tick=False):
        reminders_schedule_due()
        Rsvp.objects.filter(event=event, user=bob).update(status=Rsvp.Status.CANCELLED)

    report = at(DAY_BEFORE)

    assert inbox(bob) == []
    assert inbox(alice) == ["Tomorrow 19:00 at Café Luitpold: Book swap"]
    assert report.cancelled == 3  # bob's in-app, email and push
    assert len(mail.outbox) == 1


def test_moving_the_event_withdraws_the_old_reminders_and_reminds_at_the_new_time(
    alice: User, bob: User, venue: Venue
) -> None:
    event = book_swap(alice, venue)
    join(event, bob)
    later = START + timedelta(hours=1)  # 20:00 local
    with time_machine.travel(DAY_BEFORE - timedelta(minutes=5), tick=False):
        beat_tick()  # the reminders for 19:00 are written…
        services.event_update(
            event=event, user=alice, starts_at=later, ends_at=later + timedelta(hours=2)
        )

    at(DAY_BEFORE)  # …and never sent
    at(later - timedelta(hours=24))
    at(later - timedelta(hours=2))

    assert inbox(bob) == [
        "Tomorrow 20:00 at Café Luitpold: Book swap",
        "Today 20:00 at Café Luitpold: Book swap",
    ]
    assert (
        Delivery.objects.filter(
            message__user=bob, message__kind=Kind.REMINDER, status="cancelled"
        ).count()
        == 3
    )


def test_a_changed_preference_withdraws_a_reminder_already_written(
    alice: User, bob: User, venue: Venue
) -> None:
    event = book_swap(alice, venue)
    join(event, bob)
    with time_machine.travel(DAY_BEFORE - timedelta(minutes=5), tick=False):
        beat_tick()
    bob.profile.reminder_hours = [2]
    bob.profile.save()

    at(DAY_BEFORE)
    at(TWO_HOURS_BEFORE)

    assert inbox(bob) == ["Today 19:00 at Café Luitpold: Book swap"]


# --- Whoever is going, by any path ----------------------------------------------------------------
def test_a_late_joiner_gets_only_the_reminders_still_ahead(
    alice: User, bob: User, carol: User, venue: Venue
) -> None:
    event = book_swap(alice, venue)
    join(event, bob, when=START - timedelta(hours=3))
    join(event, carol, when=START - timedelta(minutes=90))

    for when in (DAY_BEFORE, START - timedelta(hours=3), TWO_HOURS_BEFORE, START):
        at(when)

    assert inbox(bob) == ["Today 19:00 at Café Luitpold: Book swap"]  # no "tomorrow" at 16:00
    assert inbox(carol) == []
    assert len(inbox(alice)) == 2


def test_leaving_and_coming_back_reminds_once_for_the_new_seat(
    alice: User, bob: User, venue: Venue
) -> None:
    event = book_swap(alice, venue)
    join(event, bob)
    at(DAY_BEFORE)
    with time_machine.travel(DAY_BEFORE + timedelta(hours=1), tick=False):
        services.rsvp_cancel(event=event, user=bob)
    join(event, bob, when=DAY_BEFORE + timedelta(hours=2))

    for when in (DAY_BEFORE + timedelta(hours=3), TWO_HOURS_BEFORE, START):
        at(when)

    assert inbox(bob) == [
        "Tomorrow 19:00 at Café Luitpold: Book swap",
        "Today 19:00 at Café Luitpold: Book swap",
    ]


def test_someone_promoted_from_the_waitlist_is_reminded(
    alice: User, bob: User, carol: User, venue: Venue
) -> None:
    event = book_swap(alice, venue, capacity=2)
    join(event, bob)
    assert join(event, carol).status == Rsvp.Status.WAITLISTED
    with time_machine.travel(DAY_BEFORE - timedelta(hours=5), tick=False):
        services.rsvp_cancel(event=event, user=bob)  # carol gets the seat

    at(DAY_BEFORE)
    at(TWO_HOURS_BEFORE)

    assert inbox(bob) == []
    assert inbox(carol) == [
        "Tomorrow 19:00 at Café Luitpold: Book swap",
        "Today 19:00 at Café Luitpold: Book swap",
    ]


def test_the_members_of_a_matched_private_meetup_are_reminded(
    alice: User, bob: User, venue: Venue
) -> None:
    with time_machine.travel(BOOKED, tick=False):
        services.event_create_for_group(
            venue=venue,
            starts_at=START,
            ends_at=START + timedelta(hours=2),
            members=[alice, bob],
            title="Coffee and chess",
        )

    at(DAY_BEFORE)

    assert inbox(alice) == inbox(bob) == ["Tomorrow 19:00 at Café Luitpold: Coffee and chess"]


def test_a_reminder_missed_for_a_long_time_is_skipped_not_sent_late(
    alice: User, venue: Venue, settings: Settings
) -> None:
    settings.REMINDERS_LATE_MINUTES = 60
    book_swap(alice, venue)

    at(DAY_BEFORE + timedelta(minutes=59))  # workers were down for an hour: still sent
    at(TWO_HOURS_BEFORE + timedelta(minutes=61))  # down longer: skipped

    assert inbox(alice) == ["Tomorrow 19:00 at Café Luitpold: Book swap"]


def test_deactivated_accounts_get_no_reminders(alice: User, bob: User, venue: Venue) -> None:
    event = book_swap(alice, venue)
    going(event, ProfileFactory(user__is_active=False).user)

    at(DAY_BEFORE)

    assert Message.objects.filter(kind=Kind.REMINDER).count() == 1


# --- Time zones -----------------------------------------------------------------------------------
def test_a_venue_in_new_york_is_announced_in_new_york_time_to_a_person_from_berlin(
    bob: User,
) -> None:
    assert bob.profile.timezone == "Europe/Berlin"
    diner = VenueFactory(
        name="Tom's Restaurant",
        lat=40.8054,
        lng=-73.9654,
        address="2880 Broadway, New York",
        timezone="America/New_York",
        opening_hours="Mo-Su 07:00-23:00",
    )
    start = utc(2027, 5, 5, 23)  # 19:00 in New York (EDT), 01:00 the next day in Berlin
    event = book_swap(ProfileFactory(timezone="America/New_York").user, diner, start=start)
    join(event, bob)

    at(start - timedelta(hours=24, seconds=1))
    assert inbox(bob) == []
    at(start - timedelta(hours=24))

    (notification,) = Notification.objects.filter(user=bob, kind=Kind.REMINDER)
    assert notification.title == "Tomorrow 19:00 at Tom's Restaurant: Book swap"
    assert "Wed 5 May 2027, 19:00 at Tom's Restaurant" in notification.body
    assert "The time is local to the venue (America/New_York)." in notification.body


def test_a_daylight_saving_change_between_booking_and_meetup_keeps_24_real_hours(
    alice: User, bob: User, venue: Venue
) -> None:
    """Booked in winter time; Europe moves its clocks forward on Sunday 28 March 2027 at 02:00.
    The meetup is that Sunday at 12:00 (CEST, UTC+2); 24 hours earlier it is Saturday 11:00
    in Munich (CET, UTC+1), and the reminder says "tomorrow 12:00"."""
    start = utc(2027, 3, 28, 10)  # 12:00 CEST
    with time_machine.travel(utc(2027, 3, 20, 12), tick=False):
        event = services.event_create(
            organizer=alice,
            venue=venue,
            title="Brunch",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=4,
        )
        services.rsvp_join(event=event, user=bob)

    at(utc(2027, 3, 27, 9, 59, 59))  # 10:59:59 in Munich, Saturday
    assert inbox(bob) == []
    at(utc(2027, 3, 27, 10))  # 11:00 in Munich: 24 hours of real time before

    (message,) = reminder_messages(bob)
    assert message.due_at == start - timedelta(hours=24) == utc(2027, 3, 27, 10)
    (notification,) = Notification.objects.filter(user=bob, kind=Kind.REMINDER)
    assert notification.title == "Tomorrow 12:00 at Café Luitpold: Brunch"
    assert "Sun 28 Mar 2027, 12:00" in notification.body

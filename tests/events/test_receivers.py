"""Suspensions, bans and account deletion take a person out of upcoming events (their events
cancelled with notice, their seats freed for the waitlist); the data export includes events."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.selectors import account_export
from apps.accounts.services import account_delete
from apps.events import services
from apps.events.models import Event, Rsvp
from apps.safety import services as safety
from apps.safety.selectors import public_person
from tests.factories.accounts import PASSWORD
from tests.factories.events import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_event(bob: User, carol: User) -> Event:
    """Bob organises; carol holds the last seat; dave waits."""
    event = EventFactory(organizer=bob, capacity=2, title="Chess night")
    services.rsvp_join(event=event, user=carol)
    return event


def test_a_suspension_cancels_their_events_and_frees_their_seats(
    event: Event, alice: User, bob: User, carol: User
) -> None:
    full = EventFactory(capacity=2, title="Full")  # organizer + one seat
    services.rsvp_join(event=full, user=alice)
    services.rsvp_join(event=full, user=carol)  # waitlisted
    services.rsvp_join(event=event, user=bob)

    safety.user_suspend(user=alice, until=timezone.now() + timedelta(days=7), moderator=None)

    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED  # Alice's book swap
    assert bob.messages.filter(kind="event_cancelled").count() == 1
    assert Rsvp.objects.get(event=full, user=alice).status == "cancelled"
    assert Rsvp.objects.get(event=full, user=carol).status == "going"
    assert carol.messages.filter(kind="waitlist_promoted").count() == 1


def test_a_ban_does_the_same_and_repeating_it_changes_nothing(
    full_event: Event, bob: User, carol: User
) -> None:
    safety.user_ban(user=bob, moderator=None)
    safety.user_ban(user=bob, moderator=None)

    full_event.refresh_from_db()
    assert full_event.status == "cancelled"
    assert carol.messages.filter(kind="event_cancelled").count() == 1


def test_deleting_an_account_keeps_others_events_and_frees_the_seat(
    event: Event, bob: User, carol: User
) -> None:
    full = EventFactory(capacity=2)
    services.rsvp_join(event=full, user=bob)
    services.rsvp_join(event=full, user=carol)  # waitlisted behind bob
    own = EventFactory(organizer=bob, title="Bob's quiz")
    services.rsvp_join(event=own, user=carol)

    account_delete(user=bob, password=PASSWORD)

    assert not User.objects.filter(pk=bob.pk).exists()
    assert Event.objects.filter(pk=event.pk, status="scheduled").exists()  # Alice's, intact
    assert Rsvp.objects.get(event=full, user=carol).status == "going"
    full.refresh_from_db()
    assert full.going_count == 2
    own.refresh_from_db()
    assert (own.status, own.organizer) == ("cancelled", None)
    assert carol.messages.filter(kind="event_cancelled").count() == 1


def test_past_events_keep_their_history_after_deletion(bob: User) -> None:
    past = EventFactory(organizer=bob)
    Event.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3, hours=-2),
    )

    account_delete(user=bob, password=PASSWORD)

    past.refresh_from_db()
    assert (past.status, past.organizer_id) == ("scheduled", None)


def test_the_export_lists_their_events_and_rsvps(event: Event, alice: User, bob: User) -> None:
    services.rsvp_join(event=event, user=bob)

    alice_data = account_export(user=alice)["events"]
    bob_data = account_export(user=bob)["events"]

    assert [e["title"] for e in alice_data["organised"]] == ["Book swap"]
    assert [(r["event_title"], r["status"]) for r in bob_data["rsvps"]] == [("Book swap", "going")]
    assert bob_data["organised"] == []
    assert "bob@example.com" not in str(alice_data)


def test_reports_about_an_event_find_its_organizer(event: Event, alice: User, bob: User) -> None:
    report = safety.report_create(reporter=bob, reason="spam", event_id=event.pk)

    assert report.reported_user_id == alice.pk
    assert public_person(alice)["display_name"] == "Alice"

"""Helpers for the reminder, feedback and connection tests (not a test module)."""

from datetime import UTC, datetime

import time_machine
from django.utils import timezone

from apps.accounts.models import User
from apps.events.services import events_complete_ended, reminders_schedule_due
from apps.notifications.models import Delivery, Kind, Notification
from apps.notifications.services import SendReport, deliveries_dispatch_due, deliveries_send
from apps.venues.models import Venue
from tests.factories.venues import VenueFactory


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def luitpold(**overrides: object) -> Venue:
    """Café Luitpold in Munich, open late enough for an evening meetup."""
    fields: dict[str, object] = {
        "name": "Café Luitpold",
        "address": "Brienner Str. 11, 80333 München",
        "opening_hours": "Mo-Su 08:00-23:00",
    }
    fields.update(overrides)
    return VenueFactory(**fields)


def beat_tick() -> SendReport:
    """What beat and the workers do at this moment: write the reminders coming due, complete
    ended events, then hand out what is due and send it (the workers' task body)."""
    reminders_schedule_due()
    events_complete_ended()
    report = deliveries_dispatch_due()
    due_now = list(
        # notify_many hands what is due at once straight to a worker (after commit, which the
        # test transaction never does): send those too.
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, due_at__lte=timezone.now(), dispatched_at__isnull=False
        ).values_list("pk", flat=True)
    )
    ids = [pk for batch in report.batches for pk in batch] + due_now
    return deliveries_send(delivery_ids=ids) if ids else SendReport()


def at(when: datetime) -> SendReport:
    """Travel to `when` and tick once."""
    with time_machine.travel(when, tick=False):
        return beat_tick()


def inbox(user: User, kind: Kind = Kind.REMINDER) -> list[str]:
    """Titles of `user`'s in-app notifications of `kind`, oldest first."""
    return list(
        Notification.objects.filter(user=user, kind=kind)
        .order_by("created_at", "pk")
        .values_list("title", flat=True)
    )

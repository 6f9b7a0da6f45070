"""Reminders before a meetup, and what happens when it is over (docs/adr/0050).

Reminders are not scheduled when someone joins. A periodic scan (`reminders_schedule_due`,
every minute) reads who is going *now* and writes the reminders whose time comes within the
next REMINDERS_AHEAD_MINUTES, each with `due_at` exactly `hours` before the start (UTC
arithmetic: 24 h of real time, whatever daylight saving does in between); the notifications
scan sends each one at its due time. So every way of becoming "going" (joining, a waitlist
promotion, a matched meetup, an admin edit) gets reminders, a moved event gets them at its new
time, and a changed `reminder_hours` takes effect at once. Nothing waits in the broker.

Exactly once: the idempotency key names the seat, the lead time and what the reminder is about
(`reminder:<rsvp>:<hours>h:<start>:v<venue>:j<joined>`); `notify_many` inserts a key at most
once, so a retried scan, two workers or a double beat tick write nothing new, and the
notifications leases send each delivery once. Leaving and coming back is a new seat (`joined`),
a moved event a new start: new keys, and only reminders due after the join are written.

Never stale: cancelling a seat or the event, or moving it, cancels the pending reminders
(`reminders_cancel`), and the sender asks `reminders_stale` again right before sending (the
in-app row under the event's lock), so a cancel racing the scan cannot deliver a reminder.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Profile
from apps.events.models import Event, Feedback, Rsvp
from apps.events.selectors import when_label
from apps.events.selectors.reminders import DueReminder, reminders_due_between
from apps.notifications.models import Kind, Message
from apps.notifications.selectors import message_keys_existing
from apps.notifications.services import Notice, messages_cancel, notify_many

logger = logging.getLogger(__name__)


# --- Keys and words ---------------------------------------------------------------------------
def _utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def reminder_key(
    *, rsvp_id: int, hours: int, starts_at: datetime, venue_id: int, joined_at: datetime
) -> str:
    return f"reminder:{rsvp_id}:{hours}h:{_utc(starts_at)}:v{venue_id}:j{_utc(joined_at)}"


def feedback_prompt_key(*, event_id: int, user_id: int) -> str:
    return f"feedback-prompt:{event_id}:{user_id}"


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_label(when: datetime, zone: str) -> str:
    """'Thu 7 May 2026, 19:00' in `zone` (the venue's)."""
    local = when.astimezone(_zone(zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def reminder_context(reminder: DueReminder) -> dict[str, Any]:
    """What the reminder template shows, in the venue's local time; plus what the send-time
    check compares (ids, start, join time). Nothing about anyone else."""
    zone = reminder.venue_timezone
    zone_note = ""
    if zone != reminder.person_timezone:
        zone_note = f"The time is local to the venue ({zone})."
    return {
        "event_id": reminder.event_id,
        "rsvp_id": reminder.rsvp_id,
        "venue_id": reminder.venue_id,
        "starts_at": reminder.starts_at.isoformat(),
        "joined_at": reminder.joined_at.isoformat(),
        "hours_before": reminder.hours,
        "event_title": reminder.event_title,
        "venue_name": reminder.venue_name,
        "address": reminder.venue_address,
        "starts_at_local": local_label(reminder.starts_at, zone),
        # Relative to when it is due: "tomorrow 19:00", "today 19:00".
        "when_local": when_label(reminder.starts_at, zone, now=reminder.due_at),
        "zone_note": zone_note,
    }


def event_url(event_id: int) -> str:
    return f"/events/{event_id}/"


def feedback_url(event_id: int) -> str:
    return f"/events/{event_id}/feedback/"


# --- Scheduling -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScheduleReport:
    due: int
    written: int


def reminders_schedule_due(*, now: datetime | None = None) -> ScheduleReport:
    """Write every reminder due from REMINDERS_LATE_MINUTES ago to REMINDERS_AHEAD_MINUTES
    ahead that is not written yet. Safe to run any number of times, concurrently too."""
    now = now or timezone.now()
    after = now - timedelta(minutes=settings.REMINDERS_LATE_MINUTES)
    until = now + timedelta(minutes=settings.REMINDERS_AHEAD_MINUTES)
    due = reminders_due_between(after=after, until=until, now=now)
    keys = [
        reminder_key(
            rsvp_id=reminder.rsvp_id,
            hours=reminder.hours,
            starts_at=reminder.starts_at,
            venue_id=reminder.venue_id,
            joined_at=reminder.joined_at,
        )
        for reminder in due
    ]
    # Each reminder stays in the window for many ticks: look up what earlier ticks wrote
    # (index reads) instead of inserting it again (conflicting writes). A key written in
    # between is still caught by notify_many's ON CONFLICT.
    written_before = message_keys_existing(keys=keys)
    notices = [
        Notice(
            user_id=reminder.user_id,
            kind=Kind.REMINDER,
            idempotency_key=key,
            context=reminder_context(reminder),
            url=event_url(reminder.event_id),
            due_at=reminder.due_at,
        )
        for reminder, key in zip(due, keys, strict=True)
        if key not in written_before
    ]
    written = notify_many(notices=notices) if notices else []
    return ScheduleReport(due=len(due), written=len(written))


def reminders_cancel(
    *,
    rsvps: Iterable[Rsvp],
    starts_at: datetime,
    venue_id: int,
) -> int:
    """Withdraw the pending reminders of these seats for an event starting at `starts_at` at
    `venue_id` (pass the *old* values when the event moves). The caller holds the event's lock.
    Returns the deliveries cancelled. Whatever this misses (a preference changed meanwhile) the
    send-time check catches."""
    seats = [rsvp for rsvp in rsvps if rsvp.status == Rsvp.Status.GOING]
    if not seats:
        return 0
    hours_of = dict(
        Profile.objects.filter(user_id__in={rsvp.user_id for rsvp in seats}).values_list(
            "user_id", "reminder_hours"
        )
    )
    keys = [
        reminder_key(
            rsvp_id=rsvp.pk,
            hours=hours,
            starts_at=starts_at,
            venue_id=venue_id,
            joined_at=rsvp.joined_at or rsvp.created_at,
        )
        for rsvp in seats
        for hours in hours_of.get(rsvp.user_id) or []
    ]
    return messages_cancel(idempotency_keys=keys) if keys else 0


# --- Send-time checks (registered with notifications in apps.py) ------------------------------
def _lock_events(event_ids: set[int]) -> None:
    # The services change seats and times only under the event's row lock (FOR UPDATE); holding
    # a conflicting lock while the in-app rows are written orders us against any cancel.
    list(
        Event.objects.select_for_update(no_key=True)
        .filter(pk__in=event_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _at(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def reminders_stale(messages: Sequence[Message], lock: bool) -> set[int]:
    """Reminders that must not go out any more: the seat was given up (or given up and taken
    again: a new seat has its own reminders), the event was cancelled, moved or has started,
    or the person no longer wants a reminder at that lead time. Reminders about no seat (no
    `rsvp_id`: written by someone else) are not this guard's to judge."""
    messages = [m for m in messages if m.context.get("rsvp_id") is not None]
    if not messages:
        return set()
    rsvp_ids = {m.context.get("rsvp_id") for m in messages}
    if lock:
        _lock_events({m.context.get("event_id") for m in messages} - {None})
    seats = {
        row[0]: row
        for row in Rsvp.objects.filter(pk__in=rsvp_ids).values_list(
            "pk",
            "status",
            "joined_at",
            "created_at",
            "event__status",
            "event__starts_at",
            "event__venue_id",
            "user__profile__reminder_hours",
        )
    }
    now = timezone.now()
    stale: set[int] = set()
    for message in messages:
        ctx = message.context
        seat = seats.get(ctx.get("rsvp_id"))
        if seat is None:
            stale.add(message.pk)
            continue
        _, status, joined_at, created_at, event_status, starts_at, venue_id, hours = seat
        if (
            status != Rsvp.Status.GOING
            or event_status != Event.Status.SCHEDULED
            or starts_at <= now
            or _at(ctx.get("starts_at")) != starts_at
            or _at(ctx.get("joined_at")) != (joined_at or created_at)
            or ctx.get("venue_id") != venue_id
            or ctx.get("hours_before") not in (hours or [])
        ):
            stale.add(message.pk)
    return stale


def feedback_prompts_stale(messages: Sequence[Message], lock: bool) -> set[int]:
    """Feedback prompts already answered (the person gave feedback first, on the web)."""
    messages = [m for m in messages if m.context.get("event_id") is not None]
    if not messages:
        return set()
    wanted = {(m.context.get("event_id"), m.user_id): m.pk for m in messages}
    given = Feedback.objects.filter(
        event_id__in={event_id for event_id, _ in wanted},
        user_id__in={user_id for _, user_id in wanted},
    ).values_list("event_id", "user_id")
    return {wanted[pair] for pair in given if pair in wanted}


# --- After the event --------------------------------------------------------------------------
@dataclass(frozen=True)
class CompletionReport:
    completed: int
    prompts: int


def completion_batch() -> int:
    return int(settings.EVENTS_COMPLETE_BATCH)


@transaction.atomic
def events_complete_ended(
    *, now: datetime | None = None, limit: int | None = None
) -> CompletionReport:
    """Mark scheduled events that have ended `completed` and write a feedback prompt for each
    person who was going, due FEEDBACK_PROMPT_DELAY_HOURS after the end (events that ended more
    than FEEDBACK_PROMPT_MAX_AGE_HOURS ago are completed without prompts). One transaction: an
    event is never completed without its prompts. Rows another transaction holds are skipped
    and completed by the next run; calling it again finds nothing to do."""
    now = now or timezone.now()
    limit = limit or completion_batch()
    ended = list(
        Event.objects.select_for_update(skip_locked=True)
        .filter(status=Event.Status.SCHEDULED, ends_at__lte=now)
        .order_by("ends_at", "pk")
        .select_related("venue")[:limit]
    )
    if not ended:
        return CompletionReport(completed=0, prompts=0)
    Event.objects.filter(pk__in=[event.pk for event in ended]).update(
        status=Event.Status.COMPLETED, updated_at=now
    )
    delay = timedelta(hours=settings.FEEDBACK_PROMPT_DELAY_HOURS)
    oldest = now - timedelta(hours=settings.FEEDBACK_PROMPT_MAX_AGE_HOURS)
    recent = {event.pk: event for event in ended if event.ends_at > oldest}
    going = Rsvp.objects.filter(event_id__in=recent, status=Rsvp.Status.GOING).values_list(
        "event_id", "user_id"
    )
    notices = []
    for event_id, user_id in going.order_by("event_id", "user_id"):
        event = recent[event_id]
        notices.append(
            Notice(
                user_id=user_id,
                kind=Kind.FEEDBACK_PROMPT,
                idempotency_key=feedback_prompt_key(event_id=event_id, user_id=user_id),
                context={
                    "event_id": event_id,
                    "event_title": event.title,
                    "venue_name": event.venue.name,
                    "date_local": local_label(event.starts_at, event.venue.timezone),
                },
                url=feedback_url(event_id),
                due_at=event.ends_at + delay,
            )
        )
    written = notify_many(notices=notices) if notices else []
    return CompletionReport(completed=len(ended), prompts=len(written))

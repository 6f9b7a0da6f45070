"""Writes on events and RSVPs. Every function is keyword-only, runs in one transaction, and is
safe to call twice: a repeated join returns the same RSVP, a repeated cancel changes nothing.

Seats: every write that changes who is going locks the event row first (`SELECT … FOR UPDATE`),
so concurrent joins queue up on that lock and each sees the count the previous one left; the
database's `going_count <= capacity` check is the last line of defence.

Reminders (`services.reminders`) follow who is going; the writes here that take a seat away,
cancel or move an event withdraw the pending ones under the same lock. Feedback, connections
and no-shows live in `services.feedback`.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Interest, User
from apps.accounts.selectors import user_email_verified
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
from apps.events.models import (
    MAX_CAPACITY,
    MIN_CAPACITY,
    CalendarFeed,
    Event,
    Rsvp,
    new_feed_token,
)
from apps.events.services.feedback import FeedbackResult as FeedbackResult
from apps.events.services.feedback import feedback_submit as feedback_submit
from apps.events.services.feedback import no_shows_apply as no_shows_apply
from apps.events.services.reminders import events_complete_ended as events_complete_ended
from apps.events.services.reminders import reminders_cancel
from apps.events.services.reminders import reminders_schedule_due as reminders_schedule_due
from apps.notifications.models import Kind
from apps.notifications.services import Notice, notify, notify_many
from apps.safety.selectors import is_blocked_between
from apps.venues.models import Venue
from apps.venues.selectors import venue_local_time, venue_slots_open

MAX_DURATION = timedelta(hours=12)
MAX_AHEAD = timedelta(days=365)
MAX_INTERESTS = 10
_UNSET: Any = object()


# --- Validation -----------------------------------------------------------------------------
def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _clean_text(title: str, description: str) -> tuple[str, str]:
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        raise _field_error("title", "Give the event a title.", "required")
    if len(title) > Event.TITLE_MAX_LENGTH:
        raise _field_error("title", f"At most {Event.TITLE_MAX_LENGTH} characters.", "max_length")
    if len(description) > Event.DESCRIPTION_MAX_LENGTH:
        raise _field_error(
            "description", f"At most {Event.DESCRIPTION_MAX_LENGTH} characters.", "max_length"
        )
    return title, description


def _check_capacity(capacity: int) -> None:
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise _field_error("capacity", "A whole number of places.", "invalid")
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise _field_error(
            "capacity",
            f"Between {MIN_CAPACITY} and {MAX_CAPACITY} places.",
            "min_value" if capacity < MIN_CAPACITY else "max_value",
        )


def _check_times(starts_at: datetime, ends_at: datetime, *, now: datetime) -> None:
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            raise _field_error(name, "A date and time with its UTC offset.", "naive")
    if starts_at <= now:
        raise _field_error("starts_at", "The event must start in the future.", "in_past")
    if starts_at > now + MAX_AHEAD:
        raise _field_error("starts_at", "At most a year ahead.", "too_far_ahead")
    if ends_at <= starts_at:
        raise _field_error("ends_at", "The event must end after it starts.", "ends_before_start")
    if ends_at - starts_at > MAX_DURATION:
        raise _field_error("ends_at", "An event lasts at most 12 hours.", "too_long")


def _check_venue(venue: Venue, starts_at: datetime, ends_at: datetime) -> None:
    if not venue.is_active:
        raise _field_error(
            "venue_id", "This place is no longer listed; pick another one.", "venue_inactive"
        )
    # Unknown hours are allowed: many places have none mapped. Known hours must cover the event.
    if venue_slots_open(venue, [(starts_at, ends_at)])[0] is False:
        start = venue_local_time(venue, starts_at)
        end = venue_local_time(venue, ends_at)
        raise _field_error(
            "starts_at",
            f"{venue.name} is not open the whole time from {start:%a %d %b %H:%M} to "
            f"{end:%H:%M} (its hours: {venue.opening_hours}).",
            "venue_closed",
        )


def _interests(slugs: Iterable[str]) -> list[Interest]:
    wanted = list(dict.fromkeys(slugs))
    if len(wanted) > MAX_INTERESTS:
        raise _field_error("interests", f"At most {MAX_INTERESTS} interests.", "max_length")
    found = list(Interest.objects.filter(slug__in=wanted))
    unknown = sorted(set(wanted) - {interest.slug for interest in found})
    if unknown:
        raise _field_error(
            "interests", f"Unknown interest(s): {', '.join(unknown)}.", "unknown_interests"
        )
    return found


def _check_may_take_part(user: User) -> None:
    # Unverified accounts are where spam comes from; matching already requires a verified email.
    if not user_email_verified(user=user):
        raise EmailUnverified()


# --- Notifications --------------------------------------------------------------------------
def local_time_label(venue: Venue, when: datetime) -> str:
    """'Thu 7 May 2026, 19:00' in the venue's time zone."""
    local = venue_local_time(venue, when)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def _event_context(event: Event) -> dict[str, Any]:
    return {
        "event_id": event.pk,
        "event_title": event.title,
        "venue_name": event.venue.name,
        "starts_at_local": local_time_label(event.venue, event.starts_at),
    }


def _event_url(event: Event) -> str:
    return f"/events/{event.pk}/"


def _tell_attendees(
    event: Event,
    *,
    kind: Kind,
    context: dict[str, Any],
    key_prefix: str,
    except_user_id: int | None,
) -> None:
    """One message to everyone going or waitlisted (but `except_user_id`), keyed
    `{key_prefix}:{user id}`, written in one `notify_many` instead of one `notify` each."""
    user_ids = (
        Rsvp.objects.active()
        .filter(event=event)
        .exclude(user_id=except_user_id)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    notify_many(
        notices=[
            Notice(
                user_id=user_id,
                kind=kind,
                context=context,
                idempotency_key=f"{key_prefix}:{user_id}",
                url=_event_url(event),
            )
            for user_id in user_ids
        ]
    )


def _promote_waitlisted(event: Event, *, now: datetime) -> list[Rsvp]:
    """Give free seats to the waitlist, first come first served, and tell each person.
    The caller holds the event's lock."""
    free = event.capacity - event.going_count
    if free <= 0 or event.status != Event.Status.SCHEDULED:
        return []
    promoted = list(
        Rsvp.objects.waitlist().filter(event=event).select_related("user__profile")[:free]
    )
    for rsvp in promoted:
        waited_since = rsvp.waitlisted_at
        rsvp.status = Rsvp.Status.GOING
        rsvp.joined_at = now
        rsvp.save(update_fields=["status", "joined_at", "updated_at"])
        notify(
            user=rsvp.user,
            kind=Kind.WAITLIST_PROMOTED,
            context=_event_context(event),
            # One promotion per stay on the waitlist (re-joining later starts a new stay).
            idempotency_key=f"waitlist-promoted:{rsvp.pk}:{waited_since:%Y%m%dT%H%M%S.%f}",
            url=_event_url(event),
        )
    if promoted:
        event.going_count += len(promoted)
        event.save(update_fields=["going_count", "updated_at"])
    return promoted


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("venue").get(pk=event.pk)


# --- Events ---------------------------------------------------------------------------------
@transaction.atomic
def event_create(
    *,
    organizer: User,
    venue: Venue,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    description: str = "",
    interests: Iterable[str] = (),
) -> Event:
    """A public event at `venue`, with the organizer going.

    Refuses (400, naming the field) a start in the past, an end before the start, more than
    12 hours, a capacity outside 2-50, unknown interests, an inactive venue or a time outside
    the venue's known opening hours; 403 `email_unverified` for unconfirmed accounts. Creating
    the very same event again (same organizer, venue, start and title) returns the first one,
    so a double-submitted form or a retried request makes one event.
    """
    now = timezone.now()
    _check_may_take_part(organizer)
    title, description = _clean_text(title, description)
    _check_capacity(capacity)
    _check_times(starts_at, ends_at, now=now)
    _check_venue(venue, starts_at, ends_at)
    chosen = _interests(interests)
    existing = Event.objects.filter(
        organizer=organizer,
        venue=venue,
        starts_at=starts_at,
        title=title,
        status=Event.Status.SCHEDULED,
    ).first()
    if existing is not None:
        return existing
    event = Event.objects.create(
        organizer=organizer,
        venue=venue,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        going_count=1,
        visibility=Event.Visibility.PUBLIC,
    )
    event.interests.set(chosen)
    Rsvp.objects.create(event=event, user=organizer, status=Rsvp.Status.GOING, joined_at=now)
    return event


@transaction.atomic
def event_update(
    *,
    event: Event,
    user: User,
    title: str | None = None,
    description: str | None = None,
    venue: Venue | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    capacity: int | None = None,
    interests: Iterable[str] | None = None,
) -> Event:
    """The organizer changes their event; `None` leaves a field as it is.

    A new time or place is checked like a new event (future, ≤ 12 h, active venue open then).
    A larger capacity seats the waitlist; a capacity below the people going is 409
    `capacity_below_going`. Any change bumps `sequence` (calendars see a new version) and tells
    every attendee once per version; a call that changes nothing does nothing.
    """
    now = timezone.now()
    event = _lock(event)
    if event.organizer_id != user.pk:
        raise NotOrganizer()
    if event.status == Event.Status.CANCELLED:
        raise EventCancelled()
    if event.starts_at <= now or event.status == Event.Status.COMPLETED:
        raise EventPast()
    new_title, new_description = _clean_text(
        event.title if title is None else title,
        event.description if description is None else description,
    )
    new_venue = event.venue if venue is None else venue
    new_starts = event.starts_at if starts_at is None else starts_at
    new_ends = event.ends_at if ends_at is None else ends_at
    new_capacity = event.capacity if capacity is None else capacity
    _check_capacity(new_capacity)
    moved = (new_starts, new_ends, new_venue.pk) != (event.starts_at, event.ends_at, event.venue_id)
    if moved:
        _check_times(new_starts, new_ends, now=now)
        _check_venue(new_venue, new_starts, new_ends)
    if new_capacity < event.going_count:
        raise CapacityBelowGoing(
            f"{event.going_count} people are going; the capacity cannot be lower.",
            attr="capacity",
        )
    chosen = None if interests is None else _interests(interests)

    changes: list[str] = []
    if new_title != event.title:
        changes.append(f'The title is now "{new_title}".')
    if new_venue.pk != event.venue_id:
        changes.append(f"It moved to {new_venue.name}.")
    if (new_starts, new_ends) != (event.starts_at, event.ends_at):
        changes.append(
            f"The time is now {local_time_label(new_venue, new_starts)}"
            f"–{venue_local_time(new_venue, new_ends):%H:%M}."
        )
    if new_capacity != event.capacity:
        changes.append(f"There are now {new_capacity} places.")
    if new_description != event.description:
        changes.append("The description changed.")
    if chosen is not None and {i.pk for i in chosen} != set(
        event.interests.values_list("pk", flat=True)
    ):
        changes.append("The interests changed.")
        event.interests.set(chosen)
    if not changes:
        return event

    if (new_starts, new_venue.pk) != (event.starts_at, event.venue_id):
        # Reminders name the start and the place: the old ones go, the scan writes new ones.
        reminders_cancel(
            rsvps=Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING),
            starts_at=event.starts_at,
            venue_id=event.venue_id,
        )
    event.title, event.description, event.venue = new_title, new_description, new_venue
    event.starts_at, event.ends_at, event.capacity = new_starts, new_ends, new_capacity
    event.sequence += 1
    event.save()
    _promote_waitlisted(event, now=now)
    context = {**_event_context(event), "changes": changes}
    _tell_attendees(
        event,
        kind=Kind.EVENT_CHANGED,
        context=context,
        key_prefix=f"event-changed:{event.pk}:{event.sequence}",
        except_user_id=user.pk,
    )
    return event


@transaction.atomic
def event_cancel(*, event: Event, user: User | None, reason: str = "") -> Event:
    """Cancel the event and tell everyone going or waitlisted. `user` must be the organizer;
    `None` is the system (moderation, a deleted account). Cancelling again changes nothing;
    an event that already started cannot be cancelled (409 `event_past`)."""
    event = _lock(event)
    if user is not None and event.organizer_id != user.pk:
        raise NotOrganizer()
    if event.status == Event.Status.CANCELLED:
        return event
    now = timezone.now()
    if event.starts_at <= now or event.status == Event.Status.COMPLETED:
        raise EventPast()
    reminders_cancel(
        rsvps=Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING),
        starts_at=event.starts_at,
        venue_id=event.venue_id,
    )
    event.status = Event.Status.CANCELLED
    event.cancelled_at = now
    event.cancel_reason = (reason or "").strip()[:300]
    event.sequence += 1
    event.save()
    context = {**_event_context(event), "reason": event.cancel_reason}
    _tell_attendees(
        event,
        kind=Kind.EVENT_CANCELLED,
        context=context,
        key_prefix=f"event-cancelled:{event.pk}",
        except_user_id=user.pk if user else None,
    )
    return event


@transaction.atomic
def event_create_for_group(
    *,
    venue: Venue,
    starts_at: datetime,
    ends_at: datetime,
    members: Sequence[User],
    title: str,
    description: str = "",
    interests: Iterable[Interest | str] = (),
) -> Event:
    """A private meetup for the matching engine: no organizer, every member going, a capacity
    of exactly the group (no waitlist). The caller checked who may meet where and when.

    Idempotent: the same members at the same venue and start get the existing meetup.
    """
    member_ids = sorted({member.pk for member in members})
    if not MIN_CAPACITY <= len(member_ids) <= MAX_CAPACITY:
        raise _field_error("members", "A meetup has 2 to 50 members.", "invalid")
    title, description = _clean_text(title, description)
    if ends_at <= starts_at:
        raise _field_error("ends_at", "The meetup must end after it starts.", "ends_before_start")
    candidates = Event.objects.filter(
        venue=venue,
        starts_at=starts_at,
        visibility=Event.Visibility.PRIVATE,
        organizer__isnull=True,
        capacity=len(member_ids),
    )
    for existing in candidates:
        if sorted(existing.rsvps.values_list("user_id", flat=True)) == member_ids:
            return existing
    slugs = [i if isinstance(i, str) else i.slug for i in interests]
    chosen = list(Interest.objects.filter(slug__in=slugs))
    now = timezone.now()
    event = Event.objects.create(
        venue=venue,
        organizer=None,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=len(member_ids),
        going_count=len(member_ids),
        visibility=Event.Visibility.PRIVATE,
    )
    event.interests.set(chosen)
    Rsvp.objects.bulk_create(
        Rsvp(event=event, user_id=user_id, status=Rsvp.Status.GOING, joined_at=now)
        for user_id in member_ids
    )
    return event


@transaction.atomic
def meetup_member_add(*, event: Event, user: User) -> Rsvp:
    """Seat one more member in a private meetup made by matching (someone of the group who
    accepted after it was confirmed): the capacity grows by one, so nobody else loses a seat.
    The caller checked that the person belongs to the group. Idempotent: a member already going
    keeps their seat. 409 `event_cancelled` / `event_past` as for any RSVP."""
    event = _lock(event)
    if not event.is_private or event.organizer_id is not None:
        raise _field_error("event", "Only matched meetups take members this way.", "invalid")
    if event.status == Event.Status.CANCELLED:
        raise EventCancelled()
    now = timezone.now()
    if event.starts_at <= now or event.status == Event.Status.COMPLETED:
        raise EventPast()
    rsvp = Rsvp.objects.filter(event=event, user=user).first()
    if rsvp is not None and rsvp.status == Rsvp.Status.GOING:
        return rsvp
    event.capacity = min(MAX_CAPACITY, max(event.capacity, event.going_count + 1))
    event.going_count += 1
    event.save(update_fields=["capacity", "going_count", "updated_at"])
    if rsvp is None:
        return Rsvp.objects.create(event=event, user=user, status=Rsvp.Status.GOING, joined_at=now)
    rsvp.status, rsvp.joined_at = Rsvp.Status.GOING, now
    rsvp.waitlisted_at = rsvp.cancelled_at = None
    rsvp.save()
    return rsvp


# --- RSVPs ----------------------------------------------------------------------------------
def rsvp_position(rsvp: Rsvp) -> int | None:
    """1-based place on the waitlist, None when not waitlisted."""
    if rsvp.status != Rsvp.Status.WAITLISTED:
        return None
    ahead = (
        Rsvp.objects.waitlist()
        .filter(event_id=rsvp.event_id, waitlisted_at__lte=rsvp.waitlisted_at)
        .exclude(waitlisted_at=rsvp.waitlisted_at, pk__gt=rsvp.pk)
        .count()
    )
    return ahead


@transaction.atomic
def rsvp_join(*, event: Event, user: User) -> Rsvp:
    """A seat if one is free, else a place at the end of the waitlist; `rsvp.position` tells
    which (None when going). Asking again returns the same answer.

    Refuses: 409 `event_cancelled` / `event_past` (already started); 403 `blocked` when the
    person and the organizer blocked each other (either way); 403 `email_unverified`;
    409 `event_full` for a full private meetup (they have no waitlist).
    """
    event = _lock(event)
    if event.status == Event.Status.CANCELLED:
        raise EventCancelled()
    now = timezone.now()
    if event.starts_at <= now or event.status == Event.Status.COMPLETED:
        raise EventPast()
    existing = Rsvp.objects.filter(event=event, user=user).first()
    if existing is not None and existing.status != Rsvp.Status.CANCELLED:
        existing.position = rsvp_position(existing)  # type: ignore[attr-defined]
        return existing
    if event.organizer_id is not None and is_blocked_between(user.pk, event.organizer_id):
        raise Blocked()
    _check_may_take_part(user)
    has_seat = event.going_count < event.capacity
    if not has_seat and event.is_private:
        raise EventFull()
    status = Rsvp.Status.GOING if has_seat else Rsvp.Status.WAITLISTED
    fields = {
        "status": status,
        "joined_at": now if has_seat else None,
        "waitlisted_at": None if has_seat else now,
        "cancelled_at": None,
    }
    if existing is None:
        rsvp = Rsvp.objects.create(event=event, user=user, **fields)
    else:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        rsvp = existing
    if has_seat:
        event.going_count += 1
        event.save(update_fields=["going_count", "updated_at"])
    rsvp.position = rsvp_position(rsvp)  # type: ignore[attr-defined]
    return rsvp


@transaction.atomic
def rsvp_cancel(*, event: Event, user: User) -> Rsvp | None:
    """Give up a seat or a waitlist place; a freed seat goes to the first person waiting, who is
    told. Nothing to cancel is fine (returns the row or None). 409 `event_past` once the event
    started (the record of who went is kept), `organizer_cannot_leave` for the organizer."""
    event = _lock(event)
    rsvp = Rsvp.objects.filter(event=event, user=user).first()
    if rsvp is None or rsvp.status == Rsvp.Status.CANCELLED:
        return rsvp
    if event.organizer_id == user.pk and event.status == Event.Status.SCHEDULED:
        raise OrganizerCannotLeave()
    now = timezone.now()
    if event.starts_at <= now:
        raise EventPast()
    return _drop(event, rsvp, now=now)


def _drop(event: Event, rsvp: Rsvp, *, now: datetime) -> Rsvp:
    was_going = rsvp.status == Rsvp.Status.GOING
    if was_going:
        reminders_cancel(rsvps=[rsvp], starts_at=event.starts_at, venue_id=event.venue_id)
    rsvp.status = Rsvp.Status.CANCELLED
    rsvp.cancelled_at = now
    rsvp.save(update_fields=["status", "cancelled_at", "updated_at"])
    if was_going:
        event.going_count -= 1
        event.save(update_fields=["going_count", "updated_at"])
        _promote_waitlisted(event, now=now)
    return rsvp


# --- Account restrictions and deletion ------------------------------------------------------
@transaction.atomic
def user_events_withdraw(*, user: User, reason: str) -> dict[str, int]:
    """Take a person out of everything upcoming: cancel the public events they organise (their
    attendees are told) and give up their seats and waitlist places (the waitlist moves up).
    For suspensions, bans and account deletion; running it again finds nothing left to do."""
    now = timezone.now()
    cancelled = 0
    for event in Event.objects.filter(
        organizer=user, status=Event.Status.SCHEDULED, starts_at__gt=now
    ).order_by("pk"):
        event_cancel(event=event, user=None, reason=reason)
        cancelled += 1
    dropped = 0
    for rsvp in (
        Rsvp.objects.active()
        .filter(user=user, event__starts_at__gt=now, event__status=Event.Status.SCHEDULED)
        .order_by("event_id")
    ):
        event = _lock(rsvp.event)
        rsvp.refresh_from_db()
        if rsvp.status in (Rsvp.Status.GOING, Rsvp.Status.WAITLISTED):
            _drop(event, rsvp, now=now)
            dropped += 1
    return {"events_cancelled": cancelled, "rsvps_dropped": dropped}


# --- Calendar feeds -------------------------------------------------------------------------
def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """A new secret URL; the old one stops working at once (a leaked link is then useless)."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if not created:
        feed.token = new_feed_token()
        feed.save(update_fields=["token", "updated_at"])
    return feed

"""The events app's part of safety's and accounts' signals.

Suspended, banned and deleted people leave everything upcoming: their public events are
cancelled (attendees are told) and their seats go to the waitlist. The receivers run inside
the sender's transaction and are safe to run twice (a moderator may repeat an action).
"""

from typing import Any

from django.dispatch import receiver

from apps.accounts.models import User
from apps.accounts.signals import export_requested, user_deleting
from apps.events import services
from apps.events.models import CalendarFeed, Event, NoShowReport, Rsvp
from apps.events.selectors.feedback import connection_list_for, feedback_list_for
from apps.safety.signals import user_banned, user_suspended

MODERATION_REASON = "The organizer can no longer use MatchUp."


@receiver(user_suspended, dispatch_uid="events_user_suspended")
@receiver(user_banned, dispatch_uid="events_user_banned")
def withdraw_restricted_user(sender: Any, user: User, **kwargs: Any) -> None:
    services.user_events_withdraw(user=user, reason=MODERATION_REASON)


@receiver(user_deleting, dispatch_uid="events_user_deleting")
def withdraw_deleted_user(sender: Any, user: User, **kwargs: Any) -> None:
    services.user_events_withdraw(user=user, reason="The organizer closed their account.")


@receiver(export_requested, dispatch_uid="events_export")
def export_events(sender: Any, user: User, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    """The events the person organised and every RSVP they gave (no other attendees)."""
    organised = Event.objects.filter(organizer=user).select_related("venue").order_by("pk")
    rsvps = Rsvp.objects.filter(user=user).select_related("event__venue").order_by("pk")
    return (
        "events",
        {
            "organised": [
                {
                    "id": event.pk,
                    "title": event.title,
                    "description": event.description,
                    "venue": {"id": event.venue_id, "name": event.venue.name},
                    "starts_at": event.starts_at.isoformat(),
                    "ends_at": event.ends_at.isoformat(),
                    "capacity": event.capacity,
                    "status": event.status,
                    "visibility": event.visibility,
                    "created_at": event.created_at.isoformat(),
                }
                for event in organised
            ],
            "rsvps": [
                {
                    "event_id": rsvp.event_id,
                    "event_title": rsvp.event.title,
                    "venue": rsvp.event.venue.name,
                    "starts_at": rsvp.event.starts_at.isoformat(),
                    "status": rsvp.status,
                    "joined_at": rsvp.joined_at.isoformat() if rsvp.joined_at else None,
                    "waitlisted_at": rsvp.waitlisted_at.isoformat() if rsvp.waitlisted_at else None,
                    "cancelled_at": rsvp.cancelled_at.isoformat() if rsvp.cancelled_at else None,
                }
                for rsvp in rsvps
            ],
            "calendar_feed": {"exists": CalendarFeed.objects.filter(user=user).exists()},
        },
    )


@receiver(export_requested, dispatch_uid="events_feedback_export")
def export_feedback(sender: Any, user: User, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    """The feedback the person gave (whom they named, by id), their connections (the other
    person's public name and where they met; their contact is theirs, not the exporter's), and
    the meetups at which someone reported them missing (never who reported it)."""
    missed = (
        NoShowReport.objects.filter(reported=user)
        .values_list("event_id", "event__starts_at")
        .order_by("event__starts_at", "event_id")
        .distinct()
    )
    return (
        "after_meetups",
        {
            "feedback": feedback_list_for(user=user),
            "connections": [
                {
                    "person": {"id": item.id, "display_name": item.display_name},
                    "met_at": {
                        "event_id": item.event_id,
                        "venue": item.venue,
                        "date": item.date.isoformat(),
                    },
                    "connected_at": item.connected_at.isoformat(),
                }
                for item in connection_list_for(user=user)
            ],
            "reported_missing_at": [
                {"event_id": event_id, "starts_at": starts_at.isoformat()}
                for event_id, starts_at in missed
            ],
        },
    )

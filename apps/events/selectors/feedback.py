"""Reads after the meetup: someone's feedback, who they may name, their connections.

Connections are the only place MatchUp ever shows someone's contact details (`profile.contact`,
or the account's email when they left it empty), and only to the other person of the pair,
while neither blocked the other and both accounts are usable.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.events.models import Connection, Event, Feedback, MeetAgain, NoShowReport, Rsvp
from apps.safety.selectors import blocked_user_ids, restricted_user_ids
from apps.venues.selectors import venue_local_time


def feedback_get(*, event: Event, user: User) -> Feedback | None:
    return Feedback.objects.filter(event=event, user=user).first()


def feedback_named(*, feedback: Feedback) -> dict[str, list[int]]:
    """Whom the feedback named: `{"meet_again": [ids], "no_show": [ids]}`."""
    return {
        "meet_again": sorted(
            MeetAgain.objects.filter(event_id=feedback.event_id, user_id=feedback.user_id)
            .order_by()
            .values_list("other_id", flat=True)
        ),
        "no_show": sorted(
            NoShowReport.objects.filter(
                event_id=feedback.event_id, reporter_id=feedback.user_id
            ).values_list("reported_id", flat=True)
        ),
    }


def feedback_status_for(*, user: User, event_ids: list[int]) -> dict[int, str]:
    """For "My events": `{event_id: "given" | "open"}` for the events among `event_ids` that
    `user` was going to and that have started (not cancelled). One query."""
    if not event_ids:
        return {}
    rows = Rsvp.objects.filter(
        user=user,
        status=Rsvp.Status.GOING,
        event_id__in=event_ids,
        event__starts_at__lte=timezone.now(),
    ).exclude(event__status=Event.Status.CANCELLED)
    given = set(
        Feedback.objects.filter(user=user, event_id__in=event_ids).values_list(
            "event_id", flat=True
        )
    )
    return {
        event_id: ("given" if event_id in given else "open")
        for event_id in rows.values_list("event_id", flat=True)
    }


def feedback_list_for(*, user: User) -> list[dict[str, Any]]:
    """Every piece of feedback `user` gave, with whom it named (for the data export)."""
    feedback = list(
        Feedback.objects.filter(user=user).select_related("event__venue").order_by("pk")
    )
    named_again: dict[int, list[int]] = {}
    for event_id, other_id in MeetAgain.objects.filter(user=user).values_list(
        "event_id", "other_id"
    ):
        named_again.setdefault(event_id, []).append(other_id)
    named_missing: dict[int, list[int]] = {}
    for event_id, other_id in NoShowReport.objects.filter(reporter=user).values_list(
        "event_id", "reported_id"
    ):
        named_missing.setdefault(event_id, []).append(other_id)
    return [
        {
            "event_id": item.event_id,
            "event_title": item.event.title,
            "venue": item.event.venue.name,
            "starts_at": item.event.starts_at.isoformat(),
            "attended": item.attended,
            "venue_rating": item.venue_rating,
            "meet_again": sorted(named_again.get(item.event_id, [])),
            "no_show": sorted(named_missing.get(item.event_id, [])),
            "created_at": item.created_at.isoformat(),
        }
        for item in feedback
    ]


@dataclass(frozen=True)
class ConnectionView:
    """One connection as `user` sees it: the other person, where they met, their contact."""

    id: int  # the other person's user id
    display_name: str
    event_id: int
    venue: str
    venue_id: int
    date: date
    contact: str
    connected_at: datetime


def connection_list_for(*, user: User) -> list[ConnectionView]:
    """`user`'s connections, newest first: the other person's public name and contact, and
    the meetup where both said "meet again" (its date in the venue's zone). Nobody either of
    them blocked, and no suspended or banned account, appears. Two queries."""
    hidden = blocked_user_ids(user)
    connections = (
        Connection.objects.involving(user.pk)
        .exclude(Q(user_low_id__in=hidden) | Q(user_high_id__in=hidden))
        .exclude(
            Q(user_low_id__in=restricted_user_ids()) | Q(user_high_id__in=restricted_user_ids())
        )
        .filter(user_low__is_active=True, user_high__is_active=True)
        .select_related("user_low__profile", "user_high__profile", "event__venue")
        .order_by("-created_at", "-pk")
    )
    views: list[ConnectionView] = []
    for connection in connections:
        other = connection.user_high if connection.user_low_id == user.pk else connection.user_low
        profile = getattr(other, "profile", None)
        event = connection.event
        views.append(
            ConnectionView(
                id=other.pk,
                display_name=profile.display_name if profile else "MatchUp member",
                event_id=event.pk,
                venue=event.venue.name,
                venue_id=event.venue_id,
                date=_local_date(event),
                contact=(profile.contact if profile and profile.contact else other.email),
                connected_at=connection.created_at,
            )
        )
    return views


def _local_date(event: Event) -> date:
    return venue_local_time(event.venue, event.starts_at).date()

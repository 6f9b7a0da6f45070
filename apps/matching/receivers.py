"""Matching's part of safety's and accounts' signals.

Suspended, banned and deleted people are withdrawn from every proposal they have not joined
yet (their seats in confirmed meetups are the events app's, which frees them on the same
signals); after a block the two never stay in the same open proposal. Proposals that can no
longer happen are cancelled. Receivers run inside the sender's transaction and are safe to run
twice.
"""

from typing import Any

from django.dispatch import receiver

from apps.accounts.models import User
from apps.accounts.signals import export_requested, user_deleting
from apps.matching import services
from apps.matching.models import SuggestionMember
from apps.safety.signals import user_banned, user_blocked, user_suspended


@receiver(user_suspended, dispatch_uid="matching_user_suspended")
@receiver(user_banned, dispatch_uid="matching_user_banned")
def withdraw_restricted_user(sender: Any, user: User, **kwargs: Any) -> None:
    services.suggestions_withdraw_user(user=user, reason="A member can no longer take part.")


@receiver(user_deleting, dispatch_uid="matching_user_deleting")
def withdraw_deleted_user(sender: Any, user: User, **kwargs: Any) -> None:
    # Before the row goes (its memberships cascade): the others' proposals are settled first.
    services.suggestions_withdraw_user(user=user, reason="A member closed their account.")


@receiver(user_blocked, dispatch_uid="matching_user_blocked")
def separate_blocked_pair(sender: Any, blocker: User, blocked: User, **kwargs: Any) -> None:
    services.suggestions_withdraw_pair(blocker=blocker, blocked=blocked)


@receiver(export_requested, dispatch_uid="matching_export")
def export_matching(sender: Any, user: User, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    """The person's proposals and answers (without the other members)."""
    rows = (
        SuggestionMember.objects.filter(user=user)
        .select_related("suggestion__venue")
        .order_by("suggestion_id")
    )
    return (
        "matching",
        {
            "suggestions": [
                {
                    "id": m.suggestion_id,
                    "venue": {"id": m.suggestion.venue_id, "name": m.suggestion.venue.name},
                    "starts_at": m.suggestion.starts_at.isoformat(),
                    "ends_at": m.suggestion.ends_at.isoformat(),
                    "respond_by": m.suggestion.respond_by.isoformat(),
                    "why": m.suggestion.why,
                    "status": m.suggestion.status,
                    "my_response": m.response,
                    "responded_at": m.responded_at.isoformat() if m.responded_at else None,
                    "decline_reason": m.decline_reason,
                    "trip_km": m.trip_km,
                    "event_id": m.suggestion.event_id,
                }
                for m in rows
            ]
        },
    )

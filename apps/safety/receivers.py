"""Safety's part of the accounts signals: the person's data export."""

from typing import Any

from django.dispatch import receiver

from apps.accounts.models import User
from apps.accounts.signals import export_requested
from apps.safety.models import AccountStatus, Block, ModerationAction, Report
from apps.safety.selectors import public_person


@receiver(export_requested, dispatch_uid="safety_export")
def export_safety(sender: Any, user: User, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    """Blocks made, reports filed, and the moderation decisions about the person (without the
    moderators' names or internal notes, and without who reported them)."""
    status = AccountStatus.objects.filter(user=user).first()
    return (
        "safety",
        {
            "blocked_people": [
                {**public_person(block.blocked), "blocked_at": block.created_at.isoformat()}
                for block in Block.objects.filter(blocker=user).select_related("blocked__profile")
            ],
            "reports_filed": [
                {
                    "id": report.pk,
                    "about": report.target_kind,
                    "user_id": report.reported_user_id
                    if report.target_kind == Report.Target.USER
                    else None,
                    "event_id": report.event_id,
                    "reason": report.reason,
                    "details": report.details,
                    "status": report.status,
                    "created_at": report.created_at.isoformat(),
                }
                for report in Report.objects.filter(reporter=user).order_by("pk")
            ],
            "moderation": {
                "suspended_until": status.suspended_until.isoformat()
                if status and status.suspended_until
                else None,
                "banned": bool(status and status.banned_at),
                "decisions": [
                    {
                        "action": action.action,
                        "suspended_until": action.suspended_until.isoformat()
                        if action.suspended_until
                        else None,
                        "at": action.created_at.isoformat(),
                    }
                    for action in ModerationAction.objects.filter(target_user=user).order_by("pk")
                ],
            },
        },
    )

"""Safety records: who blocked whom, what was reported, what moderators did, and who may not
use their account for now.

The events app sits above safety and is never imported here: a report about an event stores
the event's id as a plain integer (see `services.report_create` for how its organizer is found).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.core.models import TimeStampedModel


class Block(TimeStampedModel):
    """`blocker` never meets, sees or is matched with `blocked` again, and the other way round
    (a block works in both directions; only the blocker can lift it)."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocked {self.blocked_id}"


class ReportReason(models.TextChoices):
    HARASSMENT = "harassment", "Harassment or threats"
    INAPPROPRIATE = "inappropriate", "Inappropriate behaviour or content"
    UNSAFE = "unsafe", "I felt unsafe"
    SPAM = "spam", "Spam, scam or advertising"
    FAKE = "fake", "Fake profile or impersonation"
    UNDERAGE = "underage", "Seems to be under 18"
    NO_SHOW = "no_show", "Repeatedly does not show up"
    OTHER = "other", "Something else"


class Report(TimeStampedModel):
    """Someone told the moderators about a person or an event. Moderators act on it from the
    admin's queue; `handled_by`/`handled_at` say who closed it and when."""

    class Target(models.TextChoices):
        USER = "user", "Person"
        EVENT = "event", "Event"

    Reason = ReportReason

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIONED = "actioned", "Actioned"
        DISMISSED = "dismissed", "Dismissed"

    DETAILS_MAX_LENGTH = 2000

    # Reports outlive the accounts they mention: moderation history stays, the person goes.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="reports_made",
    )
    target_kind = models.CharField(max_length=8, choices=Target)
    reported_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_received",
        help_text="The person reported, or the organizer of the reported event.",
    )
    event_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    reason = models.CharField(max_length=16, choices=Reason)
    details = models.TextField(max_length=DETAILS_MAX_LENGTH, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_handled",
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(target_kind="user") & Q(event_id__isnull=True))
                | (Q(target_kind="event") & Q(event_id__isnull=False)),
                name="report_target_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values),
                name="report_reason_valid",
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(handled_at__isnull=True))
                | (Q(status__in=["actioned", "dismissed"]) & Q(handled_at__isnull=False)),
                name="report_handled_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(reporter__isnull=True)
                | Q(reported_user__isnull=True)
                | ~Q(reporter=F("reported_user")),
                name="report_not_about_self",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="report_queue_idx")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        target = f"event {self.event_id}" if self.event_id else f"user {self.reported_user_id}"
        return f"Report {self.pk} on {target} ({self.get_reason_display()}, {self.status})"


class ModerationActionKind(models.TextChoices):
    SUSPEND = "suspend", "Suspend"
    BAN = "ban", "Ban"
    UNSUSPEND = "unsuspend", "Lift suspension or ban"
    DISMISS = "dismiss", "Dismiss report"
    WARN = "warn", "Warn"


class ModerationActionQuerySet(models.QuerySet["ModerationAction"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The moderation log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:  # type: ignore[override]
        raise TypeError("The moderation log is append-only.")


class ModerationAction(models.Model):
    """One line of the moderation audit log: who did what to whom, and why. Append-only.

    `target_user_ref` keeps the account id after the account itself is deleted.
    """

    Action = ModerationActionKind

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="moderation_actions_taken",
    )
    action = models.CharField(max_length=10, choices=Action)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions_received",
    )
    target_user_ref = models.PositiveBigIntegerField(null=True, blank=True)
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    suspended_until = models.DateTimeField(null=True, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ModerationActionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=ModerationActionKind.values),
                name="moderation_action_valid",
            ),
            models.CheckConstraint(
                condition=~Q(action="suspend") | Q(suspended_until__isnull=False),
                name="moderation_suspend_has_end",
            ),
        ]
        indexes = [models.Index(fields=["-created_at"], name="moderation_log_recent_idx")]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.get_action_display()} user {self.target_user_ref} ({self.created_at:%Y-%m-%d})"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The moderation log is append-only.")


class AccountStatusQuerySet(models.QuerySet["AccountStatus"]):
    def restricted(self, *, at: Any = None) -> "AccountStatusQuerySet":
        """Accounts that may not be used at `at` (default now): banned or still suspended."""
        at = at or timezone.now()
        return self.filter(Q(banned_at__isnull=False) | Q(suspended_until__gt=at))


class AccountStatus(TimeStampedModel):
    """Moderation state of an account. No row means nothing was ever decided about it.

    A suspension ends by itself at `suspended_until`; a ban lasts until a moderator lifts it
    (and also sets `User.is_active=False`, so Django itself refuses the account).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="safety_status",
    )
    suspended_until = models.DateTimeField(null=True, blank=True)
    banned_at = models.DateTimeField(null=True, blank=True)

    objects = AccountStatusQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "account statuses"
        indexes = [
            models.Index(fields=["suspended_until"], name="account_status_suspended_idx"),
        ]

    def __str__(self) -> str:
        if self.banned_at:
            return f"user {self.user_id}: banned"
        if self.suspended_until:
            return f"user {self.user_id}: suspended until {self.suspended_until:%Y-%m-%d %H:%M}"
        return f"user {self.user_id}: in good standing"

"""What MatchUp tells people, and the record that each channel told them exactly once.

* `Message`: one thing to tell one person (`kind` + JSON `context`), unique by the caller's
  idempotency key, due at `due_at`. Nothing is rendered yet: templates run at send time.
* `Delivery`: one row per (message, channel). It carries the delivery state machine
  (pending → sending → sent | failed | skipped | cancelled), the lease a worker holds while
  sending, and the attempt counter. Its primary key is the stable idempotency key external
  providers see.
* `Notification`: the in-app inbox row, written in the same transaction that marks its
  delivery sent (and unique per message): exactly once by construction.
* `Device`: a push token; a token belongs to at most one person (upsert by token).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.models import TimeStampedModel


class Kind(models.TextChoices):
    """Every kind has a template `templates/notifications/kinds/<value>.txt`."""

    NEW_PROPOSAL = "new_proposal", "New meetup proposal"
    RESPOND_BY_NEARING = "respond_by_nearing", "Proposal about to expire"
    MEETUP_CONFIRMED = "meetup_confirmed", "Meetup confirmed"
    WAITLIST_PROMOTED = "waitlist_promoted", "Moved up from the waitlist"
    EVENT_CHANGED = "event_changed", "Event changed"
    EVENT_CANCELLED = "event_cancelled", "Event cancelled"
    REMINDER = "reminder", "Meetup reminder"
    FEEDBACK_PROMPT = "feedback_prompt", "How was your meetup?"
    CONNECTION_MADE = "connection_made", "New connection"
    MATCHING_PAUSED = "matching_paused", "Matching paused"
    MODERATION_NOTICE = "moderation_notice", "Moderation notice"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app"
    EMAIL = "email", "Email"
    PUSH = "push", "Push"


class Message(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(max_length=32, choices=Kind)
    # Chosen by the caller from what the message is about ("reminder:rsvp=7:h=24:2026-05-01T…"),
    # so a retried caller, a second worker or a double beat tick finds the row and stops.
    idempotency_key = models.CharField(max_length=200, unique=True)
    context = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    due_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="notif_message_user_idx")]

    def __str__(self) -> str:
        return f"{self.kind} → user {self.user_id} ({self.idempotency_key})"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        SKIPPED = "skipped"
        CANCELLED = "cancelled"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    # Copied from the message so the due scan reads one table through one partial index.
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A worker sending this row holds it until lease_until; claimed_by is its Celery task id,
    # so the same task redelivered after its worker died may resume at once (ADR 0020).
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    # Set when the scan enqueued the row, so the next scan does not enqueue it again while the
    # first task still waits in the queue.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="notif_delivery_once"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="notif_delivery_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="notif_delivery_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery {self.pk} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """What external providers see: stable across retries, redeliveries and restarts."""
        return f"matchup-delivery-{self.pk}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notification, as listed on the web and by `GET /notifications`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="notification")
    kind = models.CharField(max_length=32, choices=Kind)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notif_inbox_idx"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notif_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} → user {self.user_id}"


class Device(TimeStampedModel):
    class Platform(models.TextChoices):
        IOS = "ios", "iOS"
        ANDROID = "android", "Android"
        WEB = "web", "Web"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    platform = models.CharField(max_length=8, choices=Platform)
    token = models.CharField(max_length=1024, unique=True)

    def __str__(self) -> str:
        return f"{self.platform} device of user {self.user_id}"

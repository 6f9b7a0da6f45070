"""Sending deliveries: claim with a lease, send, mark sent; retry transient failures later.

Exactly once per channel (docs/adr/0020):
* A worker claims rows in one UPDATE (pending and due, or leased by a worker that died):
  a redelivered task, a second worker or a second scan finds them taken and skips them.
  The lease outlives the task's hard time limit, so it never expires under a running sender.
  The task that claimed a row may resume it at once when Celery redelivers it after its
  worker died (same task id), without waiting for the lease.
* In-app notifications are inserted in the transaction that marks their deliveries sent, and
  are unique per message: exactly once, even across crashes.
* Email and push are marked sent one by one right after the provider accepted them, so a
  crash can repeat at most the one message in flight, and it carries the same idempotency key
  (Message-ID, push tag/collapse id) so the provider or the device drops the repeat.
* A transient failure puts the row back to pending with a backoff in `due_at`; a permanent
  one fails it. Retries live in the database, never in a long broker countdown.
* Kinds with a send-time guard (`apps.notifications.guards`: reminders, feedback prompts) are
  checked right before sending: in-app inside the transaction that writes the rows (the guard
  locks what cancelling locks), email and push before the first send of the batch and again
  whenever the last check is older than SEND_CHECK_MAX_AGE. Stale ones are cancelled.
"""

import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications.channels import (
    InvalidDeviceToken,
    PermanentSendError,
    SendError,
    TransientSendError,
)
from apps.notifications.channels.email import send_email
from apps.notifications.channels.push import PushMessage, get_push_sender
from apps.notifications.guards import guarded_kinds, stale_message_ids
from apps.notifications.models import Channel, Delivery, Device, Message, Notification
from apps.notifications.rendering import (
    absolute_url,
    render_email,
    render_in_app,
    render_push,
)

logger = logging.getLogger(__name__)
Status = Delivery.Status
RENDER_ERRORS = (TemplateDoesNotExist, TemplateSyntaxError, ValueError, KeyError)
# How stale a guard's answer may get while a batch of emails or pushes goes out one by one.
SEND_CHECK_MAX_AGE = 1.0
STALE_ERROR = "no longer relevant (checked at send time)"


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DispatchReport:
    batches: list[list[int]]
    given_up: int

    @property
    def count(self) -> int:
        return sum(len(batch) for batch in self.batches)


def retry_delay(*, attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff with jitter: base, 2 base, 4 base … capped; at least Retry-After."""
    base = float(settings.NOTIFICATIONS_RETRY_BASE_SECONDS)
    delay = min(base * 2 ** max(attempts - 1, 0), float(settings.NOTIFICATIONS_RETRY_MAX_SECONDS))
    delay *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not cryptography
    return timedelta(seconds=max(delay, retry_after or 0.0))


def _claimable(*, now: datetime, claimed_by: str) -> Q:
    open_and_due = Q(status=Status.PENDING, due_at__lte=now)
    abandoned = Q(status=Status.SENDING, lease_until__lt=now)
    ours_again = Q(status=Status.SENDING, claimed_by=claimed_by)
    return (open_and_due | abandoned | ours_again) & Q(
        attempts__lt=settings.NOTIFICATIONS_MAX_ATTEMPTS
    )


def _profile_wants(user: User, channel: str) -> bool:
    """Preferences are checked again at send time: switching email off stops what is queued."""
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        profile = None
    if channel == Channel.IN_APP:
        return True
    if not user.is_active:
        return False
    if channel == Channel.EMAIL:
        return bool(user.email) and (profile is None or profile.notify_email)
    return profile is None or profile.notify_push


class _Batch:
    """One claimed batch; every write is conditional on the claim still being ours."""

    def __init__(self, claimed_by: str, report: SendReport) -> None:
        self.claimed_by = claimed_by
        self.report = report

    def ours(self, ids: Sequence[int]) -> "Q":
        return Q(pk__in=list(ids), status=Status.SENDING, claimed_by=self.claimed_by)

    def finish(self, ids: Sequence[int], status: str, *, error: str = "") -> int:
        if not ids:
            return 0
        now = timezone.now()
        changes: dict[str, object] = {"status": status, "lease_until": None, "last_error": error}
        if status == Status.SENT:
            changes["sent_at"] = now
        done = Delivery.objects.filter(self.ours(ids)).update(**changes)
        if status == Status.SENT:
            self.report.sent += done
        elif status == Status.SKIPPED:
            self.report.skipped += done
        elif status == Status.CANCELLED:
            self.report.cancelled += done
        else:
            self.report.failed += done
        return done

    def retry_later(self, delivery: Delivery, error: TransientSendError) -> None:
        if delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            logger.warning("delivery %s failed for good: %s", delivery.pk, error)
            self.finish([delivery.pk], Status.FAILED, error=f"gave up: {error}"[:500])
            return
        when = timezone.now() + retry_delay(
            attempts=delivery.attempts, retry_after=error.retry_after
        )
        self.report.retrying += Delivery.objects.filter(self.ours([delivery.pk])).update(
            status=Status.PENDING,
            due_at=when,
            lease_until=None,
            claimed_by="",
            dispatched_at=None,
            last_error=str(error)[:500],
        )
        logger.info("delivery %s will be retried at %s: %s", delivery.pk, when, error)


class _SendTimeCheck:
    """Asks the guards about the messages of one channel still to send: on the first send, and
    again once the last answer is older than SEND_CHECK_MAX_AGE (a slow provider)."""

    def __init__(self, messages: list[Message]) -> None:
        kinds = guarded_kinds()
        self.pending = {message.pk: message for message in messages if message.kind in kinds}
        self.stale: set[int] = set()
        self.checked_at: float | None = None

    def is_stale(self, message: Message) -> bool:
        if message.pk not in self.pending:
            return False
        now = time.monotonic()
        if self.checked_at is None or now - self.checked_at > SEND_CHECK_MAX_AGE:
            self.stale = stale_message_ids(self.pending.values())
            self.checked_at = now
        del self.pending[message.pk]
        return message.pk in self.stale


def deliveries_send(*, delivery_ids: Sequence[int], claimed_by: str | None = None) -> SendReport:
    """Send the given deliveries that are due and not taken by another worker.

    `claimed_by` names the caller (the Celery task id); the same name may resume rows it had
    claimed before it was interrupted. Safe to call any number of times with the same ids.
    """
    claimed_by = claimed_by or f"direct-{uuid.uuid4()}"
    report = SendReport()
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    report.claimed = (
        Delivery.objects.filter(pk__in=list(delivery_ids))
        .filter(_claimable(now=now, claimed_by=claimed_by))
        .update(
            status=Status.SENDING,
            lease_until=lease_until,
            claimed_by=claimed_by,
            attempts=F("attempts") + 1,
            dispatched_at=None,
        )
    )
    if not report.claimed:
        return report
    deliveries = list(
        Delivery.objects.filter(
            pk__in=list(delivery_ids), status=Status.SENDING, claimed_by=claimed_by
        )
        .select_related("message__user__profile")
        .order_by("pk")
    )
    batch = _Batch(claimed_by, report)
    by_channel: dict[str, list[Delivery]] = defaultdict(list)
    unwanted: list[int] = []
    for delivery in deliveries:
        if _profile_wants(delivery.message.user, delivery.channel):
            by_channel[delivery.channel].append(delivery)
        else:
            unwanted.append(delivery.pk)
    batch.finish(unwanted, Status.SKIPPED, error="switched off in the person's preferences")
    report.by_channel = {channel: len(items) for channel, items in by_channel.items()}
    _send_in_app(batch, by_channel[Channel.IN_APP])
    _send_emails(batch, by_channel[Channel.EMAIL])
    _send_pushes(batch, by_channel[Channel.PUSH])
    return report


def _send_in_app(batch: _Batch, deliveries: list[Delivery]) -> None:
    if not deliveries:
        return
    rows: list[Notification] = []
    broken: list[int] = []
    for delivery in deliveries:
        message = delivery.message
        try:
            content = render_in_app(
                kind=message.kind, user=message.user, context=message.context, url=message.url
            )
        except RENDER_ERRORS:
            logger.exception("in-app delivery %s could not be rendered", delivery.pk)
            broken.append(delivery.pk)
            continue
        rows.append(
            Notification(
                user_id=message.user_id,
                message_id=message.pk,
                kind=message.kind,
                title=content.title,
                body=content.body,
                url=message.url,
                data=message.context,
            )
        )
    batch.finish(broken, Status.FAILED, error="template could not be rendered")
    kinds = guarded_kinds()
    with transaction.atomic():
        guarded = [d.message for d in deliveries if d.message.kind in kinds]
        # Checked under the guard's locks: a cancel commits before (stale) or after (sent).
        stale = stale_message_ids(guarded, lock=True) if guarded else set()
        stale_ids = [d.pk for d in deliveries if d.message_id in stale]
        batch.finish(stale_ids, Status.CANCELLED, error=STALE_ERROR)
        # Unique per message: a row written by an earlier, interrupted attempt stays the one.
        Notification.objects.bulk_create(
            [row for row in rows if row.message_id not in stale], ignore_conflicts=True
        )
        batch.finish(_ids_of(deliveries, [*broken, *stale_ids]), Status.SENT)


def _ids_of(deliveries: list[Delivery], excluded: list[int]) -> list[int]:
    skip = set(excluded)
    return [delivery.pk for delivery in deliveries if delivery.pk not in skip]


def _send_emails(batch: _Batch, deliveries: list[Delivery]) -> None:
    if not deliveries:
        return
    check = _SendTimeCheck([delivery.message for delivery in deliveries])
    connection = get_connection(fail_silently=False)
    try:
        for delivery in deliveries:
            message = delivery.message
            if check.is_stale(message):
                batch.finish([delivery.pk], Status.CANCELLED, error=STALE_ERROR)
                continue
            try:
                content = render_email(
                    kind=message.kind, user=message.user, context=message.context, url=message.url
                )
                send_email(
                    to=message.user.email,
                    content=content,
                    idempotency_key=delivery.idempotency_key,
                    connection=connection,
                )
            except TransientSendError as exc:
                batch.retry_later(delivery, exc)
            except PermanentSendError as exc:
                logger.warning("email delivery %s failed: %s", delivery.pk, exc)
                batch.finish([delivery.pk], Status.FAILED, error=str(exc)[:500])
            except RENDER_ERRORS:
                logger.exception("email delivery %s could not be rendered", delivery.pk)
                batch.finish([delivery.pk], Status.FAILED, error="template could not be rendered")
            else:
                # Marked right after the send, not at the end of the batch: a crash repeats
                # at most this one email.
                batch.finish([delivery.pk], Status.SENT)
    finally:
        connection.close()


def _devices_by_user(user_ids: set[int]) -> dict[int, list[Device]]:
    devices: dict[int, list[Device]] = defaultdict(list)
    for device in Device.objects.filter(user_id__in=user_ids).order_by("pk"):
        devices[device.user_id].append(device)
    return devices


def _send_pushes(batch: _Batch, deliveries: list[Delivery]) -> None:
    if not deliveries:
        return
    try:
        sender = get_push_sender()
    except (ValueError, OSError) as exc:
        # Misconfigured credentials: an operator can fix them; the attempt limit bounds this.
        logger.exception("push sender unavailable")
        for delivery in deliveries:
            batch.retry_later(delivery, TransientSendError(f"push sender unavailable: {exc}"))
        return
    devices = _devices_by_user({delivery.message.user_id for delivery in deliveries})
    check = _SendTimeCheck([delivery.message for delivery in deliveries])
    for delivery in deliveries:
        message = delivery.message
        if check.is_stale(message):
            batch.finish([delivery.pk], Status.CANCELLED, error=STALE_ERROR)
            continue
        targets = devices.get(message.user_id, [])
        if not targets:
            batch.finish([delivery.pk], Status.SKIPPED, error="no registered device")
            continue
        try:
            content = render_push(
                kind=message.kind, user=message.user, context=message.context, url=message.url
            )
        except RENDER_ERRORS:
            logger.exception("push delivery %s could not be rendered", delivery.pk)
            batch.finish([delivery.pk], Status.FAILED, error="template could not be rendered")
            continue
        accepted, transient, permanent = 0, None, None
        for device in targets:
            try:
                sender.send(
                    PushMessage(
                        token=device.token,
                        platform=device.platform,
                        title=content.title,
                        body=content.body,
                        idempotency_key=delivery.idempotency_key,
                        kind=message.kind,
                        url=absolute_url(message.url),
                    )
                )
                accepted += 1
            except InvalidDeviceToken as exc:
                logger.info("forgetting dead push token of device %s: %s", device.pk, exc)
                Device.objects.filter(pk=device.pk, token=device.token).delete()
            except TransientSendError as exc:
                transient = exc
            except SendError as exc:
                permanent = exc
        if transient is not None:
            # Devices that accepted get it again on retry with the same key and tag: shown once.
            batch.retry_later(delivery, transient)
        elif accepted:
            batch.finish([delivery.pk], Status.SENT)
        elif permanent is not None:
            batch.finish([delivery.pk], Status.FAILED, error=str(permanent)[:500])
        else:
            batch.finish([delivery.pk], Status.SKIPPED, error="every device token was dead")


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@transaction.atomic
def deliveries_dispatch_due(
    *, limit: int | None = None, batch_size: int | None = None
) -> DispatchReport:
    """Pick what is due (or abandoned by a dead worker) in bulk and split it into batches.

    The rows are stamped `dispatched_at`, so the next scan does not hand them out again while
    their batch waits in the queue; a batch lost on the way is handed out again after
    NOTIFICATIONS_REDISPATCH_SECONDS. `FOR UPDATE SKIP LOCKED` keeps two overlapping scans
    apart. The caller enqueues the batches after this transaction commits.
    """
    now = timezone.now()
    limit = limit or settings.NOTIFICATIONS_SCAN_LIMIT
    batch_size = batch_size or settings.NOTIFICATIONS_BATCH_SIZE
    # A row whose workers kept dying on it: stop, do not loop forever.
    given_up = Delivery.objects.filter(
        status=Status.SENDING,
        lease_until__lt=now,
        attempts__gte=settings.NOTIFICATIONS_MAX_ATTEMPTS,
    ).update(status=Status.FAILED, lease_until=None, last_error="gave up after repeated crashes")
    not_recently_dispatched = Q(dispatched_at__isnull=True) | Q(
        dispatched_at__lt=now - timedelta(seconds=settings.NOTIFICATIONS_REDISPATCH_SECONDS)
    )
    due = (
        Q(status=Status.PENDING, due_at__lte=now) | Q(status=Status.SENDING, lease_until__lt=now)
    ) & not_recently_dispatched
    ids = list(
        Delivery.objects.select_for_update(skip_locked=True)
        .filter(due)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        Delivery.objects.filter(pk__in=ids).update(dispatched_at=now)
    return DispatchReport(batches=list(_chunks(ids, batch_size)), given_up=given_up)

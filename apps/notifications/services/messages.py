"""`notify()`: record what must be told, to whom, on which channels; deliver after commit."""

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications.models import Channel, Delivery, Kind, Message

logger = logging.getLogger(__name__)


class IdempotencyKeyReused(ValueError):
    """The same key was used for a different person or kind: a bug in the caller's key."""


def channels_for(user: User) -> list[Channel]:
    """In-app always; email and push as the person chose (a missing profile means defaults)."""
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        profile = None
    channels = [Channel.IN_APP]
    if not user.is_active:
        return channels
    if user.email and (profile is None or profile.notify_email):
        channels.append(Channel.EMAIL)
    if profile is None or profile.notify_push:
        channels.append(Channel.PUSH)
    return channels


def _json_context(context: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(json.dumps(dict(context)))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "notify() context must be JSON (strings, numbers, lists, dicts); format dates "
            f"in the place's local time before passing them: {exc}"
        ) from exc
    return data


@transaction.atomic
def notify(
    *,
    user: User,
    kind: Kind | str,
    context: Mapping[str, Any],
    idempotency_key: str,
    url: str = "",
    due_at: datetime | None = None,
) -> Message:
    """Tell `user` something, once per `idempotency_key`, on the channels they chose.

    `context` is JSON for the kind's template and is also shown to the recipient as the
    in-app notification's `data` (ids, local times): never put other people's private details
    in it. Writes the message and one delivery per channel in the caller's transaction; sending is
    queued only after that transaction commits. A second call with the same key returns the
    first message and changes nothing. `due_at` in the future holds the message until then
    (the periodic scan sends it); reminders use this instead of a Celery ETA.
    """
    kind = Kind(kind)
    now = timezone.now()
    due = due_at or now
    message, created = Message.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "user": user,
            "kind": kind,
            "context": _json_context(context),
            "url": url,
            "due_at": due,
        },
    )
    if not created:
        if message.user_id != user.pk or message.kind != kind:
            raise IdempotencyKeyReused(
                f"key {idempotency_key!r} already belongs to a {message.kind} message "
                f"for user {message.user_id}"
            )
        return message
    send_now = due <= now
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            message=message,
            channel=channel,
            due_at=due,
            dispatched_at=now if send_now else None,
        )
        for channel in channels_for(user)
    )
    if send_now:
        enqueue_after_commit([delivery.pk for delivery in deliveries])
    return message


@dataclass(frozen=True)
class Notice:
    """One message for `notify_many()`: the same arguments as `notify()`, by user id."""

    user_id: int
    kind: Kind | str
    idempotency_key: str
    context: Mapping[str, Any] = field(default_factory=dict)
    url: str = ""
    due_at: datetime | None = None


NOTIFY_MANY_CHUNK = 1000


def notify_many(*, notices: Sequence[Notice]) -> list[int]:
    """`notify()` for many messages at once (periodic scans: reminders, feedback prompts).

    Same promise: once per idempotency key (a key seen before is left exactly as it is, sent or
    cancelled), on each person's chosen channels, written in the caller's transaction and sent
    after commit when due (else by the periodic scan at `due_at`). Keys are inserted in sorted
    order, so two overlapping scans wait for each other instead of deadlocking. Three queries per
    chunk of NOTIFY_MANY_CHUNK notices whatever the size. Returns the ids of the new messages.
    """
    unique = {notice.idempotency_key: notice for notice in notices}
    ordered = [unique[key] for key in sorted(unique)]
    new_ids: list[int] = []
    with transaction.atomic():
        for start in range(0, len(ordered), NOTIFY_MANY_CHUNK):
            new_ids += _notify_chunk(ordered[start : start + NOTIFY_MANY_CHUNK])
    return new_ids


def _notify_chunk(notices: list[Notice]) -> list[int]:
    now = timezone.now()
    users = User.objects.select_related("profile").in_bulk({n.user_id for n in notices})
    notices = [notice for notice in notices if notice.user_id in users]
    if not notices:
        return []
    dues = [notice.due_at or now for notice in notices]
    table = Message._meta.db_table
    # INSERT … ON CONFLICT DO NOTHING RETURNING: only the rows this call created come back, so
    # a key written earlier (by a retried task, a second worker or a double beat tick) gets no
    # new deliveries. (bulk_create(ignore_conflicts=True) cannot say which rows were new.)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (user_id, kind, idempotency_key, context, url, due_at, created_at)
            SELECT u, k, i, c::jsonb, l, d, %s
              FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[],
                          %s::timestamptz[]) AS n(u, k, i, c, l, d)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id, idempotency_key
            """,  # noqa: S608 - the table name is ours; values are parameters
            [
                now,
                [notice.user_id for notice in notices],
                [Kind(notice.kind).value for notice in notices],
                [notice.idempotency_key for notice in notices],
                [json.dumps(_json_context(notice.context)) for notice in notices],
                [notice.url for notice in notices],
                dues,
            ],
        )
        created = {key: pk for pk, key in cursor.fetchall()}
    deliveries: list[Delivery] = []
    for notice, due in zip(notices, dues, strict=True):
        message_id = created.get(notice.idempotency_key)
        if message_id is None:
            continue
        send_now = due <= now
        deliveries += [
            Delivery(
                message_id=message_id,
                channel=channel,
                due_at=due,
                dispatched_at=now if send_now else None,
            )
            for channel in channels_for(users[notice.user_id])
        ]
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        due_now = [delivery.pk for delivery in deliveries if delivery.dispatched_at is not None]
        batch_size = settings.NOTIFICATIONS_BATCH_SIZE
        for start in range(0, len(due_now), batch_size):
            enqueue_after_commit(due_now[start : start + batch_size])
    return list(created.values())


def enqueue_after_commit(delivery_ids: list[int]) -> None:
    from apps.notifications.tasks import send_deliveries_task

    def enqueue() -> None:
        send_deliveries_task.delay(delivery_ids)

    # robust: the rows are committed already; if the broker is down, the periodic scan sends
    # them later, and the caller's request must not fail because of it.
    transaction.on_commit(enqueue, robust=True)


@transaction.atomic
def messages_cancel(*, idempotency_keys: Iterable[str]) -> int:
    """Withdraw messages not sent yet (a cancelled RSVP's reminders). Returns deliveries cancelled.

    A delivery a worker is sending at this moment still goes out; everything still pending
    does not.
    """
    return Delivery.objects.filter(
        message__idempotency_key__in=list(idempotency_keys), status=Delivery.Status.PENDING
    ).update(status=Delivery.Status.CANCELLED, lease_until=None)

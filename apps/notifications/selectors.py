"""Reads of the notifications app."""

from collections.abc import Iterable

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.notifications.models import Device, Message, Notification


def notification_list_for(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The person's in-app notifications, newest first; `unread=True` only the unread ones."""
    notifications = Notification.objects.filter(user=user).order_by("-created_at", "-id")
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    return notifications


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def device_list_for(*, user: User) -> QuerySet[Device]:
    return Device.objects.filter(user=user).order_by("pk")


def message_keys_existing(*, keys: Iterable[str], chunk: int = 2000) -> set[str]:
    """Which of these idempotency keys have a message already (sent, pending or cancelled):
    lets a periodic scan skip what it wrote on an earlier tick without writing again. One
    index lookup per `chunk` keys."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), chunk):
        found.update(
            Message.objects.filter(idempotency_key__in=wanted[start : start + chunk]).values_list(
                "idempotency_key", flat=True
            )
        )
    return found

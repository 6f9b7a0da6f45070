"""Reads of the notifications app."""

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.notifications.models import Device, Notification


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

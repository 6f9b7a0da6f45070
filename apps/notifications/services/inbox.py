"""In-app notifications as the person handles them."""

from collections.abc import Collection

from django.utils import timezone

from apps.accounts.models import User
from apps.notifications.models import Notification


def notifications_mark_read(*, user: User, ids: Collection[int] | None = None) -> int:
    """Mark the caller's notifications read (all of them when `ids` is None). Ids of other
    people's notifications are ignored. Returns how many changed; repeating changes nothing."""
    notifications = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        notifications = notifications.filter(pk__in=list(ids))
    return notifications.update(read_at=timezone.now())

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.notifications.selectors import notification_unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications`: the signed-in person's unread count, queried only if a template
    actually shows it (the header nav does)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: notification_unread_count(user=user))}

"""Writes of the notifications app. Other apps call `notify()` (and `messages_cancel()`)."""

from apps.notifications.services.delivery import (
    DispatchReport,
    SendReport,
    deliveries_dispatch_due,
    deliveries_send,
)
from apps.notifications.services.devices import device_delete, device_register
from apps.notifications.services.inbox import notifications_mark_read
from apps.notifications.services.messages import (
    IdempotencyKeyReused,
    Notice,
    channels_for,
    messages_cancel,
    notify,
    notify_many,
)

__all__ = [
    "DispatchReport",
    "IdempotencyKeyReused",
    "Notice",
    "SendReport",
    "channels_for",
    "deliveries_dispatch_due",
    "deliveries_send",
    "device_delete",
    "device_register",
    "messages_cancel",
    "notifications_mark_read",
    "notify",
    "notify_many",
]

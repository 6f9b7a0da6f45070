"""Startup checks for the invariants exactly-once delivery relies on (docs/adr/0020)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from apps.core.celery_utils import visibility_timeout_seconds


@register()
def delivery_timing(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    hard_limit = settings.CELERY_TASK_TIME_LIMIT
    if hard_limit >= settings.NOTIFICATIONS_LEASE_SECONDS:
        errors.append(
            Error(
                "NOTIFICATIONS_LEASE_SECONDS must exceed CELERY_TASK_TIME_LIMIT, or a slow "
                "batch could be claimed again while its first worker is still sending.",
                id="notifications.E001",
            )
        )
    if hard_limit >= visibility_timeout_seconds():
        errors.append(
            Error(
                "CELERY_TASK_TIME_LIMIT must stay below the broker visibility_timeout, or a "
                "late-acknowledged task still running is handed to a second worker.",
                id="notifications.E002",
            )
        )
    return errors

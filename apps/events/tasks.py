"""Celery adapters for the events app's periodic work (docs/adr/0050): thin, idempotent.

Both scans are safe to run twice or concurrently (reminders are unique by key, completion takes
rows with SKIP LOCKED in one transaction with its prompts), so they acknowledge late and are
re-queued when their worker dies. Only infrastructure errors are retried by Celery.
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from apps.core.celery_utils import GuardedTask
from apps.events.services import reminders

logger = logging.getLogger(__name__)

IDEMPOTENT = {
    "base": GuardedTask,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="events.schedule_due_reminders", **IDEMPOTENT)
def schedule_due_reminders_task() -> int:
    report = reminders.reminders_schedule_due()
    if report.written:
        logger.info("wrote %s reminders (%s due in the window)", report.written, report.due)
    return report.written


@shared_task(name="events.complete_ended_events", **IDEMPOTENT)
def complete_ended_events_task() -> int:
    total = 0
    while True:
        report = reminders.events_complete_ended()
        total += report.completed
        if report.completed:
            logger.info(
                "completed %s events, %s feedback prompts", report.completed, report.prompts
            )
        if report.completed < reminders.completion_batch():
            return total

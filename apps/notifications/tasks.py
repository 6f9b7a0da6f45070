"""Celery adapters for notifications: primitive ids in, one service call, retry policy here.

Both tasks are safe to run twice (claims and `dispatched_at` stamps), so they acknowledge
late and are re-queued when their worker process dies (docs/adr/0020).
"""

import logging
import uuid
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from apps.core.celery_utils import GuardedTask
from apps.notifications import services

logger = logging.getLogger(__name__)

# Only infrastructure blips are retried by Celery (a dropped database connection); what a
# provider says about one message is handled per delivery, in the database.
TRANSIENT_INFRASTRUCTURE = (OperationalError, InterfaceError)
IDEMPOTENT = {
    "base": GuardedTask,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "autoretry_for": TRANSIENT_INFRASTRUCTURE,
    "retry_backoff": 5,
    "retry_backoff_max": 300,  # well below the broker's visibility timeout
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(bind=True, name="notifications.send_deliveries", **IDEMPOTENT)
def send_deliveries_task(self: Any, delivery_ids: list[int]) -> dict[str, int]:
    claimed_by = self.request.id or f"direct-{uuid.uuid4()}"
    report = services.deliveries_send(delivery_ids=delivery_ids, claimed_by=claimed_by)
    return {
        "claimed": report.claimed,
        "sent": report.sent,
        "skipped": report.skipped,
        "retrying": report.retrying,
        "failed": report.failed,
        "cancelled": report.cancelled,
    }


@shared_task(name="notifications.dispatch_due_deliveries", **IDEMPOTENT)
def dispatch_due_deliveries_task() -> int:
    report = services.deliveries_dispatch_due()
    for batch in report.batches:
        # The scan's transaction has committed: the stamps are visible to the workers.
        send_deliveries_task.delay(batch)
    if report.count or report.given_up:
        logger.info(
            "dispatched %s due deliveries in %s batches; gave up on %s",
            report.count,
            len(report.batches),
            report.given_up,
        )
    return report.count

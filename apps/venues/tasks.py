"""Celery adapters over apps.venues.services. Routed to the `venues` queue (settings)."""

import logging

from celery import shared_task
from celery.app.task import Task

from apps.core.celery_utils import visibility_timeout_seconds
from apps.venues import services
from apps.venues.models import ImportRun, Region
from apps.venues.providers.records import SourceError, SourceUnavailable

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="venues.refresh_venues",
    acks_late=True,
    max_retries=5,
    # A big region's download and upsert may take minutes; well below the broker's visibility
    # timeout, so a late-acked message is not handed to a second worker while this one works.
    soft_time_limit=15 * 60,
    time_limit=16 * 60,
)
def refresh_venues_task(
    self: Task, region_id: int, trigger: str = ImportRun.Trigger.SCHEDULE
) -> str:
    """Refresh one region. Safe to run twice: the upsert is by natural key, and the region lock
    turns an overlapping second run into a recorded no-op."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return "gone"
    try:
        run = services.region_refresh(region=region, trigger=trigger)
    except SourceUnavailable as exc:
        # Transient (network, 429/5xx, Overpass overloaded): try again later, backing off,
        # or after the server's Retry-After. The failed attempt is already an ImportRun.
        # Capped well below the broker's visibility timeout (docs/adr/0020).
        countdown = exc.retry_after or 60 * 2**self.request.retries
        cap = visibility_timeout_seconds() / 2
        raise self.retry(exc=exc, countdown=min(countdown, cap)) from exc
    except SourceError as exc:
        # Bad or empty data, or a refused shrink: retrying will not help; the run says why.
        logger.warning("Refresh of region %s failed: %s", region, exc.detail)
        return ImportRun.Status.FAILED
    return run.status


@shared_task(name="venues.refresh_due_regions")
def refresh_due_regions_task() -> list[int]:
    """Beat: queue a refresh for each region whose interval has passed."""
    claimed = services.regions_claim_due()
    for region_id in claimed:
        refresh_venues_task.delay(region_id)
    return claimed

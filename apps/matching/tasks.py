"""Celery adapters over apps.matching.services, routed to the `matching` queue by name.

A round as a chord: `matching.run_round` (claim, read the input, cut cells) sends one
`matching.solve_cell` per cell with its cell's problem as JSON (zlib-compressed messages), and
`matching.merge_round` receives every cell's groups, merges and saves. `matching.fail_round`
records a failed chord at once (the stale-round sweep would otherwise find it after the lease).

Safe to run twice, hence `acks_late`: `run_round` claims the round's row (a redelivery finds it
running or done and stops); `solve_cell` is pure; `merge_round` saves once under the round's
lock and then only asks again to tell people; `notify_round` tells each person once (by
notification key, and `notified_at`).
"""

import logging
from datetime import datetime
from typing import Any

from celery import chord, group, shared_task
from django.conf import settings

from apps.matching import services
from apps.matching.models import Round
from apps.venues.models import Region

logger = logging.getLogger(__name__)

# The heavy tasks may run for minutes on a big region; both limits stay well below the broker's
# visibility timeout (a late-acked message must not reach a second worker while the first works).
HEAVY = {
    "soft_time_limit": settings.MATCHING_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.MATCHING_TASK_SOFT_TIME_LIMIT + 60,
}


@shared_task(name="matching.schedule_rounds")
def schedule_rounds_task() -> int:
    """Beat (daily by default): one `matching.run_round` per active region."""
    return services.rounds_schedule()


@shared_task(name="matching.run_round", acks_late=True, **HEAVY)
def run_round_task(
    region_id: int, window_start: str, window_end: str, trigger: str = "schedule"
) -> int | None:
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return None
    round_ = services.round_dispatch(
        region=region,
        window_start=datetime.fromisoformat(window_start),
        window_end=datetime.fromisoformat(window_end),
        trigger=Round.Trigger(trigger),
    )
    return round_.pk


@shared_task(name="matching.solve_cell", acks_late=True, **HEAVY)
def solve_cell_task(cell: dict[str, Any], cell_index: int) -> dict[str, Any]:
    return services.cell_solve(cell=cell, cell_index=cell_index)


@shared_task(name="matching.merge_round", acks_late=True, **HEAVY)
def merge_round_task(solutions: list[dict[str, Any]], round_id: int) -> int:
    return services.round_merge(round_id=round_id, solutions=solutions).pk


@shared_task(name="matching.notify_round", acks_late=True, **HEAVY)
def notify_round_task(round_id: int, pk_from: int, pk_to: int) -> int:
    """Tell the members `pk_from`..`pk_to` of a saved round (each once, by key)."""
    round_ = Round.objects.filter(pk=round_id).first()
    if round_ is None:
        return 0
    return services.round_notify(round_=round_, pk_from=pk_from, pk_to=pk_to)


@shared_task(name="matching.fail_round")
def fail_round_task(request: Any, exc: BaseException, traceback: Any, round_id: int) -> None:
    """The chord's error callback (Celery calls it with the failed request and exception)."""
    logger.error("Matching round %s failed in a cell or the merge: %r", round_id, exc)
    services.round_fail(round_id=round_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(name="matching.scan")
def scan_task() -> dict[str, int]:
    """Beat (every few minutes): expire lapsed proposals (confirming groups that made it),
    remind people whose time to answer runs out, and fail rounds whose run died."""
    counts = services.suggestions_expire_due()
    counts["reminded"] = services.suggestions_remind_due()
    counts["stale_rounds"] = services.rounds_fail_stale()
    return counts


def send_round_chord(*, round_id: int, cells: list[dict[str, Any]]) -> None:
    """One `solve_cell` per cell, then `merge_round` with all their results (in cell order)."""
    header = group(
        solve_cell_task.s(cell, index).set(compression="zlib") for index, cell in enumerate(cells)
    )
    body = merge_round_task.s(round_id).on_error(fail_round_task.s(round_id))
    chord(header)(body)

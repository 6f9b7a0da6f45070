"""Celery helpers every app's tasks use (docs/adr/0020).

With Redis as the broker, a message that is not acknowledged within the transport's
`visibility_timeout` is handed to another worker. A task published with an ETA or countdown
sits unacknowledged in a worker until it is due, so an ETA beyond the visibility timeout is
delivered again and again (a known Celery pitfall). `GuardedTask` refuses to publish such a
task: long waits belong in the database (a `due_at` column and a periodic scan).

Use it for every MatchUp task: `@shared_task(base=GuardedTask, name="app.verb_noun", ...)`.
It extends Celery's `DjangoTask`, so `delay_on_commit()` is there too. Celery's own retries
(`self.retry(countdown=…)`, `autoretry_for` with `retry_backoff`) publish through
`apply_async` and are checked as well; keep `retry_backoff_max` below the timeout.
"""

from datetime import UTC, datetime
from typing import Any

from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.utils import timezone


class EtaBeyondVisibilityTimeout(ValueError):
    """A task was to wait in the broker longer than the broker keeps it invisible."""


def visibility_timeout_seconds() -> float:
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    return float(options.get("visibility_timeout", 3600))


def check_eta(*, countdown: float | None = None, eta: datetime | str | None = None) -> None:
    """Raise EtaBeyondVisibilityTimeout if a countdown/ETA would outlive the visibility timeout."""
    limit = visibility_timeout_seconds()
    delays: list[float] = []
    if countdown is not None:
        delays.append(float(countdown))
    if eta is not None:
        when = datetime.fromisoformat(eta) if isinstance(eta, str) else eta
        if timezone.is_naive(when):
            when = when.replace(tzinfo=UTC)
        delays.append((when - timezone.now()).total_seconds())
    for delay in delays:
        if delay > limit:
            raise EtaBeyondVisibilityTimeout(
                f"A task may wait at most {limit:.0f} s in the broker (visibility_timeout); "
                f"this one would wait {delay:.0f} s. Store the due time in the database and let "
                "a periodic scan pick it up instead."
            )


class GuardedTask(DjangoTask):  # type: ignore[misc]  # Celery is untyped
    def apply_async(
        self, args: Any = None, kwargs: Any = None, task_id: Any = None, *rest: Any, **options: Any
    ) -> Any:
        check_eta(countdown=options.get("countdown"), eta=options.get("eta"))
        return super().apply_async(args, kwargs, task_id, *rest, **options)

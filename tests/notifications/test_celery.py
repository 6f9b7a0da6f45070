"""Celery plumbing: queues, late acks, the ETA guard and the single beat."""

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from celery.exceptions import Reject
from django.conf import settings as django_settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from pytest_django import Settings

from apps.core.celery_utils import EtaBeyondVisibilityTimeout, check_eta
from apps.notifications.tasks import dispatch_due_deliveries_task, send_deliveries_task
from matchup.beat import SingleBeatScheduler
from matchup.celery import app


def test_notification_tasks_go_to_their_own_queue() -> None:
    route = app.amqp.router.route({}, "notifications.send_deliveries")

    assert route["queue"].name == "notifications"
    assert app.amqp.router.route({}, "venues.refresh_area")["queue"].name == "venues"
    assert app.amqp.router.route({}, "matching.run_round")["queue"].name == "matching"
    assert app.amqp.router.route({}, "accounts.other")["queue"].name == "celery"


@pytest.mark.parametrize("task", [send_deliveries_task, dispatch_due_deliveries_task])
def test_delivery_tasks_are_late_acked_and_requeued_when_their_worker_dies(task: Any) -> None:
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert (
        task.retry_backoff_max
        < django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    )


def test_only_infrastructure_errors_are_retried_by_celery() -> None:
    from django.db import InterfaceError, OperationalError

    from apps.notifications.channels import PermanentSendError, TransientSendError

    assert set(send_deliveries_task.autoretry_for) == {OperationalError, InterfaceError}
    assert not issubclass(PermanentSendError, send_deliveries_task.autoretry_for)
    assert not issubclass(TransientSendError, send_deliveries_task.autoretry_for)


def test_a_countdown_beyond_the_visibility_timeout_is_refused(settings: Settings) -> None:
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

    with pytest.raises(EtaBeyondVisibilityTimeout, match="3600"):
        send_deliveries_task.apply_async(args=[[1]], countdown=3601)


def test_an_eta_beyond_the_visibility_timeout_is_refused(settings: Settings) -> None:
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

    with pytest.raises(EtaBeyondVisibilityTimeout):
        send_deliveries_task.apply_async(args=[[1]], eta=timezone.now() + timedelta(days=1))


def test_a_retry_countdown_beyond_the_visibility_timeout_is_refused(settings: Settings) -> None:
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60}

    # As inside a worker executing the task (retry() outside a worker does not publish).
    send_deliveries_task.push_request(
        id="task-1", args=[[1]], kwargs={}, retries=0, called_directly=False, delivery_info={}
    )
    try:
        # Celery turns a failed retry publish into a Reject carrying the reason.
        with pytest.raises(Reject) as caught:
            send_deliveries_task.retry(countdown=61, throw=False)
        assert isinstance(caught.value.reason, EtaBeyondVisibilityTimeout)
    finally:
        send_deliveries_task.pop_request()


def test_short_countdowns_are_allowed(settings: Settings) -> None:
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

    check_eta(countdown=3599)
    check_eta(eta=timezone.now() + timedelta(minutes=59))
    check_eta(eta=(timezone.now() + timedelta(minutes=59)).isoformat())


# --- exactly one beat -----------------------------------------------------------------------
@pytest.fixture
def beat_lock(settings: Settings) -> Iterator[str]:
    key = f"test-beat-lock-{timezone.now().timestamp()}"
    settings.BEAT_LOCK_KEY = key
    settings.BEAT_LOCK_TTL_SECONDS = 30
    yield key
    redis.Redis.from_url(settings.BEAT_LOCK_URL).delete(key)


class CountingScheduler(SingleBeatScheduler):
    """Records what it would send instead of publishing (the lock and the DB are real)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sent: list[str] = []
        super().__init__(*args, **kwargs)

    def apply_async(
        self, entry: Any, producer: Any = None, advance: bool = True, **kwargs: Any
    ) -> None:
        self.sent.append(entry.name)


@pytest.fixture
def every_second_task() -> str:
    """A periodic task that is due now and every second after (stored like admin-made ones)."""
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="test-every-second",
        task="notifications.dispatch_due_deliveries",
        interval=every_second,
        last_run_at=timezone.now() - timedelta(minutes=1),
    )
    return "test-every-second"


def run_ticks(scheduler: CountingScheduler, ticks: int = 5) -> None:
    for _ in range(ticks):
        scheduler.tick()


@pytest.mark.django_db(transaction=True)
def test_two_beats_only_one_ticks(beat_lock: str, every_second_task: str) -> None:
    first = CountingScheduler(app=app)
    second = CountingScheduler(app=app)

    run_ticks(first)
    run_ticks(second)

    assert first.holds_lock
    assert not second.holds_lock
    assert every_second_task in first.sent
    assert second.sent == []
    scan = PeriodicTask.objects.get(name="notifications-dispatch-due")
    assert scan.enabled
    assert scan.task == "notifications.dispatch_due_deliveries"
    assert scan.expire_seconds == 25
    first.close()
    second.close()


@pytest.mark.django_db(transaction=True)
def test_a_standby_beat_takes_over_when_the_holder_stops(
    beat_lock: str, every_second_task: str
) -> None:
    first = CountingScheduler(app=app)
    second = CountingScheduler(app=app)
    run_ticks(first)

    first.close()
    time.sleep(1.1)
    run_ticks(second)

    assert second.holds_lock
    assert every_second_task in second.sent
    second.close()


@pytest.mark.django_db(transaction=True)
def test_a_beat_that_lost_its_lock_stops_ticking(beat_lock: str, settings: Settings) -> None:
    first = CountingScheduler(app=app)
    run_ticks(first, 1)
    # The lock expired (a long pause) and another beat took it.
    client = redis.Redis.from_url(settings.BEAT_LOCK_URL)
    client.set(beat_lock, "someone-else")
    first._renewed_at = 0.0
    sent_before = len(first.sent)

    run_ticks(first)

    assert not first.holds_lock
    assert len(first.sent) == sent_before
    first.close()


@pytest.mark.django_db(transaction=True)
def test_the_holder_renews_its_lock_while_ticking(beat_lock: str, settings: Settings) -> None:
    first = CountingScheduler(app=app)
    run_ticks(first, 1)
    client = redis.Redis.from_url(settings.BEAT_LOCK_URL)
    client.pexpire(beat_lock, 1000)
    first._renewed_at = 0.0

    run_ticks(first, 1)

    assert client.pttl(beat_lock) > 25_000
    first.close()

"""End to end with a REAL Celery worker process, the real Redis broker and the test database.

The fault test kills the worker with SIGKILL in the middle of a delivery batch and shows that
after a restart and a scan nothing is lost and nothing is delivered twice: in-app rows are
exactly once by construction, and of the email/push sends at most the one in flight at the
kill repeats, with the same idempotency key (the provider drops it).
"""

import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django import Settings

from apps.accounts.models import User
from apps.notifications.models import Channel, Delivery, Notification
from apps.notifications.tasks import dispatch_due_deliveries_task
from tests.celery_worker import RealWorker, wait_until
from tests.factories.notifications import DeviceFactory
from tests.notifications.fake_fcm import FakeFcm

pytestmark = pytest.mark.django_db(transaction=True)

KEY_HEADER = re.compile(r"^X-MatchUp-Idempotency-Key: (\S+)$", re.MULTILINE)


def emails_by_key(mail_dir: Path) -> Counter[str]:
    keys: Counter[str] = Counter()
    for path in mail_dir.glob("*.log") if mail_dir.exists() else []:
        keys.update(KEY_HEADER.findall(path.read_text(errors="replace")))
    return keys


def statuses() -> Counter[str]:
    return Counter(Delivery.objects.values_list("status", flat=True))


def all_sent(expected: int) -> Callable[[], bool]:
    return lambda: Delivery.objects.filter(status=Delivery.Status.SENT).count() == expected


def test_a_real_worker_delivers_in_app_and_email_end_to_end(
    alice: User, remind: Callable, real_worker: Callable[..., RealWorker], tmp_path: Path
) -> None:
    alice.profile.notify_push = False
    alice.profile.save()
    mail_dir = tmp_path / "worker-mail"
    real_worker(queues=["notifications"], env={"EMAIL_FILE_PATH": str(mail_dir)})

    message = remind(alice)  # committed: the task is published after commit

    assert wait_until(all_sent(2), timeout=30), statuses()
    notification = Notification.objects.get(message=message)
    assert notification.user == alice
    assert notification.title == "Tomorrow: Board games night"
    email = message.deliveries.get(channel=Channel.EMAIL)
    assert emails_by_key(mail_dir) == {email.idempotency_key: 1}


def test_killing_the_worker_mid_batch_loses_nothing_and_doubles_nothing(
    alice: User,
    remind: Callable,
    real_worker: Callable[..., RealWorker],
    fake_fcm: FakeFcm,
    fcm_credentials: Path,
    settings: Settings,
    tmp_path: Path,
) -> None:
    count = 20
    DeviceFactory(user=alice, token="phone-of-alice")
    mail_dir = tmp_path / "worker-mail"
    # Short limits so the test waits seconds, not minutes; same invariants as production:
    # soft < hard time limit < lease, hard time limit < visibility timeout.
    env = {
        "EMAIL_FILE_PATH": str(mail_dir),
        "FCM_CREDENTIALS_FILE": str(fcm_credentials),
        "FCM_API_URL": fake_fcm.api_url,
        "CELERY_TASK_SOFT_TIME_LIMIT": "6",
        "CELERY_TASK_TIME_LIMIT": "7",
        "NOTIFICATIONS_LEASE_SECONDS": "8",
        "CELERY_VISIBILITY_TIMEOUT": "9",
    }
    fake_fcm.delay_seconds = 0.1  # a slow provider: the batch takes seconds
    due = timezone.now() + timedelta(seconds=1)
    messages = [remind(alice, key=f"reminder-{n}", due_at=due) for n in range(count)]
    worker = real_worker(queues=["notifications"], env=env)
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.1)

    dispatched = dispatch_due_deliveries_task()  # one batch of every delivery
    assert dispatched == 3 * count
    assert wait_until(lambda: fake_fcm.send_count() >= 5, timeout=30), worker.log()
    worker.kill()

    # Mid-batch: some pushes went out, the rest are claimed by a worker that is gone.
    assert 5 <= fake_fcm.send_count() < count
    assert statuses()[Delivery.Status.SENDING] > 0

    real_worker(queues=["notifications"], env=env, purge=False)
    assert wait_until(
        lambda: (
            not Delivery.objects.filter(
                status=Delivery.Status.SENDING, lease_until__gte=timezone.now()
            ).exists()
        ),
        timeout=20,
    )
    dispatch_due_deliveries_task()  # the periodic scan hands out what the dead worker held
    assert wait_until(all_sent(3 * count), timeout=60), statuses()

    push_keys = {m.deliveries.get(channel=Channel.PUSH).idempotency_key for m in messages}
    email_keys = {m.deliveries.get(channel=Channel.EMAIL).idempotency_key for m in messages}
    pushes, emails = fake_fcm.keys(), emails_by_key(mail_dir)
    # Nothing lost: every message reached the provider and the mailbox.
    assert set(pushes) == push_keys
    assert set(emails) == email_keys
    # Nothing doubled: in-app exactly once; outside, at most the one send in flight at the
    # kill repeated, under the same key, so the provider keeps one per key.
    assert Notification.objects.filter(user=alice).count() == count
    repeats = sum(n - 1 for n in pushes.values()) + sum(n - 1 for n in emails.values())
    assert repeats <= 1

"""Reminders end to end with a REAL Celery worker process, the real Redis broker and the test
database: the worker runs the reminder scan (beat's task) and sends what it wrote.

The fault test kills the worker with SIGKILL in the middle of a reminder batch and shows that
after a restart and a scan no reminder is lost and none is delivered twice: in-app exactly
once; by email and push every reminder arrives, and at most the one send in flight at the kill
repeats, under the same idempotency key (the provider drops it).
"""

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.events.models import Event, Rsvp
from apps.events.tasks import schedule_due_reminders_task
from apps.notifications.models import Channel, Delivery, Kind, Message, Notification
from apps.notifications.tasks import dispatch_due_deliveries_task
from tests.celery_worker import RealWorker, wait_until
from tests.events.followup import luitpold
from tests.factories.accounts import ProfileFactory
from tests.factories.events import EventFactory, going
from tests.factories.notifications import DeviceFactory
from tests.notifications.fake_fcm import FakeFcm, FakeFcmServer, write_service_account

pytestmark = pytest.mark.django_db(transaction=True)

KEY_HEADER = re.compile(r"^X-MatchUp-Idempotency-Key: (\S+)$", re.MULTILINE)
SUBJECT = re.compile(r"^Subject: (.+(?:\n[ \t].+)*)$", re.MULTILINE)


@pytest.fixture
def fake_fcm() -> Iterator[FakeFcm]:
    with FakeFcmServer() as fake:
        yield fake


def emails(mail_dir: Path) -> tuple[Counter[str], list[str]]:
    """(sends per idempotency key, subjects) of the emails the worker wrote to files."""
    keys: Counter[str] = Counter()
    subjects: list[str] = []
    for path in mail_dir.glob("*.log") if mail_dir.exists() else []:
        text = path.read_text(errors="replace")
        keys.update(KEY_HEADER.findall(text))
        subjects += [str(make_header(decode_header(s))) for s in SUBJECT.findall(text)]
    return keys, subjects


def meetup_due_for_two_hour_reminders(people: list[User]) -> Event:
    """A meetup starting in two hours (minus a few seconds): its two-hour reminders are due
    now. Everyone got their seat ten minutes ago."""
    start = timezone.now() + timedelta(hours=2) - timedelta(seconds=5)
    event = EventFactory(
        organizer=people[0],
        venue=luitpold(),
        title="Book swap",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=50,
    )
    for person in people[1:]:
        going(event, person)
    Rsvp.objects.filter(event=event).update(joined_at=timezone.now() - timedelta(minutes=10))
    return event


def sent(expected: int) -> Callable[[], bool]:
    return lambda: Delivery.objects.filter(status=Delivery.Status.SENT).count() == expected


def test_a_real_worker_runs_the_scan_and_delivers_a_reminder_end_to_end(
    alice: User, bob: User, real_worker: Callable[..., RealWorker], tmp_path: Path
) -> None:
    for person in (alice, bob):
        person.profile.reminder_hours = [2]
        person.profile.notify_push = False
        person.profile.save()
    meetup_due_for_two_hour_reminders([alice, bob])
    mail_dir = tmp_path / "worker-mail"
    worker = real_worker(env={"EMAIL_FILE_PATH": str(mail_dir)})

    schedule_due_reminders_task.delay()
    schedule_due_reminders_task.delay()  # beat ticking twice

    assert wait_until(sent(4), timeout=60), worker.log()
    time.sleep(1)  # anything doubled would show up now
    for person in (alice, bob):
        (notification,) = Notification.objects.filter(user=person, kind=Kind.REMINDER)
        local_start = (
            Message.objects.get(pk=notification.message_id).context["when_local"].capitalize()
        )
        assert notification.title == f"{local_start} at Café Luitpold: Book swap"
    keys, subjects = emails(mail_dir)
    email_keys = {d.idempotency_key for d in Delivery.objects.filter(channel=Channel.EMAIL)}
    assert keys == dict.fromkeys(email_keys, 1)
    assert len(subjects) == 2
    assert all(
        subject.startswith("Reminder: ") and subject.endswith(" at Café Luitpold")
        for subject in subjects
    )
    assert Message.objects.filter(kind=Kind.REMINDER).count() == 2


def test_killing_the_worker_mid_batch_neither_loses_nor_doubles_a_reminder(
    real_worker: Callable[..., RealWorker], fake_fcm: FakeFcm, tmp_path: Path
) -> None:
    count = 20
    people = [ProfileFactory(reminder_hours=[2]).user for _ in range(count)]
    for person in people:
        DeviceFactory(user=person, token=f"phone-{person.pk}")
    meetup_due_for_two_hour_reminders(people)
    mail_dir = tmp_path / "worker-mail"
    credentials = write_service_account(tmp_path / "service-account.json", fake_fcm.token_url)
    # Short limits so the test waits seconds, not minutes; the same invariants as production:
    # soft < hard time limit < lease, hard time limit < visibility timeout.
    env = {
        "EMAIL_FILE_PATH": str(mail_dir),
        "FCM_CREDENTIALS_FILE": str(credentials),
        "FCM_API_URL": fake_fcm.api_url,
        "CELERY_TASK_SOFT_TIME_LIMIT": "6",
        "CELERY_TASK_TIME_LIMIT": "7",
        "NOTIFICATIONS_LEASE_SECONDS": "8",
        "CELERY_VISIBILITY_TIMEOUT": "9",
    }
    fake_fcm.delay_seconds = 0.1  # a slow provider: the batch takes seconds
    worker = real_worker(env=env)

    schedule_due_reminders_task.delay()  # the worker writes 20 reminders and sends them
    assert wait_until(lambda: fake_fcm.send_count() >= 5, timeout=60), worker.log()
    worker.kill()

    # Mid-batch: in-app and email went out, some pushes too; the rest is held by a dead worker.
    assert 5 <= fake_fcm.send_count() < count
    assert Delivery.objects.filter(status=Delivery.Status.SENDING).exists()

    real_worker(env=env, purge=False)
    assert wait_until(
        lambda: (
            not Delivery.objects.filter(
                status=Delivery.Status.SENDING, lease_until__gte=timezone.now()
            ).exists()
        ),
        timeout=30,
    )
    schedule_due_reminders_task()  # the next beat tick: nothing new to write
    dispatch_due_deliveries_task()  # hands out what the dead worker held
    assert wait_until(sent(3 * count), timeout=90), Counter(
        Delivery.objects.values_list("status", flat=True)
    )

    reminders = list(Message.objects.filter(kind=Kind.REMINDER))
    assert len(reminders) == count  # one reminder per person, however often it was scanned
    push_keys = {
        d.idempotency_key
        for d in Delivery.objects.filter(message__in=reminders, channel=Channel.PUSH)
    }
    email_keys = {
        d.idempotency_key
        for d in Delivery.objects.filter(message__in=reminders, channel=Channel.EMAIL)
    }
    pushes, (mails, _) = fake_fcm.keys(), emails(mail_dir)
    # Nothing lost: every reminder reached the push provider and the mailbox.
    assert set(pushes) == push_keys
    assert set(mails) == email_keys
    # Nothing doubled: in-app exactly once per person; outside, at most the one send in flight
    # at the kill repeated, under the same key, so the provider keeps one per key.
    assert Counter(
        Notification.objects.filter(kind=Kind.REMINDER).values_list("user_id", flat=True)
    ) == dict.fromkeys((p.pk for p in people), 1)
    repeats = sum(n - 1 for n in pushes.values()) + sum(n - 1 for n in mails.values())
    assert repeats <= 1

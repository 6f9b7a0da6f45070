from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db.models import F
from django.utils import timezone
from pytest_django import Settings

from apps.accounts.models import User
from apps.notifications.channels import TransientSendError
from apps.notifications.models import Channel, Delivery, Device, Notification
from apps.notifications.services import deliveries_dispatch_due, deliveries_send
from apps.notifications.services.delivery import retry_delay
from tests.factories.notifications import DeviceFactory
from tests.notifications.conftest import delivery_ids, status_by_channel
from tests.notifications.fake_fcm import FakeFcm

pytestmark = pytest.mark.django_db


def test_a_due_message_is_delivered_in_app_by_email_and_push(
    alice: User, remind: Callable, use_fcm: FakeFcm
) -> None:
    DeviceFactory(user=alice, token="phone-of-alice")
    message = remind(alice)

    report = deliveries_send(delivery_ids=delivery_ids(message))

    assert report.sent == 3
    assert status_by_channel(message) == {"in_app": "sent", "email": "sent", "push": "sent"}
    notification = Notification.objects.get(user=alice)
    assert notification.title == "Tomorrow: Board games night"
    assert "Café Kosmos" in notification.body
    assert notification.url == "/events/1/"
    assert notification.data["venue_name"] == "Café Kosmos"
    (email,) = mail.outbox
    assert email.to == ["alice@example.com"]
    assert email.subject == "Reminder: Board games night, Friday 14 March, 19:00"
    assert "Hello Alice" in email.body
    assert "http://127.0.0.1:8000/events/1/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "<h1" in html
    assert "Café Kosmos" in html
    email_delivery = message.deliveries.get(channel=Channel.EMAIL)
    assert email.extra_headers["X-MatchUp-Idempotency-Key"] == email_delivery.idempotency_key
    assert use_fcm.keys() == {message.deliveries.get(channel=Channel.PUSH).idempotency_key: 1}


def test_sending_the_same_deliveries_again_sends_nothing(alice: User, remind: Callable) -> None:
    message = remind(alice)
    deliveries_send(delivery_ids=delivery_ids(message))

    again = deliveries_send(delivery_ids=delivery_ids(message))

    assert again.claimed == 0
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_rows_leased_by_a_live_worker_are_left_alone(alice: User, remind: Callable) -> None:
    message = remind(alice)
    message.deliveries.update(
        status=Delivery.Status.SENDING,
        claimed_by="other-worker",
        lease_until=timezone.now() + timedelta(minutes=5),
    )

    report = deliveries_send(delivery_ids=delivery_ids(message), claimed_by="me")

    assert report.claimed == 0
    assert Notification.objects.count() == 0


def test_rows_of_a_dead_worker_are_taken_over_once_the_lease_expired(
    alice: User, remind: Callable
) -> None:
    DeviceFactory(user=alice)
    message = remind(alice)
    message.deliveries.update(
        status=Delivery.Status.SENDING,
        claimed_by="dead-worker",
        lease_until=timezone.now() - timedelta(seconds=1),
        attempts=1,
    )

    report = deliveries_send(delivery_ids=delivery_ids(message), claimed_by="me")

    assert report.sent == 3
    assert set(message.deliveries.values_list("attempts", flat=True)) == {2}


def test_a_redelivered_task_resumes_its_own_claim_without_waiting(
    alice: User, remind: Callable
) -> None:
    DeviceFactory(user=alice)
    message = remind(alice)
    message.deliveries.update(
        status=Delivery.Status.SENDING,
        claimed_by="task-123",
        lease_until=timezone.now() + timedelta(minutes=5),
    )

    report = deliveries_send(delivery_ids=delivery_ids(message), claimed_by="task-123")

    assert report.sent == 3


def test_in_app_is_written_once_even_if_an_interrupted_attempt_wrote_it(
    alice: User, remind: Callable
) -> None:
    message = remind(alice)
    deliveries_send(delivery_ids=delivery_ids(message))
    # As if the worker died after the in-app commit but the delivery row was reset by hand.
    message.deliveries.filter(channel=Channel.IN_APP).update(
        status=Delivery.Status.PENDING, sent_at=None
    )

    deliveries_send(delivery_ids=delivery_ids(message))

    assert Notification.objects.filter(message=message).count() == 1


def test_a_transient_push_failure_is_retried_later_with_backoff(
    alice: User, remind: Callable, use_fcm: FakeFcm
) -> None:
    DeviceFactory(user=alice, token="flaky-phone")
    message = remind(alice)

    report = deliveries_send(delivery_ids=delivery_ids(message))

    push = message.deliveries.get(channel=Channel.PUSH)
    assert report.retrying == 1
    assert push.status == Delivery.Status.PENDING
    assert push.attempts == 1
    assert "503" in push.last_error
    # FCM said Retry-After: 120, more than the first backoff step.
    assert push.due_at >= timezone.now() + timedelta(seconds=115)
    assert status_by_channel(message)["email"] == "sent"


def test_a_permanent_push_failure_is_not_retried(
    alice: User, remind: Callable, use_fcm: FakeFcm
) -> None:
    DeviceFactory(user=alice, token="bad-phone")
    message = remind(alice)

    deliveries_send(delivery_ids=delivery_ids(message))

    push = message.deliveries.get(channel=Channel.PUSH)
    assert push.status == Delivery.Status.FAILED
    assert push.attempts == 1
    assert deliveries_dispatch_due().count == 0


def test_a_dead_push_token_is_forgotten(alice: User, remind: Callable, use_fcm: FakeFcm) -> None:
    DeviceFactory(user=alice, token="dead-phone")
    DeviceFactory(user=alice, token="live-phone")
    message = remind(alice)

    deliveries_send(delivery_ids=delivery_ids(message))

    assert list(Device.objects.values_list("token", flat=True)) == ["live-phone"]
    assert status_by_channel(message)["push"] == "sent"


def test_transient_email_errors_retry_and_give_up_after_the_attempt_limit(
    alice: User, remind: Callable, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.notifications.services import delivery as delivery_module

    def smtp_down(**kwargs: object) -> None:
        raise TransientSendError("SMTP 421 try again")

    monkeypatch.setattr(delivery_module, "send_email", smtp_down)
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    message = remind(alice)
    email = message.deliveries.get(channel=Channel.EMAIL)

    for attempt in range(1, 4):
        with time_machine.travel(timezone.now() + timedelta(hours=attempt * 3)):
            deliveries_send(delivery_ids=[email.pk])
        email.refresh_from_db()
        assert email.attempts == attempt

    assert email.status == Delivery.Status.FAILED
    assert email.last_error.startswith("gave up")


def test_backoff_grows_exponentially_up_to_the_cap(settings: Settings) -> None:
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 600

    delays = [retry_delay(attempts=n).total_seconds() for n in (1, 2, 3, 10)]

    assert 24 <= delays[0] <= 36
    assert 48 <= delays[1] <= 72
    assert 96 <= delays[2] <= 144
    assert 480 <= delays[3] <= 720


def test_switching_email_off_after_scheduling_skips_the_email(
    alice: User, remind: Callable
) -> None:
    message = remind(alice, due_at=timezone.now() + timedelta(hours=1))
    alice.profile.notify_email = False
    alice.profile.save()

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        deliveries_send(delivery_ids=delivery_ids(message))

    assert status_by_channel(message)["email"] == "skipped"
    assert mail.outbox == []
    assert status_by_channel(message)["in_app"] == "sent"


def test_push_without_a_device_is_skipped(alice: User, remind: Callable) -> None:
    message = remind(alice)

    deliveries_send(delivery_ids=delivery_ids(message))

    assert status_by_channel(message)["push"] == "skipped"


def test_a_message_is_not_sent_before_it_is_due(alice: User, remind: Callable) -> None:
    message = remind(alice, due_at=timezone.now() + timedelta(hours=1))

    report = deliveries_send(delivery_ids=delivery_ids(message))

    assert report.claimed == 0


def test_the_scan_hands_out_due_and_abandoned_rows_once(
    alice: User, bob: User, carol: User, remind: Callable, settings: Settings
) -> None:
    settings.NOTIFICATIONS_BATCH_SIZE = 2
    now = timezone.now()
    due = remind(alice, key="due", due_at=now + timedelta(minutes=1))
    later = remind(bob, key="later", due_at=now + timedelta(hours=1))
    abandoned = remind(carol, key="abandoned")
    abandoned.deliveries.update(
        status=Delivery.Status.SENDING, lease_until=now - timedelta(seconds=1), dispatched_at=None
    )

    with time_machine.travel(now + timedelta(minutes=2)):
        first = deliveries_dispatch_due()
        second = deliveries_dispatch_due()

    assert sorted(pk for batch in first.batches for pk in batch) == sorted(
        delivery_ids(due) + delivery_ids(abandoned)
    )
    assert [len(batch) for batch in first.batches] == [2, 2, 2]
    assert second.count == 0
    assert not set(delivery_ids(later)) & {pk for batch in first.batches for pk in batch}


def test_the_scan_hands_out_a_lost_batch_again_after_the_redispatch_delay(
    alice: User, remind: Callable, settings: Settings
) -> None:
    settings.NOTIFICATIONS_REDISPATCH_SECONDS = 300
    now = timezone.now()
    message = remind(alice, due_at=now + timedelta(seconds=1))
    with time_machine.travel(now + timedelta(seconds=2)):
        assert deliveries_dispatch_due().count == 3
    with time_machine.travel(now + timedelta(seconds=200)):
        assert deliveries_dispatch_due().count == 0

    with time_machine.travel(now + timedelta(seconds=303)):
        again = deliveries_dispatch_due()

    assert sorted(pk for batch in again.batches for pk in batch) == delivery_ids(message)


def test_the_scan_gives_up_on_rows_that_crashed_their_workers_too_often(
    alice: User, remind: Callable, settings: Settings
) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    message = remind(alice)
    message.deliveries.update(
        status=Delivery.Status.SENDING,
        lease_until=timezone.now() - timedelta(seconds=1),
        attempts=F("attempts") + 3,
    )

    report = deliveries_dispatch_due()

    assert report.given_up == 3
    assert report.count == 0
    assert set(status_by_channel(message).values()) == {"failed"}


def test_the_management_command_sends_due_deliveries_here(alice: User, remind: Callable) -> None:
    from io import StringIO

    from django.core.management import call_command

    message = remind(alice, due_at=timezone.now() + timedelta(seconds=1))
    out = StringIO()

    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        call_command("send_due_notifications", "--here", stdout=out)

    assert "sent 2 of 3 due deliveries" in out.getvalue()
    assert status_by_channel(message) == {"in_app": "sent", "email": "sent", "push": "skipped"}


def test_misconfigured_fcm_credentials_retry_later_instead_of_failing(
    alice: User, remind: Callable, settings: Settings
) -> None:
    settings.NOTIFICATIONS_PUSH_SENDER = "apps.notifications.channels.push.FcmPushSender"
    settings.FCM_CREDENTIALS_FILE = "/nonexistent/service-account.json"
    DeviceFactory(user=alice)
    message = remind(alice)

    deliveries_send(delivery_ids=delivery_ids(message))

    push = message.deliveries.get(channel=Channel.PUSH)
    assert push.status == Delivery.Status.PENDING
    assert "push sender unavailable" in push.last_error

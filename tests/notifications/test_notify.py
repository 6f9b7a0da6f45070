from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications.models import Delivery, Kind, Message
from apps.notifications.services import IdempotencyKeyReused, messages_cancel, notify
from tests.notifications.conftest import REMINDER_CONTEXT, status_by_channel

pytestmark = pytest.mark.django_db


def test_notify_records_one_delivery_per_chosen_channel(alice: User, remind: Callable) -> None:
    message = remind(alice)

    assert message.kind == Kind.REMINDER
    assert status_by_channel(message) == {
        "in_app": "pending",
        "email": "pending",
        "push": "pending",
    }


def test_email_switched_off_means_no_email_delivery(alice: User, remind: Callable) -> None:
    alice.profile.notify_email = False
    alice.profile.save()

    message = remind(alice)

    assert set(status_by_channel(message)) == {"in_app", "push"}


def test_push_switched_off_means_no_push_delivery(alice: User, remind: Callable) -> None:
    alice.profile.notify_push = False
    alice.profile.save()

    message = remind(alice)

    assert set(status_by_channel(message)) == {"in_app", "email"}


def test_in_app_is_kept_even_with_every_channel_off(alice: User, remind: Callable) -> None:
    alice.profile.notify_email = alice.profile.notify_push = False
    alice.profile.save()

    message = remind(alice)

    assert set(status_by_channel(message)) == {"in_app"}


def test_second_call_with_the_same_key_does_nothing(
    alice: User, remind: Callable, django_capture_on_commit_callbacks: Callable
) -> None:
    first = remind(alice, key="same")
    with django_capture_on_commit_callbacks() as callbacks:
        second = remind(alice, key="same", context={"event_title": "Changed"})

    assert second.pk == first.pk
    assert second.context == REMINDER_CONTEXT
    assert Message.objects.count() == 1
    assert Delivery.objects.count() == 3
    assert callbacks == []


def test_a_key_reused_for_someone_else_is_refused(alice: User, bob: User, remind: Callable) -> None:
    remind(alice, key="shared")

    with pytest.raises(IdempotencyKeyReused):
        remind(bob, key="shared")


def test_sending_is_enqueued_only_after_commit(
    alice: User,
    remind: Callable,
    django_capture_on_commit_callbacks: Callable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from apps.notifications import tasks

    enqueued: list[list[int]] = []
    monkeypatch.setattr(tasks.send_deliveries_task, "delay", lambda ids: enqueued.append(ids))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = remind(alice)
        assert enqueued == []

    assert len(callbacks) == 1
    assert enqueued == [sorted(message.deliveries.values_list("pk", flat=True))]


def test_a_future_message_waits_for_the_scan_instead_of_a_broker_eta(
    alice: User, remind: Callable, django_capture_on_commit_callbacks: Callable
) -> None:
    starts = timezone.now() + timedelta(days=3)

    with django_capture_on_commit_callbacks() as callbacks:
        message = remind(alice, due_at=starts)

    assert callbacks == []
    assert set(message.deliveries.values_list("due_at", flat=True)) == {starts}


def test_context_must_be_json(alice: User, remind: Callable) -> None:
    with pytest.raises(ValueError, match="JSON"):
        remind(alice, context={"starts_at": timezone.now()})


def test_unknown_kind_is_refused(alice: User) -> None:
    with pytest.raises(ValueError, match="not_a_kind"):
        notify(user=alice, kind="not_a_kind", context={}, idempotency_key="k")


def test_cancelled_messages_are_not_sent(alice: User, remind: Callable) -> None:
    message = remind(alice, key="reminder-rsvp-7", due_at=timezone.now() + timedelta(hours=20))

    cancelled = messages_cancel(idempotency_keys=["reminder-rsvp-7"])

    assert cancelled == 3
    assert set(status_by_channel(message).values()) == {"cancelled"}

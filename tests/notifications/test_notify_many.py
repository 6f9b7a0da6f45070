"""`notify_many`: notify() for a periodic scan's worth of messages, with the same promises
(once per key, the chosen channels, sent after commit when due) in a few queries; and the
send-time guards other apps register for their kinds."""

from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications import guards
from apps.notifications.models import Delivery, Kind, Message, Notification
from apps.notifications.services import (
    Notice,
    deliveries_send,
    messages_cancel,
    notify_many,
)
from tests.notifications.conftest import REMINDER_CONTEXT, delivery_ids, status_by_channel

pytestmark = pytest.mark.django_db


def notice(user: User, key: str, **fields: object) -> Notice:
    return Notice(
        user_id=user.pk,
        kind=Kind.MODERATION_NOTICE,
        idempotency_key=key,
        context=fields.pop("context", {"text": "Hello"}),  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )


def test_it_writes_each_message_once_on_each_persons_channels(
    alice: User, bob: User, django_assert_num_queries: Callable
) -> None:
    bob.profile.notify_email = False
    bob.profile.save()

    with django_assert_num_queries(3 + 2):  # users, messages, deliveries (+ a savepoint pair)
        created = notify_many(notices=[notice(alice, "n-1"), notice(bob, "n-2")])

    assert len(created) == 2
    assert set(status_by_channel(Message.objects.get(idempotency_key="n-1"))) == {
        "in_app",
        "email",
        "push",
    }
    assert set(status_by_channel(Message.objects.get(idempotency_key="n-2"))) == {
        "in_app",
        "push",
    }


def test_a_key_seen_before_is_left_as_it_is_even_when_cancelled(alice: User) -> None:
    notify_many(notices=[notice(alice, "n-1")])
    messages_cancel(idempotency_keys=["n-1"])

    again = notify_many(notices=[notice(alice, "n-1"), notice(alice, "n-1"), notice(alice, "n-2")])

    assert [Message.objects.get(pk=pk).idempotency_key for pk in again] == ["n-2"]
    assert set(status_by_channel(Message.objects.get(idempotency_key="n-1")).values()) == {
        "cancelled"
    }
    assert Delivery.objects.count() == 6


def test_due_messages_are_sent_after_commit_and_future_ones_wait_for_the_scan(
    alice: User, django_capture_on_commit_callbacks: Callable
) -> None:
    later = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks() as callbacks:
        notify_many(notices=[notice(alice, "now"), notice(alice, "later", due_at=later)])

    assert len(callbacks) == 1
    now_ids = set(
        Delivery.objects.filter(message__idempotency_key="now").values_list("pk", flat=True)
    )
    assert Delivery.objects.filter(pk__in=now_ids, dispatched_at__isnull=False).count() == 3
    assert not Delivery.objects.filter(
        message__idempotency_key="later", dispatched_at__isnull=False
    ).exists()


@pytest.fixture
def refuse_reminders_about_event_13() -> Iterator[None]:
    def guard(messages: Sequence[Message], lock: bool) -> set[int]:
        return {m.pk for m in messages if m.context.get("event_id") == 13}

    before = dict(guards._guards)
    guards.register_send_guard(Kind.REMINDER, guard)
    yield
    guards._guards.clear()
    guards._guards.update(before)


def test_a_registered_guard_stops_stale_messages_on_every_channel(
    alice: User, remind: Callable, refuse_reminders_about_event_13: None
) -> None:
    stale = remind(alice, key="stale", context={**REMINDER_CONTEXT, "event_id": 13})
    fresh = remind(alice, key="fresh", context={**REMINDER_CONTEXT, "event_id": 14})

    report = deliveries_send(delivery_ids=delivery_ids(stale) + delivery_ids(fresh))

    assert report.cancelled == 3
    assert set(status_by_channel(stale).values()) == {"cancelled"}
    assert status_by_channel(fresh) == {"in_app": "sent", "email": "sent", "push": "skipped"}
    assert list(Notification.objects.values_list("message_id", flat=True)) == [fresh.pk]

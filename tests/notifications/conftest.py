from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from apps.accounts.models import User
from apps.notifications.channels import push
from apps.notifications.models import Delivery, Kind, Message
from apps.notifications.services import notify
from tests.celery_worker import real_worker  # noqa: F401  (fixture)
from tests.notifications.fake_fcm import FakeFcm, FakeFcmServer, write_service_account

REMINDER_CONTEXT = {
    "event_title": "Board games night",
    "venue_name": "Café Kosmos",
    "address": "Dachauer Str. 7",
    "starts_at_local": "Friday 14 March, 19:00",
    "hours_before": 24,
}


@pytest.fixture(autouse=True)
def _locmem_email_and_logging_push(settings: Settings) -> Iterator[None]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_PUSH_SENDER = "apps.notifications.channels.push.LoggingPushSender"
    push._senders.clear()
    yield
    push._senders.clear()


@pytest.fixture
def fake_fcm() -> Iterator[FakeFcm]:
    with FakeFcmServer() as fake:
        yield fake


@pytest.fixture
def fcm_credentials(tmp_path: Path, fake_fcm: FakeFcm) -> Path:
    return write_service_account(tmp_path / "service-account.json", fake_fcm.token_url)


@pytest.fixture
def use_fcm(settings: Settings, fake_fcm: FakeFcm, fcm_credentials: Path) -> FakeFcm:
    """Push goes through the real FCM HTTP v1 sender, to the local fake provider."""
    settings.FCM_CREDENTIALS_FILE = str(fcm_credentials)
    settings.FCM_API_URL = fake_fcm.api_url
    settings.NOTIFICATIONS_PUSH_SENDER = "apps.notifications.channels.push.FcmPushSender"
    push._senders.clear()
    return fake_fcm


@pytest.fixture
def remind() -> Callable[..., Message]:
    """`remind(user, key="…", **overrides)`: a due reminder through the public notify()."""

    def make(user: User, key: str = "reminder-1", **overrides: Any) -> Message:
        return notify(
            user=user,
            kind=overrides.pop("kind", Kind.REMINDER),
            context=overrides.pop("context", REMINDER_CONTEXT),
            idempotency_key=key,
            url=overrides.pop("url", "/events/1/"),
            **overrides,
        )

    return make


def delivery_ids(message: Message) -> list[int]:
    return list(message.deliveries.order_by("pk").values_list("pk", flat=True))


def status_by_channel(message: Message) -> dict[str, str]:
    return dict(Delivery.objects.filter(message=message).values_list("channel", "status"))

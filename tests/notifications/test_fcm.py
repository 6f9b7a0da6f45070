"""The FCM HTTP v1 sender against a local fake of Google's token and FCM endpoints."""

from pathlib import Path

import pytest
from pytest_django import Settings

from apps.notifications.channels import InvalidDeviceToken, PermanentSendError, TransientSendError
from apps.notifications.channels.push import FcmPushSender, PushMessage, get_push_sender
from tests.notifications.fake_fcm import PROJECT_ID, FakeFcm


def message(
    token: str = "phone-1",  # noqa: S107 - a device token, not a password
    key: str = "matchup-delivery-1",
) -> PushMessage:
    return PushMessage(
        token=token,
        platform="android",
        title="Tomorrow: Board games night",
        body="19:00 at Café Kosmos",
        idempotency_key=key,
        kind="reminder",
        url="http://127.0.0.1:8000/events/1/",
    )


def test_exchanges_the_service_account_for_a_token_once_and_sends_v1_messages(
    use_fcm: FakeFcm,
) -> None:
    sender = get_push_sender()
    assert isinstance(sender, FcmPushSender)

    sender.send(message(key="matchup-delivery-1"))
    sender.send(message(key="matchup-delivery-2"))

    (token_request,) = use_fcm.token_requests
    assert token_request["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    assert token_request["assertion"][0].count(".") == 2  # a signed JWT
    assert len(set(use_fcm.auth_headers)) == 1
    assert use_fcm.auth_headers[0].startswith("Bearer fake-")
    sent = use_fcm.sends[0]["message"]
    assert sent["token"] == "phone-1"
    assert sent["notification"] == {
        "title": "Tomorrow: Board games night",
        "body": "19:00 at Café Kosmos",
    }
    assert sent["data"]["idempotency_key"] == "matchup-delivery-1"
    assert sent["android"]["notification"]["tag"] == "matchup-delivery-1"
    assert sent["apns"]["headers"]["apns-collapse-id"] == "matchup-delivery-1"
    assert sent["webpush"]["notification"]["tag"] == "matchup-delivery-1"
    assert use_fcm.keys() == {"matchup-delivery-1": 1, "matchup-delivery-2": 1}


def test_an_unregistered_token_is_reported_as_dead(use_fcm: FakeFcm) -> None:
    with pytest.raises(InvalidDeviceToken, match="UNREGISTERED"):
        get_push_sender().send(message(token="dead-phone"))


def test_unavailable_is_transient_and_carries_retry_after(use_fcm: FakeFcm) -> None:
    with pytest.raises(TransientSendError) as caught:
        get_push_sender().send(message(token="flaky-phone"))

    assert caught.value.retry_after == 120


def test_a_malformed_message_is_permanent(use_fcm: FakeFcm) -> None:
    with pytest.raises(PermanentSendError) as caught:
        get_push_sender().send(message(token="bad-phone"))

    assert not isinstance(caught.value, InvalidDeviceToken)


def test_an_unreachable_fcm_is_transient(use_fcm: FakeFcm, settings: Settings) -> None:
    sender = FcmPushSender(api_url="http://127.0.0.1:9/v1", timeout=2)

    with pytest.raises(TransientSendError):
        sender.send(message())


def test_credentials_can_come_from_the_environment_as_json(
    settings: Settings, fcm_credentials: Path, fake_fcm: FakeFcm
) -> None:
    settings.FCM_CREDENTIALS_JSON = fcm_credentials.read_text()
    settings.FCM_API_URL = fake_fcm.api_url

    sender = FcmPushSender()

    assert sender.send_url == f"{fake_fcm.api_url}/projects/{PROJECT_ID}/messages:send"
    sender.send(message())
    assert fake_fcm.send_count() == 1


def test_the_logging_sender_is_the_default(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")

    get_push_sender().send(message(key="matchup-delivery-9"))

    assert "matchup-delivery-9" in caplog.text

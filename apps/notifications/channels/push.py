"""Push senders. `get_push_sender()` returns the one named by `NOTIFICATIONS_PUSH_SENDER`:
`FcmPushSender` (Firebase Cloud Messaging HTTP v1) when FCM credentials are configured,
otherwise `LoggingPushSender`, which only logs (development, tests, demo).

FCM HTTP v1: a Google service account (JSON key from `FCM_CREDENTIALS_FILE` or the JSON text
in `FCM_CREDENTIALS_JSON`) is exchanged for a short-lived OAuth2 access token at the key's
`token_uri` (google-auth signs the JWT assertion and caches the token until it expires);
each message is one `POST {FCM_API_URL}/projects/{project_id}/messages:send`.
"""

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from django.conf import settings
from django.utils.module_loading import import_string
from google.auth import exceptions as google_exceptions
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from apps.notifications.channels import (
    InvalidDeviceToken,
    PermanentSendError,
    TransientSendError,
)

logger = logging.getLogger(__name__)

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
TRANSIENT_HTTP = {429, 500, 502, 503, 504}
# FCM's errorCode values that mean "this token will never work again".
DEAD_TOKEN_CODES = {"UNREGISTERED", "SENDER_ID_MISMATCH"}


@dataclass(frozen=True)
class PushMessage:
    token: str
    platform: str
    title: str
    body: str
    idempotency_key: str
    kind: str = ""
    url: str = ""
    data: dict[str, str] = field(default_factory=dict)


class PushSender(Protocol):
    def send(self, message: PushMessage) -> None: ...


class LoggingPushSender:
    """Writes the push to the log instead of sending it."""

    def send(self, message: PushMessage) -> None:
        logger.info(
            "push (not sent, logging sender) key=%s platform=%s title=%r",
            message.idempotency_key,
            message.platform,
            message.title,
        )


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return float(value)
    except ValueError:
        return None


class FcmPushSender:
    def __init__(
        self,
        *,
        credentials_info: dict[str, Any] | None = None,
        project_id: str | None = None,
        api_url: str | None = None,
        timeout: float | None = None,
    ) -> None:
        info = credentials_info or self._credentials_from_settings()
        self.project_id = project_id or settings.FCM_PROJECT_ID or info.get("project_id", "")
        if not self.project_id:
            raise ValueError("FCM needs a project id (FCM_PROJECT_ID or the key's project_id).")
        self.api_url = (api_url or settings.FCM_API_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.FCM_TIMEOUT_SECONDS
        credentials = service_account.Credentials.from_service_account_info(
            info, scopes=[FCM_SCOPE]
        )
        # AuthorizedSession fetches the access token before the first request, refreshes it
        # when it expires and once more on a 401.
        self.session = AuthorizedSession(credentials, refresh_timeout=self.timeout)

    @staticmethod
    def _credentials_from_settings() -> dict[str, Any]:
        if settings.FCM_CREDENTIALS_JSON:
            info: dict[str, Any] = json.loads(settings.FCM_CREDENTIALS_JSON)
            return info
        if settings.FCM_CREDENTIALS_FILE:
            with open(settings.FCM_CREDENTIALS_FILE, encoding="utf-8") as handle:
                info = json.load(handle)
                return info
        raise ValueError("Set FCM_CREDENTIALS_FILE or FCM_CREDENTIALS_JSON to use FCM.")

    @property
    def send_url(self) -> str:
        return f"{self.api_url}/projects/{self.project_id}/messages:send"

    def payload(self, message: PushMessage) -> dict[str, Any]:
        # The same delivery always carries the same key: the app drops a repeat by
        # `data.idempotency_key`, and Android's tag, the APNs collapse id and the web
        # notification tag make a repeat replace the one already shown instead of adding one.
        key = message.idempotency_key
        data = {**message.data, "idempotency_key": key, "kind": message.kind, "url": message.url}
        return {
            "message": {
                "token": message.token,
                "notification": {"title": message.title, "body": message.body},
                "data": {k: str(v) for k, v in data.items()},
                "android": {"priority": "high", "notification": {"tag": key}},
                "apns": {"headers": {"apns-collapse-id": key[:64]}},
                "webpush": {"notification": {"tag": key}},
                "fcm_options": {"analytics_label": message.kind or "matchup"},
            }
        }

    def send(self, message: PushMessage) -> None:
        try:
            response = self.session.post(
                self.send_url, json=self.payload(message), timeout=self.timeout
            )
        except google_exceptions.RefreshError as exc:
            # Bad or revoked credentials, or the token endpoint is down: an operator can fix
            # either, and the attempt limit bounds the retries.
            raise TransientSendError(f"FCM OAuth2 token exchange failed: {exc}") from exc
        except (requests.RequestException, google_exceptions.TransportError) as exc:
            raise TransientSendError(f"FCM unreachable: {exc!r}") from exc
        if response.status_code == 200:
            return
        code, detail = self._error(response)
        summary = f"FCM {response.status_code} {code}: {detail}"[:480]
        if code in DEAD_TOKEN_CODES or (response.status_code == 400 and "token" in detail.lower()):
            raise InvalidDeviceToken(summary)
        if response.status_code in TRANSIENT_HTTP or response.status_code == 401:
            raise TransientSendError(summary, retry_after=_retry_after(response))
        raise PermanentSendError(summary)

    @staticmethod
    def _error(response: requests.Response) -> tuple[str, str]:
        try:
            error = response.json().get("error", {})
        except ValueError:
            return "", response.text[:200]
        code = str(error.get("status", ""))
        for item in error.get("details", []) or []:
            if isinstance(item, dict) and item.get("errorCode"):
                code = str(item["errorCode"])
        return code, str(error.get("message", ""))


_senders: dict[tuple[str, ...], PushSender] = {}
_senders_lock = threading.Lock()


def get_push_sender() -> PushSender:
    """The configured sender, one per process (it caches its OAuth2 token and connections)."""
    key = (
        settings.NOTIFICATIONS_PUSH_SENDER,
        settings.FCM_CREDENTIALS_FILE,
        settings.FCM_CREDENTIALS_JSON,
        settings.FCM_PROJECT_ID,
        settings.FCM_API_URL,
    )
    with _senders_lock:
        if key not in _senders:
            _senders[key] = import_string(settings.NOTIFICATIONS_PUSH_SENDER)()
        return _senders[key]

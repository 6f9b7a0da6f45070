"""A local stand-in for Google's OAuth2 token endpoint and FCM's HTTP v1 send endpoint.

Runs in a thread of the test process on 127.0.0.1 (never the internet). Senders in the test
process or in a real Celery worker subprocess reach it the same way. It records every send
(so tests count deliveries per idempotency key) and answers by the device token's prefix:
`dead-…` → 404 UNREGISTERED, `flaky-…` → 503 with Retry-After, `bad-…` → 400 on another field.
"""

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT_ID = "matchup-test"


@dataclass
class FakeFcm:
    url: str = ""
    delay_seconds: float = 0.0
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    sends: list[dict[str, Any]] = field(default_factory=list)
    auth_headers: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1"

    def keys(self) -> Counter[str]:
        """How many times each (idempotency key) reached the provider."""
        with self.lock:
            return Counter(send["message"]["data"]["idempotency_key"] for send in self.sends)

    def send_count(self) -> int:
        with self.lock:
            return len(self.sends)


def _handler(fake: FakeFcm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            if self.path == "/token":
                with fake.lock:
                    fake.token_requests.append(parse_qs(raw))
                self._reply(
                    200,
                    {
                        "access_token": f"fake-{uuid.uuid4().hex}",
                        "expires_in": 3600,
                        "token_type": "Bearer",
                    },
                )
                return
            if self.path != f"/v1/projects/{PROJECT_ID}/messages:send":
                self._reply(
                    404, {"error": {"code": 404, "status": "NOT_FOUND", "message": self.path}}
                )
                return
            if fake.delay_seconds:
                time.sleep(fake.delay_seconds)
            body = json.loads(raw)
            token = body["message"]["token"]
            if token.startswith("dead-"):
                self._reply(
                    404,
                    {
                        "error": {
                            "code": 404,
                            "status": "NOT_FOUND",
                            "message": "Requested entity was not found.",
                            "details": [
                                {
                                    "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                    "errorCode": "UNREGISTERED",
                                }
                            ],
                        }
                    },
                )
                return
            if token.startswith("flaky-"):
                self._reply(
                    503,
                    {"error": {"code": 503, "status": "UNAVAILABLE", "message": "try later"}},
                    {"Retry-After": "120"},
                )
                return
            if token.startswith("bad-"):
                self._reply(
                    400,
                    {
                        "error": {
                            "code": 400,
                            "status": "INVALID_ARGUMENT",
                            "message": "Invalid value at 'message.data'",
                        }
                    },
                )
                return
            with fake.lock:
                fake.sends.append(body)
                fake.auth_headers.append(self.headers.get("Authorization", ""))
            self._reply(200, {"name": f"projects/{PROJECT_ID}/messages/{uuid.uuid4().hex}"})

    return Handler


class FakeFcmServer:
    def __init__(self) -> None:
        self.fake = FakeFcm()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.server.daemon_threads = True
        self.fake.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeFcm:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def service_account_info(token_uri: str) -> dict[str, str]:
    """A made-up Google service account with a fresh RSA key (nothing real, nothing stored)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": PROJECT_ID,
        "private_key_id": "test-key",
        "private_key": pem,
        "client_email": f"fcm-sender@{PROJECT_ID}.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    }


def write_service_account(path: Path, token_uri: str) -> Path:
    path.write_text(json.dumps(service_account_info(token_uri)))
    return path

"""A local HTTP server in a thread, answering from a list of canned responses: the real HTTP
client code runs against it, so nothing in the tests reaches the internet."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class CannedResponse:
    status: int = 200
    body: Any = None  # dict/list → JSON; bytes/str → as is
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


@dataclass
class FakeServer:
    url: str
    requests: list[dict[str, Any]]


@contextmanager
def fake_http_server(responses: list[CannedResponse]) -> Iterator[FakeServer]:
    """Serve `responses` in order (the last one repeats); record every request."""
    recorded: list[dict[str, Any]] = []
    queue = list(responses)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            recorded.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length) if length else b"",
                }
            )
            canned = queue.pop(0) if len(queue) > 1 else queue[0]
            if canned.delay_seconds:
                time.sleep(canned.delay_seconds)
            body = canned.body
            if isinstance(body, dict | list):
                payload = json.dumps(body).encode()
                content_type = "application/json"
            else:
                payload = body.encode() if isinstance(body, str) else (body or b"")
                content_type = "application/octet-stream"
            self.send_response(canned.status)
            self.send_header("Content-Type", canned.headers.get("Content-Type", content_type))
            for key, value in canned.headers.items():
                if key != "Content-Type":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeServer(url=f"http://127.0.0.1:{server.server_port}", requests=recorded)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""Venue fixtures: real sample files, regions around them, and a fake Overpass server."""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from pytest_django import Settings

from apps.venues.models import Region
from tests.factories.venues import RegionFactory, bbox_polygon

DATA = Path(__file__).parent / "data"
SAMPLE_GEOJSON = DATA / "venues_sample_tests.geojson"
OVERPASS_SAMPLE = DATA / "overpass_munich_small.json"
HELSINKI_PBF = DATA / "helsinki_centre.osm.pbf"

MUNICH_BBOX = (48.05, 11.35, 48.26, 11.73)
HELSINKI_BBOX = (60.15, 24.90, 60.19, 24.97)


@pytest.fixture(autouse=True)
def _test_data_importable(settings: Settings) -> None:
    settings.VENUES_IMPORT_DIRS = [*settings.VENUES_IMPORT_DIRS, str(DATA)]


@pytest.fixture
def munich(db: None) -> Region:
    return RegionFactory(name="Munich", slug="munich", area=bbox_polygon(*MUNICH_BBOX))


@pytest.fixture
def helsinki(db: None) -> Region:
    return RegionFactory(name="Helsinki", slug="helsinki", area=bbox_polygon(*HELSINKI_BBOX))


def overpass_sample() -> dict[str, Any]:
    return json.loads(OVERPASS_SAMPLE.read_text())


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow server)


@dataclass
class Received:
    user_agent: str
    query: str


class FakeOverpass:
    """A local HTTP server answering POSTs with scripted replies, in order (the last repeats)."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.received: list[Received] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                fake.received.append(
                    Received(self.headers.get("User-Agent", ""), form.get("data", [""])[0])
                )
                index = min(len(fake.received), len(fake.replies)) - 1
                reply = fake.replies[index]
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json", **reply.headers}
                    headers.setdefault("Content-Length", str(len(reply.body)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up (timeout tests)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/interpreter"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    def json(self, data: Any, status: int = 200, **kwargs: Any) -> Reply:
        return Reply(status=status, body=json.dumps(data).encode(), **kwargs)


@pytest.fixture
def fake_overpass(settings: Settings) -> Iterator[FakeOverpass]:
    fake = FakeOverpass()
    fake.thread.start()
    settings.OVERPASS_URL = fake.url
    settings.OVERPASS_BACKOFF_SECONDS = 0.01
    settings.OVERPASS_MAX_ATTEMPTS = 3
    settings.OVERPASS_READ_TIMEOUT_SECONDS = 2.0
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        fake.thread.join(timeout=5)

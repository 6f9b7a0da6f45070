"""Run a REAL `celery -A matchup worker` subprocess against the real Redis and the test database.

Reusable by any app's tests. Import the fixture into your test module or conftest:

    from tests.celery_worker import real_worker  # noqa: F401  (pytest fixture)

    def test_something(transactional_db, real_worker) -> None:
        worker = real_worker(queues=["notifications"])      # started and ready
        ...                                                  # commit rows, enqueue tasks
        worker.kill()                                        # SIGKILL the whole worker
        worker = real_worker(queues=["notifications"])      # a fresh one

Tests that use it need `transactional_db` (the worker is another process: it only sees
committed rows). The worker reads `DATABASE_URL` pointing at the pytest database and the
broker of the test settings; `env=` adds or overrides variables (e.g. fake provider URLs).
Queues are purged before each start, so no message of an earlier test reaches it. Every
worker started by the fixture is stopped at the end of the test.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
QUEUES = ("celery", "notifications", "venues", "matching")


def database_url_for_worker() -> str:
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgis://{auth}@{host}:{port}/{db['NAME']}"


def purge_broker() -> None:
    """Drop queued and unacknowledged messages of earlier tests (Redis transport keys)."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        client.delete(*QUEUES, "unacked", "unacked_index", "unacked_mutex")
    finally:
        client.close()


class RealWorker:
    def __init__(
        self,
        *,
        log_path: Path,
        queues: Sequence[str] = QUEUES,
        concurrency: int = 1,
        env: dict[str, str] | None = None,
    ) -> None:
        self.log_path = log_path
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "EMAIL_URL"))
        }
        environment.update(
            {
                "DJANGO_SETTINGS_MODULE": "matchup.settings",
                "DATABASE_URL": database_url_for_worker(),
                "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
                "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "PYTHONUNBUFFERED": "1",
                **(env or {}),
            }
        )
        self.command = [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "matchup",
            "worker",
            "--loglevel",
            "INFO",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--queues",
            ",".join(queues),
            "--hostname",
            self.name,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.environment = environment
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 60.0) -> "RealWorker":
        self._log = self.log_path.open("ab")
        # A session of its own, so kill() reaches the pool children as well.
        self.process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            self.command,
            cwd=ROOT,
            env=self.environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{self.log()}")
            if " ready." in self.log():
                return self
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"celery worker not ready after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a crash or OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._close_log()

    def stop(self, *, timeout: float = 20.0) -> None:
        """Warm shutdown (SIGTERM); SIGKILL if it does not finish in time."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def _close_log(self) -> None:
        log = getattr(self, "_log", None)
        if log is not None and not log.closed:
            log.close()


def wait_until(
    condition: Callable[[], bool], *, timeout: float = 30.0, interval: float = 0.1
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@pytest.fixture
def real_worker(tmp_path: Path) -> Iterator[Callable[..., RealWorker]]:
    """`real_worker(queues=…, concurrency=…, env={…})` → a started, ready RealWorker."""
    started: list[RealWorker] = []

    def start(
        *,
        queues: Sequence[str] = QUEUES,
        concurrency: int = 1,
        env: dict[str, str] | None = None,
        purge: bool = True,
    ) -> RealWorker:
        if purge:
            purge_broker()
        worker = RealWorker(
            log_path=tmp_path / f"worker-{len(started)}.log",
            queues=queues,
            concurrency=concurrency,
            env=env,
        )
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()

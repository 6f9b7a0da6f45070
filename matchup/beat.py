"""`SingleBeatScheduler`: django-celery-beat's DatabaseScheduler that ticks only while it
holds a Redis lock, so two `celery beat` processes (a deploy overlap, a second host, a
forgotten terminal) never send a periodic task twice.

The lock (`BEAT_LOCK_KEY` in `BEAT_LOCK_URL`, default the app's Redis) expires after
`BEAT_LOCK_TTL_SECONDS` and is renewed on every tick; a beat that dies stops renewing, and a
standby takes over within one TTL and continues from the last runs the previous holder saved
(django-celery-beat saves them every few minutes and at shutdown). Periodic tasks
still have to be safe to run twice (a lock that expires during a long GC pause is not a
fence), which ours are: they scan for due rows and claim them (docs/adr/0020).
"""

import logging
import os
import socket
import time
import uuid
from typing import Any

import redis
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

logger = logging.getLogger(__name__)


class SingleBeatScheduler(DatabaseScheduler):  # type: ignore[misc]  # untyped base class
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock_ttl = float(settings.BEAT_LOCK_TTL_SECONDS)
        self._redis = redis.Redis.from_url(
            settings.BEAT_LOCK_URL, socket_timeout=5, socket_connect_timeout=5
        )
        # The token names the holder: `redis-cli GET matchup:beat-lock` says who ticks.
        self._lock = Lock(
            self._redis,
            settings.BEAT_LOCK_KEY,
            timeout=self.lock_ttl,
            blocking=False,
            thread_local=False,
        )
        self._token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._held = False
        self._renewed_at = 0.0
        super().__init__(*args, **kwargs)

    @property
    def holds_lock(self) -> bool:
        return self._held

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self._hold_lock():
            # Standby: try again well within one TTL, so a takeover is quick.
            return min(self.lock_ttl / 3, float(self.max_interval))
        interval = float(super().tick(*args, **kwargs))
        # Sleep no longer than a third of the TTL, so the next tick renews the lock in time.
        return min(interval, self.lock_ttl / 3)

    def close(self) -> None:
        super().close()
        self.release_lock()

    def release_lock(self) -> None:
        if self._held:
            try:
                self._lock.release()
            except (LockError, RedisError):
                logger.warning("beat lock was already gone at shutdown")
            self._held = False

    def _hold_lock(self) -> bool:
        try:
            if self._held:
                # Renewing on every 0-second tick (a burst of due tasks) would be wasted
                # round trips: once per few seconds keeps the TTL far from expiring.
                if time.monotonic() - self._renewed_at >= min(2.0, self.lock_ttl / 10):
                    self._lock.reacquire()
                    self._renewed_at = time.monotonic()
                return True
            if self._lock.acquire(token=self._token):
                self._held = True
                self._renewed_at = time.monotonic()
                logger.info("beat lock acquired (%s): this scheduler now ticks", self._token)
                # No forced re-read here: DatabaseScheduler reloads the schedule on its first
                # tick when the previous holder saved runs since we read it (PeriodicTasks'
                # change stamp), and forcing an initial read sends due entries twice.
                return True
            return False
        except LockError:
            # Our lock expired and someone else may hold it now: stop ticking at once.
            logger.warning("beat lock lost (%s): this scheduler stops ticking", self._token)
            self._held = False
            return False
        except RedisError:
            # Without Redis we cannot prove we are alone; a beat that skips a tick is harmless,
            # two that both tick are not.
            logger.exception("beat lock unavailable: not ticking")
            self._held = False
            return False

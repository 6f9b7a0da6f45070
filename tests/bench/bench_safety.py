"""Safety selectors and the per-request account check, timed on the local database.

Run: `.venv/bin/python tests/bench/bench_safety.py` (inside a transaction that is rolled back,
so the database is left as it was). Prints a table of median times.
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchup.settings")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import transaction  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from apps.accounts.models import Profile, User  # noqa: E402
from apps.safety import selectors  # noqa: E402
from apps.safety.models import Block  # noqa: E402


class Rollback(Exception):
    pass


def median_ms(fn: Callable[[], object], repeat: int = 200) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def people(n: int, prefix: str) -> list[User]:
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@bench.example", password="!") for i in range(n)]
    )
    Profile.objects.bulk_create(
        [Profile(user=u, display_name=f"P{i}") for i, u in enumerate(users)]
    )
    return users


def main() -> None:
    rows: list[tuple[str, float]] = []
    try:
        with transaction.atomic():
            crowd = people(2000, "crowd")
            for blocks in (10, 100, 1000):
                (me,) = people(1, f"me{blocks}-")
                Block.objects.bulk_create(
                    [Block(blocker=me, blocked=other) for other in crowd[:blocks]]
                )
                rows.append(
                    (
                        f"blocked_user_ids, {blocks} blocks",
                        median_ms(lambda me=me: selectors.blocked_user_ids(me)),
                    )
                )
            rng_pairs = [Block(blocker=crowd[i], blocked=crowd[i + 1]) for i in range(0, 1998, 2)]
            Block.objects.bulk_create(rng_pairs, ignore_conflicts=True)
            ids = [u.pk for u in crowd[:500]]
            rows.append(
                (
                    "blocked_pairs_among, 500 people",
                    median_ms(lambda: selectors.blocked_pairs_among(ids), 50),
                )
            )
            rows.append(
                (
                    "blocked_pairs_among, 6 people",
                    median_ms(lambda: selectors.blocked_pairs_among(ids[:6])),
                )
            )
            user = crowd[0]

            def uncached() -> object:
                cache.delete(f"safety:restriction:{user.pk}")
                return selectors.user_restriction(user_id=user.pk)

            rows.append(("account check, cache miss (DB)", median_ms(uncached)))
            rows.append(
                (
                    "account check, cached",
                    median_ms(lambda: selectors.user_restriction(user_id=user.pk)),
                )
            )
            client = APIClient(SERVER_NAME="localhost")
            client.credentials(
                HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(me).access_token}"
            )
            assert client.get("/api/v1/blocks").status_code == 200
            rows.append(
                (
                    "GET /api/v1/blocks (page of 20)",
                    median_ms(lambda: client.get("/api/v1/blocks").status_code, 50),
                )
            )
            raise Rollback
    except Rollback:
        pass
    width = max(len(name) for name, _ in rows)
    print(f"| {'operation'.ljust(width)} | median ms |")
    print(f"|{'-' * (width + 2)}|-----------|")
    for name, ms in rows:
        print(f"| {name.ljust(width)} | {ms:9.3f} |")


if __name__ == "__main__":
    main()

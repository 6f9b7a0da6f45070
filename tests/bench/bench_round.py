"""Benchmark: the database side of a matching round, for 10,000 (and 100,000) participants in
the demo region (Munich's 1,476 real venues).

    .venv/bin/python tests/bench/bench_round.py [--sizes 10000 100000] [--engine-workers 1]

Uses its own database, `matchup_bench_rounds` (created and migrated here; bench people, rounds
and meetups emptied for each size), so the dev database is never touched. People are drawn
like tests/bench/city.py (homes around Munich's 25 districts, Zipf interests, languages, ages,
kinds, group sizes, travel distances) with weekly availability in Europe/Berlin (weekday
evenings, weekend afternoons, some lunches), all verified and open to meet; 1 % blocked
someone, and a tenth met in a private meetup of 2-4 in the last 8 weeks.

Per size and phase: seconds and SQL queries.
* input: `round_input` (people, their free slots, venues and their open slots, blocked and
  recently met pairs, interest names), split by the phases it reports;
* engine: `match_region` in this process (the engine's own benchmark is bench_engine.py; this
  is here only to have a result to save);
* chord payloads: the distributed path's packed input on the round's row and its per-cell JSON
  messages (sizes, and time to build them);
* save: `round_save_result` (re-checking eligibility, bulk inserts, in one transaction);
* notify: `round_notify` ("a meetup for you" to every proposed person; the in-app row and one
  delivery per channel each; the broker is replaced by an in-memory one here).
"""

import argparse
import gc
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def use_bench_database() -> None:
    import environ

    env_file = ROOT / ".env"
    if env_file.is_file():
        environ.Env.read_env(env_file)
    url = os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/matchup")
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/matchup_bench_rounds"
    os.environ["CACHE_KEY_PREFIX"] = "matchup_bench_rounds"
    # Notifications enqueue their sending after commit: into memory, not the shared Redis.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["CELERY_RESULT_BACKEND"] = "cache+memory://"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchup.settings")


use_bench_database()

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import Interest, Profile, User  # noqa: E402
from apps.core.geo import point  # noqa: E402
from apps.events.models import Event, Rsvp  # noqa: E402
from apps.matching.engine import cell_problem, match_region, plan_cells  # noqa: E402
from apps.matching.models import Round  # noqa: E402
from apps.matching.payloads import problem_pack, problem_to_json  # noqa: E402
from apps.matching.selectors import round_input, round_window  # noqa: E402
from apps.matching.services import round_claim, round_notify, round_save_result  # noqa: E402
from apps.safety.models import Block  # noqa: E402
from apps.venues.demo import seed_venues  # noqa: E402
from apps.venues.models import Region, Venue  # noqa: E402
from tests.bench.city import population  # noqa: E402

DOMAIN = "bench-rounds.example"
BATCH = 5000
# A Monday morning; the window (from Tuesday 11:00 UTC) is a plain week without holidays.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# --- Seeding ----------------------------------------------------------------------------------
def availability(rng: random.Random) -> list[dict[str, Any]]:
    week: list[dict[str, Any]] = []
    for day in range(5):
        if rng.random() < 0.55:
            end = rng.choice(["21:00", "22:00", "23:00"])
            week.append(
                {"weekday": day, "start": rng.choice(["17:30", "18:00", "19:00"]), "end": end}
            )
        elif rng.random() < 0.15:
            week.append({"weekday": day, "start": "12:00", "end": "14:00"})
    for day in (5, 6):
        if rng.random() < 0.6:
            week.append({"weekday": day, "start": rng.choice(["10:00", "13:00"]), "end": "19:00"})
    return week or [{"weekday": 3, "start": "18:00", "end": "22:00"}]


def seed_people(n: int, region: Region, seed: int = 2026) -> list[int]:
    """n verified people open to meet inside the region, plus blocks and past meetups."""
    rng = random.Random(seed)
    people, _ = population(n, seed=seed, tiles=1)
    west, south, east, north = region.area.extent
    interests = list(Interest.objects.order_by("pk").values_list("pk", flat=True))
    password = "!"  # unusable: bench people never log in
    user_ids: list[int] = []
    for start in range(0, n, BATCH):
        chunk = people[start : start + BATCH]
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(email=f"p{start + k}@{DOMAIN}", password=password) for k in range(len(chunk))
            )
            EmailAddress.objects.bulk_create(
                EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
            )
            profiles = Profile.objects.bulk_create(
                Profile(
                    user=u,
                    display_name=f"Person {start + k}",
                    birth_year=2026 - c.age if c.age else None,
                    home=point(
                        lat=min(max(c.lat, south + 0.001), north - 0.001),
                        lng=min(max(c.lng, west + 0.001), east - 0.001),
                    ),
                    timezone="Europe/Berlin",
                    max_travel_km=c.max_travel_km,
                    venue_kinds=sorted(c.venue_kinds),
                    group_size=c.group_size,
                    availability=availability(rng),
                    languages=sorted(c.languages),
                    age_min=c.age_min,
                    age_max=c.age_max,
                    open_to_meet=True,
                    onboarded_at=NOW,
                )
                for k, (u, c) in enumerate(zip(users, chunk, strict=True))
            )
            Profile.interests.through.objects.bulk_create(
                Profile.interests.through(
                    profile_id=p.pk, interest_id=interests[(t - 1) % len(interests)]
                )
                for p, c in zip(profiles, chunk, strict=True)
                for t in sorted(c.interest_ids)
            )
        user_ids += [u.pk for u in users]
    # 1 % blocked someone (anyone); a tenth met in a private meetup in the last 8 weeks.
    Block.objects.bulk_create(
        (
            Block(blocker_id=a, blocked_id=b)
            for a, b in ((rng.choice(user_ids), rng.choice(user_ids)) for _ in range(n // 100))
            if a != b
        ),
        ignore_conflicts=True,
    )
    venue_ids = list(Venue.objects.filter(region=region).values_list("pk", flat=True))
    shuffled = rng.sample(user_ids, k=n // 10)
    meetups: list[tuple[Event, list[int]]] = []
    at = 0
    while at < len(shuffled) - 1:
        size = rng.randint(2, 4)
        members = shuffled[at : at + size]
        at += size
        if len(members) < 2:
            break
        starts = NOW - timedelta(days=rng.randint(1, 55), hours=rng.randint(0, 10))
        meetups.append(
            (
                Event(
                    title="Meetup",
                    venue_id=rng.choice(venue_ids),
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    capacity=len(members),
                    going_count=len(members),
                    visibility=Event.Visibility.PRIVATE,
                ),
                members,
            )
        )
    events = Event.objects.bulk_create(e for e, _ in meetups)
    Rsvp.objects.bulk_create(
        Rsvp(event=e, user_id=u, status=Rsvp.Status.GOING, joined_at=e.starts_at)
        for e, (_, members) in zip(events, meetups, strict=True)
        for u in members
    )
    with connection.cursor() as cursor:
        for table in (
            "accounts_user",
            "accounts_profile",
            "accounts_profile_interests",
            "account_emailaddress",
            "safety_block",
            "events_rsvp",
            "events_event",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return user_ids


def wipe() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE matching_round, matching_suggestion, matching_suggestionmember, "
            "notifications_message, notifications_delivery, events_rsvp, events_event, "
            "events_event_interests, safety_block RESTART IDENTITY CASCADE"
        )
    User.objects.filter(email__endswith=DOMAIN).delete()


# --- Measuring --------------------------------------------------------------------------------
@contextmanager
def measured(
    rows: list[dict[str, Any]], n: int, phase: str, **extra: Any
) -> Iterator[dict[str, Any]]:
    """Seconds and every statement sent (counted by an execute wrapper: Django's own query log
    keeps only the last 9,000)."""
    row: dict[str, Any] = {"n": n, "phase": phase, **extra}
    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    gc.collect()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        yield row
        row["seconds"] = time.perf_counter() - started
    row["queries"] = len(statements)
    row["sql"] = statements
    rows.append(row)


def table_of(sql: str) -> str:
    lowered = sql.lower()
    for name, table in (
        ("people", '"accounts_profile"'),
        ("venues", '"venues_venue"'),
        ("exclusions", '"safety_block"'),
        ("exclusions", '"events_rsvp"'),
        ("exclusions", '"accounts_interest"'),
    ):
        if f"from {table}" in lowered:
            return name
    return "other"


def run(n: int, region: Region, engine_workers: int, fast: bool) -> list[dict[str, Any]]:
    wipe()
    started = time.perf_counter()
    seed_people(n, region)
    seeded = time.perf_counter() - started
    rows: list[dict[str, Any]] = []
    import time_machine

    with time_machine.travel(NOW, tick=True):
        start, end = round_window(region=region, now=timezone.now())
        round_, _ = round_claim(
            region=region,
            window_start=start,
            window_end=end,
            mode=Round.Mode.IN_PROCESS,
            trigger=Round.Trigger.COMMAND,
        )
        with measured(rows, n, "input (round_input)") as row:
            data = round_input(
                region=region,
                window_start=start,
                window_end=end,
                step=round_.slot_step,
                length=round_.slot_length,
            )
        by_phase = Counter(table_of(sql) for sql in row["sql"])
        for phase in ("people", "slots", "venues", "exclusions"):
            rows.append(
                {
                    "n": n,
                    "phase": f"  {phase}",
                    "seconds": data.timings[phase],
                    "queries": by_phase.get(phase, 0),
                }
            )
        problem = data.problem
        if fast:
            params = replace(problem.params, ejection_chains=False, exact_windows=0.0)
            problem = replace(problem, params=params)
        with measured(rows, n, "engine (match_region, for the record)"):
            result = match_region(problem, workers=engine_workers)
        with measured(rows, n, "chord payloads (pack + cells)") as row:
            packed = problem_pack(problem)
            plan = plan_cells(problem)
            sizes = [
                len(json.dumps(problem_to_json(cell_problem(problem, plan, c.index))))
                for c in plan.cells
            ]
        row["note"] = (
            f"row {len(packed) / 1e6:.1f} MB zlib; {len(sizes)} cells, JSON "
            f"{max(sizes) / 1e6:.2f} MB max, {sum(sizes) / 1e6:.1f} MB total"
        )
        with measured(rows, n, "save (round_save_result)") as row:
            saved = round_save_result(
                round_id=round_.pk,
                problem=problem,
                result=result,
                timings={"input": data.seconds},
                venues=len(problem.venues),
            )
        row["note"] = f"{saved.groups:,} proposals, {saved.matched:,} people"
        with measured(rows, n, "notify (round_notify)") as row:
            told = round_notify(round_=saved)
        row["note"] = f"{told:,} people told"
    rows[0]["note"] = (
        f"{len(problem.candidates):,} participants, {len(problem.venues):,} venues open, "
        f"{len(data.slots)} slots; {len(problem.exclusions.blocked):,} blocked and "
        f"{len(problem.exclusions.recently_met):,} recently met pairs (seeded in {seeded:.0f} s)"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--engine-workers", type=int, default=1)
    parser.add_argument(
        "--fast-engine",
        action="store_true",
        help="engine without ejection chains and exact window solves (as bench_engine --fast)",
    )
    args = parser.parse_args()

    call_command("ensure_database", verbosity=0)
    call_command("migrate", verbosity=0)
    settings.DEBUG = False
    region = Region.objects.filter(slug="munich").first()
    if region is None:
        seed_venues()
        region = Region.objects.get(slug="munich")

    rows: list[dict[str, Any]] = []
    for n in args.sizes:
        rows += run(n, region, args.engine_workers, args.fast_engine)
        print(f"done: {n:,} participants", file=sys.stderr)

    print()
    print("| participants | phase | seconds | queries | notes |")
    print("|---:|---|---:|---:|---|")
    for row in rows:
        print(
            f"| {row['n']:,} | {row['phase']} | {row['seconds']:.2f} | {row['queries']:,} | "
            f"{row.get('note', '')} |"
        )


if __name__ == "__main__":
    main()

"""Benchmark: the nearby-events endpoint at 100,000+ events in 50,000+ venues.

    .venv/bin/python tests/bench/bench_events.py [--copies 35] [--events 105000] [--samples 200]

Uses its own database, `matchup_bench_events` (created and migrated here; venue, event and
bench-user tables emptied at the start), so the dev database is never touched. Venues are
Munich's 1,476 real OpenStreetMap venues copied `--copies` times as Munich-sized cities side by
side (positions jittered ~50 m, as tests/bench/bench_venues.py does); events are spread over
them (about two per venue, the next 30 days, 1-3 interests each), plus past, cancelled and
private ones that the endpoint must skip.

Prints:
* per scenario: GET /api/v1/events through the in-process Django test client (routing,
  middleware, throttle on Redis, authentication, validation, the SQL, shaping, JSON) against
  the bare SQL of exactly the statements that request ran, on the same connection; median,
  p95, ratio, and queries per request (which must not change with the page size);
* the EXPLAIN (ANALYZE, BUFFERS) plan of the page query, checked to use the venues' GiST index.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
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
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/matchup_bench_events"
    os.environ["CACHE_KEY_PREFIX"] = "matchup_bench_events"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchup.settings")


use_bench_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from apps.accounts.models import Interest, Profile, User  # noqa: E402
from apps.core.geo import point  # noqa: E402
from apps.events.models import Event  # noqa: E402
from apps.venues import services as venue_services  # noqa: E402
from apps.venues.models import ImportRun, Venue  # noqa: E402

MUNICH = ROOT / "apps" / "venues" / "data" / "venues_munich.geojson"
GRID_COLUMNS = 6
ROW_STEP, COLUMN_STEP = 0.3, 0.5  # degrees between synthetic cities (~33 km x 37 km)
BENCH_EMAIL_DOMAIN = "bench-events.example"


def real_venues() -> list[dict[str, Any]]:
    return json.loads(MUNICH.read_text())["features"]


def city_offset(copy: int) -> tuple[float, float]:
    return (copy // GRID_COLUMNS) * ROW_STEP, (copy % GRID_COLUMNS) * COLUMN_STEP


def synthesise_venues(copies: int, rng: random.Random) -> dict[str, Any]:
    features = []
    next_id = 80_000_000_000
    for copy in range(copies):
        d_lat, d_lng = city_offset(copy)
        for feature in real_venues():
            lng, lat = feature["geometry"]["coordinates"]
            next_id += 1
            features.append(
                {
                    "type": "Feature",
                    "id": f"node/{next_id}",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [
                            round(lng + d_lng + rng.gauss(0, 0.00075), 7),
                            round(lat + d_lat + rng.gauss(0, 0.0005), 7),
                        ],
                    },
                    "properties": {**feature["properties"], "osm_id": f"node/{next_id}"},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def box_around(features: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    lngs = [f["geometry"]["coordinates"][0] for f in features]
    lats = [f["geometry"]["coordinates"][1] for f in features]
    return min(lats) - 0.01, min(lngs) - 0.01, max(lats) + 0.01, max(lngs) + 0.01


TITLES = [
    "Book swap", "Board game night", "Chess in the café", "Poetry reading", "Jazz listening",
    "Language exchange", "Sketching together", "Quiz night", "Knitting circle", "Vinyl evening",
]  # fmt: skip


def make_events(count: int, rng: random.Random) -> int:
    """`count` upcoming public events plus 20% noise (past, cancelled, private), with 1-3
    interests each, inserted in batches."""
    now = timezone.now()
    venue_ids = list(Venue.objects.filter(is_active=True).values_list("pk", flat=True))
    interest_ids = list(Interest.objects.values_list("pk", flat=True))
    organizers = User.objects.bulk_create(
        User(email=f"organizer{i}@{BENCH_EMAIL_DOMAIN}") for i in range(2000)
    )
    total = count + count // 5
    through = Event.interests.through
    batch: list[Event] = []
    made = 0

    def flush() -> None:
        nonlocal made
        created = Event.objects.bulk_create(batch)
        links = []
        for event in created:
            for interest_id in rng.sample(interest_ids, rng.randint(1, 3)):
                links.append(through(event_id=event.pk, interest_id=interest_id))
        through.objects.bulk_create(links)
        made += len(created)
        batch.clear()

    for index in range(total):
        noise = index >= count
        starts = now + timedelta(hours=rng.uniform(1, 30 * 24))
        status, visibility = Event.Status.SCHEDULED, Event.Visibility.PUBLIC
        if noise:
            kind = index % 3
            if kind == 0:
                starts = now - timedelta(hours=rng.uniform(3, 60 * 24))
            elif kind == 1:
                status = Event.Status.CANCELLED
            else:
                visibility = Event.Visibility.PRIVATE
        capacity = rng.randint(2, 20)
        batch.append(
            Event(
                title=rng.choice(TITLES),
                description="A benchmark event. " * rng.randint(1, 6),
                venue_id=rng.choice(venue_ids),
                organizer=rng.choice(organizers),
                starts_at=starts,
                ends_at=starts + timedelta(hours=rng.choice([1, 2, 2, 3])),
                capacity=capacity,
                going_count=rng.randint(1, capacity),
                status=status,
                visibility=visibility,
            )
        )
        if len(batch) == 5000:
            flush()
    if batch:
        flush()
    return made


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


Row = tuple[str, list[float], list[float], float, set[int]]


def measure(
    label: str,
    client: Client,
    points: list[tuple[float, float]],
    extra: dict[str, str],
    headers: dict[str, str],
) -> Row:
    api_ms: list[float] = []
    sql_ms: list[float] = []
    counts = 0
    query_counts: set[int] = set()
    for lat, lng in points:
        params = {"lat": f"{lat:.6f}", "lng": f"{lng:.6f}", **extra}
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/events", params, HTTP_HOST="localhost", **headers)
        assert response.status_code == 200, response.content
        statements = [q["sql"] for q in captured.captured_queries]
        query_counts.add(len(statements))
        counts += response.json()["count"]

        def api(params: dict[str, str] = params) -> None:
            client.get("/api/v1/events", params, HTTP_HOST="localhost", **headers)

        def bare(statements: list[str] = statements) -> None:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()

        runs: list[tuple[list[float], Callable[[], None]]] = [(api_ms, api), (sql_ms, bare)]
        random.shuffle(runs)  # neither side always gets the warmer cache
        for bucket, call in runs:
            started = time.perf_counter()
            call()
            bucket.append((time.perf_counter() - started) * 1000)
    return label, api_ms, sql_ms, counts / len(points), query_counts


def explain(client: Client, lat: float, lng: float) -> str:
    with CaptureQueriesContext(connection) as captured:
        client.get(
            "/api/v1/events", {"lat": lat, "lng": lng, "page_size": 50}, HTTP_HOST="localhost"
        )
    page_sql = captured.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + page_sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--copies", type=int, default=35, help="copies of Munich's venues")
    parser.add_argument("--events", type=int, default=105_000, help="upcoming public events")
    parser.add_argument("--samples", type=int, default=200, help="requests per latency row")
    args = parser.parse_args()
    rng = random.Random(2026)

    call_command("ensure_database", verbosity=0)
    call_command("migrate", verbosity=0)
    settings.DEBUG = False
    settings.EVENTS_ANON_RATE = "100000000/min"  # measure the throttle's cost, never its 429
    settings.RATE_LIMITS_ENABLED = False
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE events_event, events_rsvp, events_event_interests, events_calendarfeed, "
            "venues_venue, venues_importrun, venues_region RESTART IDENTITY CASCADE"
        )
    User.objects.filter(email__endswith=BENCH_EMAIL_DOMAIN).delete()

    started = time.perf_counter()
    spread = synthesise_venues(args.copies, rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "venues.geojson"
        path.write_text(json.dumps(spread))
        region = venue_services.region_create(
            name="Bench cities", bbox=box_around(spread["features"])
        )
        run = venue_services.region_refresh(
            region=region, trigger=ImportRun.Trigger.COMMAND, path=path
        )
    made = make_events(args.events, rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE venues_venue")
        cursor.execute("VACUUM ANALYZE events_event")
        cursor.execute("VACUUM ANALYZE events_event_interests")
    setup_seconds = time.perf_counter() - started

    viewer = User.objects.create_user(email=f"viewer@{BENCH_EMAIL_DOMAIN}")
    profile = Profile.objects.create(
        user=viewer, display_name="Viewer", home=point(lat=48.15, lng=11.57), max_travel_km=5
    )
    profile.interests.set(Interest.objects.order_by("?")[:8])
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(viewer).access_token}"}

    sample = rng.sample(real_venues(), min(args.samples, 1476))
    points = []
    for i, feature in enumerate(sample):
        d_lat, d_lng = city_offset(i % args.copies)
        lng, lat = feature["geometry"]["coordinates"]
        points.append((lat + d_lat, lng + d_lng))
    client = Client()
    for lat, lng in points[:30]:  # warm-up
        client.get("/api/v1/events", {"lat": lat, "lng": lng}, HTTP_HOST="localhost")
        client.get("/api/v1/events", {"lat": lat, "lng": lng}, HTTP_HOST="localhost", **bearer)

    anonymous: dict[str, str] = {}
    rows = [
        measure("anonymous, 5 km, relevance, page 20", client, points, {}, anonymous),
        measure("anonymous, 5 km, page 50", client, points, {"page_size": "50"}, anonymous),
        measure("anonymous, 5 km, page 100", client, points, {"page_size": "100"}, anonymous),
        measure(
            "anonymous, 5 km, by distance, page 50",
            client,
            points,
            {"page_size": "50", "ordering": "distance"},
            anonymous,
        ),
        measure("signed in (JWT), 5 km, page 20", client, points, {}, bearer),
        measure("signed in (JWT), 5 km, page 50", client, points, {"page_size": "50"}, bearer),
        measure(
            "signed in, cafes, 3 interests, next 7 days",
            client,
            points,
            {
                "kind": "cafe",
                "interests": ",".join(Interest.objects.values_list("slug", flat=True)[:3]),
                "starts_before": (timezone.now() + timedelta(days=7)).isoformat(),
                "page_size": "50",
            },
            bearer,
        ),
        measure(
            "anonymous, 20 km, page 50",
            client,
            points,
            {"radius_km": "20", "page_size": "50"},
            anonymous,
        ),
    ]
    plan = explain(client, *points[0])

    upcoming = Event.objects.filter(
        status="scheduled", visibility="public", starts_at__gt=timezone.now()
    ).count()
    print(
        f"\nEvents benchmark: {made:,} events ({upcoming:,} upcoming public) at "
        f"{Venue.objects.filter(is_active=True).count():,} venues ({run.created:,} imported), "
        f"PostgreSQL {connection.pg_version // 10000}, {len(points)} requests per row, "
        f"set-up {setup_seconds:.0f} s\n"
    )
    header = (
        f"{'GET /api/v1/events':<44}{'matches':>8}{'queries':>8}{'API p50':>9}{'p95':>8}"
        f"{'SQL p50':>9}{'p95':>8}{'API/SQL':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, api_ms, sql_ms, matches, queries in rows:
        ratio = statistics.median(api_ms) / statistics.median(sql_ms)
        print(
            f"{label:<44}{matches:>8,.0f}{'/'.join(map(str, sorted(queries))):>8}"
            f"{statistics.median(api_ms):>7.1f}ms{percentile(api_ms, 0.95):>6.1f}ms"
            f"{statistics.median(sql_ms):>7.1f}ms{percentile(sql_ms, 0.95):>6.1f}ms{ratio:>7.2f}x"
        )
    print(
        "\nmatches = mean `count`; queries = SQL statements per request (anonymous: count + page; "
        "signed in: + user, profile, interests, blocks); API = in-process Django test client; "
        "SQL = the same statements run bare on the same connection."
    )
    uses_index = "venue_active_location_gist" in plan
    print(f"\nPlan of the page query (page 50, anonymous); spatial index used: {uses_index}\n")
    print(plan)
    if not uses_index:
        raise SystemExit("The page query does not use the venues' spatial index.")


if __name__ == "__main__":
    main()

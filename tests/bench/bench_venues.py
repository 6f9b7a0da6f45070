"""Benchmark: venue import rate and nearby-venues latency at 50,000+ venues.

    .venv/bin/python tests/bench/bench_venues.py [--copies 35] [--samples 300]

Uses its own database, `matchup_bench` (created and migrated here; venue tables emptied at the
start), so the dev database is never touched. The data is Munich's 1,476 real OpenStreetMap
venues copied `--copies` times with new ids: once as that many Munich-sized cities side by side
(real density), and once piled onto a single city (a 35x denser worst case).

Prints one table:
* import rate of a fresh GeoJSON import, of the same file again (all unchanged), of a refresh
  where 5% changed and 2% disappeared, and of the dense file;
* GET /api/v1/venues (anonymous, in-process Django test client: URL routing, middleware,
  throttle on Redis, validation, the two SQL queries, opening hours, serialisation) against the
  bare SQL of exactly the same two statements run on the same connection; median, p95, ratio.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def use_bench_database() -> None:
    import environ

    env_file = ROOT / ".env"
    if env_file.is_file():
        environ.Env.read_env(env_file)  # fills os.environ where not already set
    url = os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/matchup")
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/matchup_bench"
    os.environ["CACHE_KEY_PREFIX"] = "matchup_bench"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchup.settings")


use_bench_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.venues import services  # noqa: E402
from apps.venues.models import ImportRun, Region, Venue  # noqa: E402

MUNICH = ROOT / "apps" / "venues" / "data" / "venues_munich.geojson"
GRID_COLUMNS = 6
ROW_STEP, COLUMN_STEP = 0.3, 0.5  # degrees between synthetic cities (~33 km x 37 km)
DENSE_OFFSET = (2.5, 0.0)  # the dense worst case sits north of the grid


def real_venues() -> list[dict[str, Any]]:
    return json.loads(MUNICH.read_text())["features"]


def city_offset(copy: int) -> tuple[float, float]:
    return (copy // GRID_COLUMNS) * ROW_STEP, (copy % GRID_COLUMNS) * COLUMN_STEP


def synthesise(copies: int, rng: random.Random, *, dense: bool, first_id: int) -> dict[str, Any]:
    """`copies` x Munich. Spread: each copy is a Munich-sized city of its own on a grid, with the
    real density (positions jittered ~50 m). Dense: every copy on top of one Munich, jittered
    ~250 m, so a 2 km radius in the centre holds ~35x the real number of venues."""
    features = []
    next_id = first_id
    for copy in range(copies):
        d_lat, d_lng = DENSE_OFFSET if dense else city_offset(copy)
        sigma = 0.0025 if dense else 0.0005
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
                            round(lng + d_lng + rng.gauss(0, sigma * 1.5), 7),
                            round(lat + d_lat + rng.gauss(0, sigma), 7),
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


def timed_import(region: Region, path: Path) -> tuple[float, ImportRun]:
    started = time.perf_counter()
    run = services.region_refresh(region=region, trigger=ImportRun.Trigger.COMMAND, path=path)
    return time.perf_counter() - started, run


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


Row = tuple[str, list[float], list[float], float]


def measure(
    label: str, client: Client, points: list[tuple[float, float]], extra: dict[str, str]
) -> Row:
    api_ms: list[float] = []
    sql_ms: list[float] = []
    counts = 0
    for lat, lng in points:
        params = {"lat": f"{lat:.6f}", "lng": f"{lng:.6f}", **extra}
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/venues", params, HTTP_HOST="localhost")
        assert response.status_code == 200, response.content
        statements = [q["sql"] for q in captured.captured_queries]
        counts += response.json()["count"]

        def api(params: dict[str, str] = params) -> None:
            client.get("/api/v1/venues", params, HTTP_HOST="localhost")

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
    return label, api_ms, sql_ms, counts / len(points)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--copies", type=int, default=35, help="copies of Munich's venues")
    parser.add_argument("--samples", type=int, default=300, help="requests per latency row")
    args = parser.parse_args()
    rng = random.Random(2026)

    call_command("ensure_database", verbosity=0)
    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no query logging overhead in the measured requests
    settings.VENUES_ANON_RATE = "100000000/min"  # measure the throttle's cost, never its 429
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE venues_venue, venues_importrun, venues_region RESTART IDENTITY CASCADE"
        )

    spread = synthesise(args.copies, rng, dense=False, first_id=90_000_000_000)
    dense = synthesise(args.copies, rng, dense=True, first_id=95_000_000_000)
    total = len(spread["features"])
    imports: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / "venues.geojson"
        first.write_text(json.dumps(spread))
        region = services.region_create(name="Bench cities", bbox=box_around(spread["features"]))
        seconds, run = timed_import(region, first)
        assert run.created == total, run
        imports.append(
            (
                f"import {run.created:,} new venues "
                f"(GeoJSON file, {first.stat().st_size / 1e6:.0f} MB)",
                f"{seconds:5.1f} s   {run.created / seconds:8,.0f} venues/s",
            )
        )
        seconds, run = timed_import(region, first)
        assert (run.created, run.updated, run.unchanged) == (0, 0, total), run
        imports.append(
            (
                "same file again (idempotent: all unchanged)",
                f"{seconds:5.1f} s   {total / seconds:8,.0f} venues/s",
            )
        )
        features = list(spread["features"])
        rng.shuffle(features)
        gone = len(features) * 2 // 100
        for feature in features[gone : gone + len(features) * 5 // 100]:
            feature["properties"] = {**feature["properties"], "name": "Renamed"}
        changed = Path(tmp) / "changed.geojson"
        changed.write_text(json.dumps({"type": "FeatureCollection", "features": features[gone:]}))
        seconds, run = timed_import(region, changed)
        imports.append(
            (
                f"refresh: {run.updated:,} changed, {run.deactivated:,} gone, rest unchanged",
                f"{seconds:5.1f} s   {run.received / seconds:8,.0f} venues/s",
            )
        )
        dense_file = Path(tmp) / "dense.geojson"
        dense_file.write_text(json.dumps(dense))
        dense_region = services.region_create(
            name="Bench dense", bbox=box_around(dense["features"])
        )
        seconds, run = timed_import(dense_region, dense_file)
        imports.append(
            (
                f"import {run.created:,} more (dense worst case, one city)",
                f"{seconds:5.1f} s   {run.created / seconds:8,.0f} venues/s",
            )
        )

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE venues_venue")  # what autovacuum does after a big import
    active = Venue.objects.filter(is_active=True).count()
    sample = rng.sample(real_venues(), min(args.samples, 1476))
    spread_points = []
    for i, feature in enumerate(sample):
        d_lat, d_lng = city_offset(i % args.copies)
        lng, lat = feature["geometry"]["coordinates"]
        spread_points.append((lat + d_lat, lng + d_lng))
    dense_points = [
        (f["geometry"]["coordinates"][1] + DENSE_OFFSET[0], f["geometry"]["coordinates"][0])
        for f in sample
    ]
    client = Client()
    for lat, lng in spread_points[:30]:  # warm-up
        client.get("/api/v1/venues", {"lat": lat, "lng": lng}, HTTP_HOST="localhost")
    evening = {"kind": "bar", "open_at": "2026-05-08T21:00:00+02:00"}
    latency = [
        measure("radius 2 km (default), page of 20", client, spread_points, {}),
        measure("radius 5 km", client, spread_points, {"radius_km": "5"}),
        measure("radius 2 km, kind=bar, open_at=Fri 21:00", client, spread_points, evening),
        measure("radius 50 km (the maximum)", client, spread_points, {"radius_km": "50"}),
        measure("dense city (35x Munich), radius 2 km", client, dense_points, {}),
    ]

    print(
        f"\nVenue benchmark: {active:,} active venues in matchup_bench, "
        f"PostgreSQL {connection.pg_version // 10000}, {len(spread_points)} requests per row\n"
    )
    width = max(len(label) for label, _ in imports) + 2
    for label, value in imports:
        print(f"{label:<{width}}{value}")
    print()
    header = (
        f"{'GET /api/v1/venues':<42}{'in radius':>10}{'API p50':>10}{'p95':>9}"
        f"{'SQL p50':>10}{'p95':>9}{'API/SQL':>9}"
    )
    print(header)
    print("-" * len(header))
    for label, api_ms, sql_ms, in_radius in latency:
        ratio = statistics.median(api_ms) / statistics.median(sql_ms)
        print(
            f"{label:<42}{in_radius:>10,.0f}"
            f"{statistics.median(api_ms):>8.1f}ms{percentile(api_ms, 0.95):>7.1f}ms"
            f"{statistics.median(sql_ms):>8.1f}ms{percentile(sql_ms, 0.95):>7.1f}ms{ratio:>8.1f}x"
        )
    print(
        "\nin radius = mean `count` (venues matching); API = in-process Django test client "
        "(routing, middleware, Redis throttle, validation, SQL, opening hours, JSON); "
        "SQL = the same count + page statements run bare on the same connection."
    )


if __name__ == "__main__":
    main()

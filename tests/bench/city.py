"""Synthetic rounds drawn like a real city, on the real venues of the demo city (Munich).

* Venues: apps/venues/data/venues_munich.geojson (OpenStreetMap contributors, ODbL), 1,476 cafés
  and bars. Each venue's OSM `opening_hours` is evaluated per slot with opening-hours-py: open
  for a slot when open for the whole two hours. Missing (~25%) or unparseable strings get
  *typical hours* (cafés 08:00-19:00, bars 17:00-01:00, every day), so they stay usable.
* Slots: the 7 days of a fixed week (Mon 2026-03-02 .. Sun 03-08, Europe/Berlin wall time, no
  public holiday), two-hour slots starting 08:00, 10:00, ..., 20:00: 49 slots, index
  day * 7 + k.
* Homes: gaussian (sigma 0.9 km) around the 25 Munich district centres, weighted by population.
* Interests: 150 ids, Zipf (s = 1.0) popularity, 3-12 per person.
* Availability: weekday evenings, weekend afternoons, some lunches, a few weekday mornings.
* Larger rounds (> 25,000 people) tile copies of the city 60 km apart, so density stays that of
  a busy Munich and venues are not shared by more people than in reality.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import opening_hours

from apps.matching.engine import Candidate, Exclusions, MatchProblem, VenueOption
from apps.matching.engine.types import EngineParams, GroupSize, Objective

VENUES_PATH = (
    Path(__file__).resolve().parents[2] / "apps" / "venues" / "data" / "venues_munich.geojson"
)
# A Monday, as naive Europe/Berlin wall time: opening_hours strings are in local time.
WEEK_START = dt.datetime(2026, 3, 2)  # noqa: DTZ001
SLOT_STARTS = (8, 10, 12, 14, 16, 18, 20)
N_SLOTS = 7 * len(SLOT_STARTS)
PEOPLE_PER_TILE = 25_000

# Munich's 25 districts: centre (lat, lng) and population in thousands (approximate).
DISTRICTS: tuple[tuple[str, float, float, int], ...] = (
    ("Altstadt-Lehel", 48.1374, 11.5800, 21),
    ("Ludwigsvorstadt-Isarvorstadt", 48.1300, 11.5600, 51),
    ("Maxvorstadt", 48.1500, 11.5680, 52),
    ("Schwabing-West", 48.1650, 11.5700, 69),
    ("Au-Haidhausen", 48.1280, 11.5950, 62),
    ("Sendling", 48.1180, 11.5400, 41),
    ("Sendling-Westpark", 48.1150, 11.5200, 60),
    ("Schwanthalerhoehe", 48.1340, 11.5350, 30),
    ("Neuhausen-Nymphenburg", 48.1560, 11.5300, 99),
    ("Moosach", 48.1800, 11.5100, 54),
    ("Milbertshofen-Am Hart", 48.1900, 11.5700, 77),
    ("Schwabing-Freimann", 48.1800, 11.6000, 80),
    ("Bogenhausen", 48.1550, 11.6200, 90),
    ("Berg am Laim", 48.1250, 11.6350, 46),
    ("Trudering-Riem", 48.1200, 11.6700, 75),
    ("Ramersdorf-Perlach", 48.1000, 11.6400, 117),
    ("Obergiesing-Fasangarten", 48.1100, 11.5900, 55),
    ("Untergiesing-Harlaching", 48.1000, 11.5700, 54),
    ("Thalkirchen-Obersendling", 48.0850, 11.5300, 61),
    ("Hadern", 48.1100, 11.4800, 50),
    ("Pasing-Obermenzing", 48.1500, 11.4600, 79),
    ("Aubing-Lochhausen-Langwied", 48.1600, 11.4100, 50),
    ("Allach-Untermenzing", 48.1900, 11.4700, 34),
    ("Feldmoching-Hasenbergl", 48.2150, 11.5400, 63),
    ("Laim", 48.1400, 11.5000, 57),
)
TYPICAL_HOURS = {"cafe": "Mo-Su 08:00-19:00", "bar": "Mo-Su 17:00-01:00"}
LANGUAGES = (
    ("de", 0.9),
    ("en", 0.55),
    ("tr", 0.05),
    ("it", 0.04),
    ("fr", 0.04),
    ("es", 0.04),
    ("ru", 0.03),
    ("ar", 0.03),
)
N_INTERESTS = 150


def slot_bounds(slot: int) -> tuple[dt.datetime, dt.datetime]:
    day, k = divmod(slot, len(SLOT_STARTS))
    start = WEEK_START + dt.timedelta(days=day, hours=SLOT_STARTS[k])
    return start, start + dt.timedelta(hours=2)


def open_slots(hours: str) -> frozenset[int]:
    """Slots during which the venue is open for the whole two hours ("unknown" counts as
    closed)."""
    oh = opening_hours.OpeningHours(hours, max_interval_days=8)
    week_end = WEEK_START + dt.timedelta(days=8)
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end, state, _ in oh.intervals(WEEK_START, week_end):
        if state != opening_hours.State.OPEN:
            continue
        start = start.replace(tzinfo=None)
        end = week_end if end is None else end.replace(tzinfo=None)
        if spans and spans[-1][1] >= start:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    out = set()
    for slot in range(N_SLOTS):
        s_start, s_end = slot_bounds(slot)
        if any(a <= s_start and s_end <= b for a, b in spans):
            out.add(slot)
    return frozenset(out)


@lru_cache(maxsize=1)
def munich_venues() -> tuple[tuple[VenueOption, ...], dict[str, int]]:
    """The real venues with their open slots, and how their hours were obtained."""
    data = json.loads(VENUES_PATH.read_text())
    venues = []
    how = {"parsed": 0, "missing": 0, "unparseable": 0}
    for k, feature in enumerate(data["features"]):
        props = feature["properties"]
        lng, lat = feature["geometry"]["coordinates"]
        kind = props["kind"]
        hours = props.get("opening_hours")
        slots: frozenset[int] | None = None
        if hours:
            try:
                slots = open_slots(hours)
                how["parsed"] += 1
            except (opening_hours.ParserError, SyntaxError, ValueError):
                how["unparseable"] += 1
        else:
            how["missing"] += 1
        if slots is None:
            slots = open_slots(TYPICAL_HOURS[kind])
        venues.append(VenueOption(venue_id=k + 1, lat=lat, lng=lng, kind=kind, open_slots=slots))
    return tuple(venues), how


def _availability(rng: np.random.Generator) -> frozenset[int]:
    per_day = len(SLOT_STARTS)
    slots: set[int] = set()
    while not slots:
        if rng.random() < 0.75:  # weekday evenings
            for day in rng.choice(5, size=rng.integers(1, 5), replace=False):
                slots.update(day * per_day + k for k in (5, 6) if rng.random() < 0.8)
        if rng.random() < 0.6:  # weekend afternoons
            for day in (5, 6):
                if rng.random() < 0.7:
                    slots.update(day * per_day + k for k in (2, 3, 4) if rng.random() < 0.75)
        if rng.random() < 0.2:  # weekday lunches
            for day in range(5):
                if rng.random() < 0.5:
                    slots.add(day * per_day + 2)
        if rng.random() < 0.1:  # weekday mornings (students, parents, retirees)
            for day in range(5):
                if rng.random() < 0.5:
                    slots.add(day * per_day + int(rng.integers(0, 2)))
    return frozenset(int(s) for s in slots)


def population(
    n: int,
    *,
    seed: int,
    group_mix: Sequence[tuple[GroupSize, float]] = (("pair", 0.35), ("group", 0.25), ("any", 0.4)),
    tiles: int | None = None,
    spread_km: float = 0.9,
    district_index: int | None = None,
) -> tuple[list[Candidate], int]:
    """n people in ceil(n / 25,000) tiles of Munich (or all in one district); returns
    (people, tiles)."""
    rng = np.random.default_rng(seed)
    tiles = tiles or max(1, math.ceil(n / PEOPLE_PER_TILE))
    centres = np.array([(d[1], d[2]) for d in DISTRICTS])
    weights = np.array([d[3] for d in DISTRICTS], dtype=float)
    if district_index is not None:
        weights = np.zeros(len(DISTRICTS))
        weights[district_index] = 1.0
    district = rng.choice(len(DISTRICTS), size=n, p=weights / weights.sum())
    tile = rng.integers(0, tiles, size=n)
    lat0 = centres[district, 0] + rng.normal(0, spread_km / 111.2, n)
    km_per_lng = 111.2 * math.cos(math.radians(48.14))
    lng0 = centres[district, 1] + rng.normal(0, spread_km / km_per_lng, n)
    lat_off, lng_off = _tile_offsets(tiles)
    lat = lat0 + lat_off[tile]
    lng = lng0 + lng_off[tile]
    zipf = 1.0 / np.arange(1, N_INTERESTS + 1)
    zipf /= zipf.sum()
    interest_ids = rng.permutation(N_INTERESTS) + 1  # which id is popular is arbitrary
    sizes, size_p = zip(*group_mix, strict=True)
    prefs = rng.choice(len(sizes), size=n, p=np.array(size_p) / sum(size_p))
    people = []
    for k in range(n):
        count = int(min(12, 3 + rng.poisson(3)))
        picks = rng.choice(N_INTERESTS, size=count, replace=False, p=zipf)
        langs = frozenset(code for code, p in LANGUAGES if rng.random() < p) or frozenset({"de"})
        age: int | None = int(np.clip(rng.normal(34, 11), 18, 80))
        if rng.random() < 0.1:
            age = None
        age_min = age_max = None
        if age is not None and rng.random() < 0.25:
            age_min, age_max = max(18, age - 8), age + 8
        kinds_roll = rng.random()
        kinds = (
            frozenset()
            if kinds_roll < 0.4
            else frozenset({"cafe"})
            if kinds_roll < 0.75
            else frozenset({"bar"})
            if kinds_roll < 0.85
            else frozenset({"cafe", "bar"})
        )
        people.append(
            Candidate(
                user_id=k + 1,
                lat=float(lat[k]),
                lng=float(lng[k]),
                max_travel_km=float(
                    rng.choice([2.0, 3.0, 5.0, 8.0, 10.0], p=[0.15, 0.25, 0.35, 0.15, 0.10])
                ),
                interest_ids=frozenset(int(interest_ids[p]) for p in picks),
                free_slots=_availability(rng),
                languages=langs,
                group_size=sizes[prefs[k]],
                age=age,
                age_min=age_min,
                age_max=age_max,
                venue_kinds=kinds,
            )
        )
    return people, tiles


def _tile_offsets(tiles: int) -> tuple[np.ndarray, np.ndarray]:
    side = math.ceil(math.sqrt(tiles))
    rows, cols = np.divmod(np.arange(tiles), side)
    return rows * 0.55, cols * 0.8  # ~60 km apart


def tiled_venues(tiles: int) -> tuple[VenueOption, ...]:
    base, _ = munich_venues()
    lat_off, lng_off = _tile_offsets(tiles)
    out = []
    for t in range(tiles):
        for v in base:
            out.append(
                VenueOption(
                    venue_id=t * 100_000 + v.venue_id,
                    lat=v.lat + lat_off[t],
                    lng=v.lng + lng_off[t],
                    kind=v.kind,
                    open_slots=v.open_slots,
                )
            )
    return tuple(out)


def exclusions(people: Sequence[Candidate], *, seed: int) -> Exclusions:
    """About 1% of people block a nearby person, 3% recently met one."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed + 1)
    pts = np.array([(c.lat, c.lng * math.cos(math.radians(48.14))) for c in people])
    if len(people) < 6:
        return Exclusions()
    _, idx = cKDTree(pts).query(pts, k=6)
    blocked, met = set(), set()
    for k, c in enumerate(people):
        roll = rng.random()
        other = people[int(idx[k, rng.integers(1, 6)])].user_id
        if roll < 0.01:
            blocked.add((c.user_id, other))
        elif roll < 0.04:
            met.add((c.user_id, other))
    return Exclusions(blocked=frozenset(blocked), recently_met=frozenset(met))


def round_problem(
    n: int,
    *,
    seed: int = 1,
    group_mix: Sequence[tuple[GroupSize, float]] = (("pair", 0.35), ("group", 0.25), ("any", 0.4)),
    capacity: int = 2,
    params: EngineParams | None = None,
    objective: Objective | None = None,
    spread_km: float = 0.9,
    district_index: int | None = None,
) -> MatchProblem:
    people, tiles = population(
        n, seed=seed, group_mix=group_mix, spread_km=spread_km, district_index=district_index
    )
    return MatchProblem(
        candidates=tuple(people),
        venues=tiled_venues(tiles),
        exclusions=exclusions(people, seed=seed),
        max_groups_per_venue_slot=capacity,
        params=params or EngineParams(),
        objective=objective or Objective(),
    )

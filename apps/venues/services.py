"""Writes on venues and regions: the one refresh pipeline every entry point goes through.

`region_refresh` is called by the Celery task (beat or the admin's "Refresh now"), by the
`refresh_venues` and `import_venues` commands and by the demo. It

1. takes a per-region PostgreSQL advisory lock, so two refreshes of one region never overlap
   (a second one is recorded as *skipped*; the lock dies with a crashed worker's connection);
2. reads the whole source first (Overpass or a file): a failed, truncated or empty download
   raises before anything is written;
3. upserts by `(source, external_id)` in one transaction, rewriting only rows whose content
   changed, and on a complete run retires (`is_active=False`) the region's venues it did not
   see. Venues are never deleted; events keep pointing at retired ones;
4. records the run (counts, duration, error) in `ImportRun`.

Running it twice with the same data changes no venue: the second run counts everything as
unchanged and only moves `last_seen_at`. Why these choices: docs/adr/0030.
"""

import hashlib
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from psycopg.types.json import Jsonb

from apps.core.geo import timezone_at
from apps.venues.models import ImportRun, Region, Venue
from apps.venues.providers import files, overpass
from apps.venues.providers.records import Batch, EmptySource, SourceError, VenueRecord

logger = logging.getLogger(__name__)

# Namespace of our advisory locks (pg_try_advisory_lock(int, int)): "venues region refresh".
LOCK_NAMESPACE = 7301


class RefreshRefused(SourceError):
    """The new data would retire an implausible share of a region's venues."""

    code = "venue_refresh_refused"
    default_detail = "The refresh would retire too many venues; nothing was changed."


@dataclass(frozen=True)
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reactivated: int = 0
    deactivated: int = 0


# --- Regions --------------------------------------------------------------------------------
def region_create(
    *,
    name: str,
    bbox: tuple[float, float, float, float],
    provider: str = Region.Provider.OVERPASS,
    source_path: str = "",
    refresh_interval: timedelta = timedelta(days=7),
) -> Region:
    """Create a region from a (south, west, north, east) box. Raises ValidationError."""
    south, west, north, east = bbox
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise ValidationError({"area": "The box must be south < north and west < east, in range."})
    region = Region(
        name=name.strip(),
        slug=slugify(name)[:100],
        area=Polygon.from_bbox((west, south, east, north)),
        provider=provider,
        source_path=source_path,
        refresh_interval=refresh_interval,
    )
    region.area.srid = 4326
    region.full_clean()
    validate_source_path(region)
    region.save()
    return region


def validate_source_path(region: Region) -> None:
    """A file region may only read inside VENUES_IMPORT_DIRS: the path is editable by staff in
    the admin, and must not become a way to make the server parse arbitrary files."""
    if region.provider != Region.Provider.FILE:
        return
    path = resolve_source_path(region.source_path)
    allowed = [Path(d).resolve() for d in settings.VENUES_IMPORT_DIRS]
    if not any(path.is_relative_to(d) for d in allowed):
        raise ValidationError({"source_path": "The file must be inside one of VENUES_IMPORT_DIRS."})


def resolve_source_path(source_path: str) -> Path:
    path = Path(source_path)
    return (path if path.is_absolute() else Path(settings.BASE_DIR) / path).resolve()


def regions_claim_due(*, now: datetime | None = None) -> list[int]:
    """Ids of active regions whose interval has passed and that were not asked for lately;
    marks them asked, so the beat scan does not queue a region again while it is queued,
    running or failing (retried after VENUES_REFRESH_RETRY_MINUTES)."""
    now = now or timezone.now()
    retry_before = now - timedelta(minutes=settings.VENUES_REFRESH_RETRY_MINUTES)
    due = Region.objects.filter(is_active=True).filter(
        Q(last_refreshed_at__isnull=True) | Q(last_refreshed_at__lte=now - F("refresh_interval"))
    )
    due = due.filter(
        Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lte=retry_before)
    )
    claimed = []
    for region_id in due.values_list("pk", flat=True):
        # Conditional update: two overlapping scans cannot both claim the same region.
        if (
            Region.objects.filter(pk=region_id)
            .filter(
                Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lte=retry_before)
            )
            .update(refresh_requested_at=now)
        ):
            claimed.append(region_id)
    return claimed


def region_mark_requested(*, region: Region) -> Region:
    region.refresh_requested_at = timezone.now()
    Region.objects.filter(pk=region.pk).update(refresh_requested_at=region.refresh_requested_at)
    return region


# --- The refresh pipeline -------------------------------------------------------------------
def region_refresh(
    *,
    region: Region,
    trigger: str,
    path: Path | None = None,
    complete: bool = True,
    force: bool = False,
) -> ImportRun:
    """Refresh `region` from its provider (or from `path` when given) and return the run.

    Raises SourceError (after recording the failed run) when the source cannot be read or the
    result is refused; a SourceUnavailable is worth retrying later. When another refresh of the
    region holds the lock, records and returns a *skipped* run without touching anything.
    """
    provider, source = _describe_source(region, path)
    with _region_lock(region.pk) as acquired:
        if not acquired:
            return ImportRun.objects.create(
                region=region,
                trigger=trigger,
                provider=provider,
                source=source,
                complete=complete,
                status=ImportRun.Status.SKIPPED,
                finished_at=timezone.now(),
                error="Another refresh of this region is running.",
            )
        run = ImportRun.objects.create(
            region=region, trigger=trigger, provider=provider, source=source, complete=complete
        )
        try:
            batch = _read_source(region, path)
            records = _inside_region(region, batch)
            with transaction.atomic():
                counts = venues_upsert(
                    region=region,
                    records=records,
                    complete=complete,
                    seen_at=run.started_at,
                    force=force,
                )
        except (
            BaseException
        ) as exc:  # recorded whatever it was (incl. a soft time limit), then re-raised
            _finish(run, status=ImportRun.Status.FAILED, error=_describe_error(exc))
            raise
        _finish(run, status=ImportRun.Status.SUCCEEDED, batch=batch, counts=counts)
        now = timezone.now()
        Region.objects.filter(pk=region.pk).update(last_refreshed_at=now)
        region.last_refreshed_at = now
        logger.info(
            "Region %s refreshed: %s created, %s updated, %s deactivated, %s skipped",
            region,
            run.created,
            run.updated,
            run.deactivated,
            run.skipped,
        )
        return run


def venues_upsert(
    *,
    region: Region,
    records: Sequence[VenueRecord],
    complete: bool,
    seen_at: datetime,
    force: bool = False,
) -> UpsertCounts:
    """Insert new venues, rewrite changed ones, touch `last_seen_at` on all seen, and (complete
    runs) retire the region's venues not seen. Caller holds a transaction and the region lock.

    A venue another region already owns (overlapping regions) keeps its owner while active, so
    two overlapping refreshes do not hand it back and forth.
    """
    by_key = {(r.source, r.external_id): r for r in records}
    existing = _existing_venues(by_key)

    incoming: list[tuple[Any, ...]] = []  # rows for the COPY: id is None for new venues
    seen_pks: list[int] = []
    created = changed = reactivated = 0
    for key, record in by_key.items():
        content_hash = record_hash(record)
        if key not in existing:
            incoming.append(_row(None, record, region.pk, content_hash, seen_at))
            created += 1
            continue
        pk, old_hash, is_active, owner_id = existing[key]
        seen_pks.append(pk)
        if old_hash == content_hash and is_active:
            continue
        if not is_active:
            reactivated += 1
            owner_id = region.pk
        changed += 1
        incoming.append(_row(pk, record, owner_id or region.pk, content_hash, seen_at))

    table = Venue._meta.db_table
    with connection.cursor() as cursor:
        if incoming:
            created = _write_incoming(cursor, table, incoming)
        cursor.execute(
            f"UPDATE {table} SET last_seen_at = %s WHERE id = ANY(%s)",  # noqa: S608 - our table name
            [seen_at, seen_pks],
        )

    deactivated = 0
    if complete:
        missing = Venue.objects.filter(
            region=region, source__in={r.source for r in records}, is_active=True
        ).filter(last_seen_at__lt=seen_at)
        deactivated = missing.count()
        _refuse_implausible_shrink(region, deactivated=deactivated, force=force)
        missing.update(is_active=False, updated_at=seen_at)
    return UpsertCounts(
        created=created,
        updated=changed - reactivated,
        unchanged=len(seen_pks) - changed,
        reactivated=reactivated,
        deactivated=deactivated,
    )


# Columns an import writes, in COPY order (`id` first: None for a new venue).
COPY_COLUMNS = (
    "id",
    "source",
    "external_id",
    "region_id",
    "name",
    "kind",
    "location",
    "address",
    "opening_hours",
    "timezone",
    "wheelchair",
    "outdoor_seating",
    "wifi",
    "website",
    "phone",
    "osm_tags",
    "content_hash",
    "is_active",
    "first_seen_at",
    "last_seen_at",
    "created_at",
    "updated_at",
)
# What an update rewrites; first_seen_at and created_at stay.
UPDATE_COLUMNS = tuple(
    c
    for c in COPY_COLUMNS
    if c not in ("id", "source", "external_id", "first_seen_at", "created_at")
)


def _existing_venues(
    by_key: dict[tuple[str, str], VenueRecord],
) -> dict[tuple[str, str], tuple[int, str, bool, int | None]]:
    existing: dict[tuple[str, str], tuple[int, str, bool, int | None]] = {}
    with connection.cursor() as cursor:
        for source, ids in _group_ids(by_key):
            # One array parameter instead of a 50,000-item IN list.
            cursor.execute(
                f"SELECT id, external_id, content_hash, is_active, region_id "  # noqa: S608
                f"FROM {Venue._meta.db_table} WHERE source = %s AND external_id = ANY(%s)",
                [source, ids],
            )
            for pk, external_id, content_hash, is_active, region_id in cursor.fetchall():
                existing[(source, external_id)] = (pk, content_hash, is_active, region_id)
    return existing


def _row(
    pk: int | None, record: VenueRecord, region_id: int, content_hash: str, now: datetime
) -> tuple[Any, ...]:
    return (
        pk,
        record.source,
        record.external_id,
        region_id,
        record.name,
        str(record.kind),
        f"SRID=4326;POINT({record.lng!r} {record.lat!r})",
        record.address,
        record.opening_hours,
        timezone_at(lat=record.lat, lng=record.lng),
        record.wheelchair,
        record.outdoor_seating,
        record.wifi,
        record.website,
        record.phone,
        Jsonb(record.tags),
        content_hash,
        True,
        now,
        now,
        now,
        now,
    )


def _write_incoming(cursor: Any, table: str, rows: list[tuple[Any, ...]]) -> int:
    """COPY the rows into a temporary table, then insert the new ones and rewrite the changed
    ones in two statements: about ten times faster than the ORM's batched INSERTs and CASE
    updates at 50,000 venues (tests/bench/bench_venues.py). Returns how many were inserted."""
    columns = ", ".join(COPY_COLUMNS)
    cursor.execute("DROP TABLE IF EXISTS venue_incoming")
    cursor.execute(
        f"CREATE TEMPORARY TABLE venue_incoming ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {columns} FROM {table} WITH NO DATA"
    )
    with cursor.cursor.copy(f"COPY venue_incoming ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    inserted = ", ".join(COPY_COLUMNS[1:])
    # DO NOTHING: an overlapping region's refresh may have inserted the same venue meanwhile;
    # it is then that region's, and counted there.
    cursor.execute(
        f"INSERT INTO {table} ({inserted}) SELECT {inserted} FROM venue_incoming "  # noqa: S608
        "WHERE id IS NULL ON CONFLICT (source, external_id) DO NOTHING"
    )
    created = int(cursor.rowcount)
    assignments = ", ".join(f"{column} = i.{column}" for column in UPDATE_COLUMNS)
    cursor.execute(
        f"UPDATE {table} AS v SET {assignments} FROM venue_incoming AS i "  # noqa: S608
        "WHERE i.id IS NOT NULL AND v.id = i.id"
    )
    cursor.execute("DROP TABLE venue_incoming")
    return created


def record_hash(record: VenueRecord) -> str:
    """A digest of everything an import writes, so unchanged rows are left alone."""
    payload = [
        record.name,
        record.kind,
        round(record.lat, 7),
        round(record.lng, 7),
        record.address,
        record.opening_hours,
        record.wheelchair,
        record.outdoor_seating,
        record.wifi,
        record.website,
        record.phone,
        sorted(record.tags.items()),
    ]
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()


# --- Helpers --------------------------------------------------------------------------------
@contextmanager
def _region_lock(region_id: int) -> Iterator[bool]:
    """A session-level advisory lock: held across the download and the upsert transaction
    without keeping a transaction open, and released by PostgreSQL if the worker dies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, region_id])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, region_id])
            except DatabaseError:
                logger.exception("Could not release the refresh lock of region %s", region_id)


def _describe_source(region: Region, path: Path | None) -> tuple[str, str]:
    if path is not None:
        return Region.Provider.FILE, str(path)
    if region.provider == Region.Provider.FILE:
        return Region.Provider.FILE, region.source_path
    return Region.Provider.OVERPASS, settings.OVERPASS_URL


def _read_source(region: Region, path: Path | None) -> Batch:
    if path is not None:
        return files.read_file(path)
    if region.provider == Region.Provider.FILE:
        try:
            validate_source_path(region)
        except ValidationError as exc:
            raise SourceError(" ".join(exc.messages)) from exc
        return files.read_file(resolve_source_path(region.source_path))
    return overpass.fetch(bbox=region.bbox)


def _inside_region(region: Region, batch: Batch) -> list[VenueRecord]:
    area = region.area
    if area.equals(area.envelope):
        # A box (the usual region): compare numbers instead of building 50,000 GEOS points.
        west, south, east, north = area.extent
        inside = [r for r in batch.records if south <= r.lat <= north and west <= r.lng <= east]
    else:
        prepared = area.prepared
        inside = [r for r in batch.records if prepared.covers(Point(r.lng, r.lat, srid=4326))]
    outside = len(batch.records) - len(inside)
    if outside:
        batch.skipped["outside_region"] += outside
    if not inside:
        raise EmptySource(
            f"None of the {len(batch.records)} venues read lies inside {region}; "
            "nothing was changed."
        )
    return inside


def _refuse_implausible_shrink(region: Region, *, deactivated: int, force: bool) -> None:
    if force or deactivated == 0:
        return
    active_before = Venue.objects.filter(region=region, is_active=True).count()
    if active_before < settings.VENUES_SHRINK_GUARD_MIN_VENUES:
        return
    share = deactivated / active_before
    if share > settings.VENUES_MAX_DEACTIVATE_FRACTION:
        raise RefreshRefused(
            f"The new data would retire {deactivated} of {active_before} active venues "
            f"({share:.0%}); refusing, as that looks like an incomplete download. "
            "If it is real, run `manage.py refresh_venues --force`."
        )


def _finish(
    run: ImportRun,
    *,
    status: str,
    error: str = "",
    batch: Batch | None = None,
    counts: UpsertCounts | None = None,
) -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    if batch is not None:
        run.received = batch.received
        run.skipped = sum(batch.skipped.values())
        run.skipped_reasons = dict(sorted(batch.skipped.items()))
    if counts is not None:
        run.created = counts.created
        run.updated = counts.updated
        run.unchanged = counts.unchanged
        run.reactivated = counts.reactivated
        run.deactivated = counts.deactivated
    try:
        run.save()
    except DatabaseError:
        # The connection may be gone (that may be why we failed); the log keeps the outcome.
        logger.exception("Could not record import run %s as %s: %s", run.pk, status, error)


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, SourceError):
        return f"{exc.code}: {exc.detail}"
    return f"{type(exc).__name__}: {exc}"


def _group_ids(by_key: dict[tuple[str, str], Any]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for source, external_id in by_key:
        grouped.setdefault(source, []).append(external_id)
    return list(grouped.items())

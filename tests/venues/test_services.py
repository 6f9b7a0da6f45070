"""The refresh pipeline: upsert by natural key, idempotent, retiring (never deleting) venues."""

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import time_machine
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from pytest_django import Settings

from apps.venues import services
from apps.venues.models import ImportRun, Region, Venue
from apps.venues.providers.records import EmptySource, InvalidSource
from tests.factories.venues import RegionFactory, VenueFactory, bbox_polygon
from tests.venues.conftest import (
    DATA,
    HELSINKI_PBF,
    MUNICH_BBOX,
    OVERPASS_SAMPLE,
    SAMPLE_GEOJSON,
    overpass_sample,
)

pytestmark = pytest.mark.django_db

COMMAND = ImportRun.Trigger.COMMAND


@pytest.fixture
def write_overpass(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write an Overpass answer to a file, for runs that vary the data."""

    def write(data: dict[str, Any]) -> Path:
        path = tmp_path / f"answer-{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps(data))
        return path

    return write


def test_import_stores_venues_with_their_details(munich: Region) -> None:
    run = services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.received, run.created, run.skipped) == (36, 36, 0)
    assert run.duration is not None
    waldeck = Venue.objects.get(source="osm", external_id="node/82504563")
    assert waldeck.name == "Cafe Waldeck"
    assert waldeck.region == munich
    assert waldeck.kind == "cafe"
    assert waldeck.timezone == "Europe/Berlin"
    assert (waldeck.location.y, waldeck.location.x) == (48.2191919, 11.675407)
    assert waldeck.wheelchair == "yes"
    assert waldeck.is_active
    assert waldeck.first_seen_at == waldeck.last_seen_at == run.started_at
    munich.refresh_from_db()
    assert munich.last_refreshed_at is not None


def test_venues_outside_the_region_are_skipped(munich: Region) -> None:
    run = services.region_refresh(region=munich, trigger=COMMAND, path=SAMPLE_GEOJSON)

    # The sample mixes Munich (85) and Helsinki (58); one feature has a malformed id.
    assert run.created == 84
    assert run.skipped_reasons == {"no_id": 1, "outside_region": 58}
    assert run.skipped == 59


def test_a_pbf_import_gives_helsinki_venues_their_own_time_zone(helsinki: Region) -> None:
    run = services.region_refresh(region=helsinki, trigger=COMMAND, path=HELSINKI_PBF)

    assert run.created == 174
    assert set(Venue.objects.values_list("timezone", flat=True)) == {"Europe/Helsinki"}


def test_a_second_identical_refresh_changes_nothing(munich: Region) -> None:
    services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)
    before = {v["id"]: v for v in Venue.objects.values()}

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        run = services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)

    assert (run.created, run.updated, run.reactivated, run.deactivated) == (0, 0, 0, 0)
    assert run.unchanged == 36
    after = {v["id"]: v for v in Venue.objects.values()}
    assert after.keys() == before.keys()
    for pk, row in after.items():
        assert row["last_seen_at"] == run.started_at  # seen again…
        assert {**row, "last_seen_at": None} == {**before[pk], "last_seen_at": None}  # …unchanged


def test_a_changed_venue_is_rewritten_and_only_it(
    munich: Region, write_overpass: Callable[[dict[str, Any]], Path]
) -> None:
    data = overpass_sample()
    services.region_refresh(region=munich, trigger=COMMAND, path=write_overpass(data))
    untouched = Venue.objects.exclude(external_id="node/82504563").values("pk", "updated_at")
    untouched_before = list(untouched)
    data["elements"][0]["tags"]["opening_hours"] = "Tu-Su 09:00-18:00"
    data["elements"][0]["tags"]["name"] = "Café Waldeck am See"

    run = services.region_refresh(region=munich, trigger=COMMAND, path=write_overpass(data))

    assert (run.created, run.updated, run.unchanged) == (0, 1, 35)
    waldeck = Venue.objects.get(external_id="node/82504563")
    assert waldeck.name == "Café Waldeck am See"
    assert waldeck.opening_hours == "Tu-Su 09:00-18:00"
    assert list(untouched) == untouched_before


def test_venues_gone_from_the_source_are_retired_not_deleted(
    munich: Region, write_overpass: Callable[[dict[str, Any]], Path]
) -> None:
    data = overpass_sample()
    services.region_refresh(region=munich, trigger=COMMAND, path=write_overpass(data))
    gone_ids = [f"{e['type']}/{e['id']}" for e in data["elements"][:3]]
    data["elements"] = data["elements"][3:]

    run = services.region_refresh(region=munich, trigger=COMMAND, path=write_overpass(data))

    assert run.deactivated == 3
    assert Venue.objects.count() == 36  # nothing deleted
    assert set(Venue.objects.filter(is_active=False).values_list("external_id", flat=True)) == set(
        gone_ids
    )


def test_a_retired_venue_that_comes_back_is_reactivated(
    munich: Region, write_overpass: Callable[[dict[str, Any]], Path]
) -> None:
    data = overpass_sample()
    services.region_refresh(region=munich, trigger=COMMAND, path=write_overpass(data))
    services.region_refresh(
        region=munich,
        trigger=COMMAND,
        path=write_overpass({"elements": data["elements"][1:]}),
    )

    run = services.region_refresh(region=munich, trigger=COMMAND, path=write_overpass(data))

    assert (run.reactivated, run.created, run.deactivated) == (1, 0, 0)
    assert Venue.objects.filter(is_active=True).count() == 36


def test_a_partial_import_retires_nothing(
    munich: Region, write_overpass: Callable[[dict[str, Any]], Path]
) -> None:
    data = overpass_sample()
    services.region_refresh(region=munich, trigger=COMMAND, path=write_overpass(data))

    run = services.region_refresh(
        region=munich,
        trigger=COMMAND,
        path=write_overpass({"elements": data["elements"][:2]}),
        complete=False,
    )

    assert run.deactivated == 0
    assert Venue.objects.filter(is_active=True).count() == 36


def test_an_implausible_shrink_is_refused_unless_forced(
    munich: Region, write_overpass: Callable[[dict[str, Any]], Path]
) -> None:
    data = overpass_sample()
    services.region_refresh(region=munich, trigger=COMMAND, path=write_overpass(data))
    few = write_overpass({"elements": data["elements"][:5]})

    with pytest.raises(services.RefreshRefused, match="31 of 36"):
        services.region_refresh(region=munich, trigger=COMMAND, path=few)
    assert Venue.objects.filter(is_active=True).count() == 36
    assert ImportRun.objects.filter(status=ImportRun.Status.FAILED).count() == 1

    run = services.region_refresh(region=munich, trigger=COMMAND, path=few, force=True)
    assert run.deactivated == 31


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b'{"type": "FeatureCollection", "features": [', InvalidSource),
        (b'{"type": "FeatureCollection", "features": []}', EmptySource),
        (b"<html>Service unavailable</html>", InvalidSource),
    ],
    ids=["truncated", "empty", "not-json"],
)
def test_a_bad_file_changes_nothing_and_is_recorded(
    munich: Region, tmp_path: Path, content: bytes, error: type[Exception]
) -> None:
    services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)
    before = list(Venue.objects.order_by("pk").values())
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(content)

    with pytest.raises(error):
        services.region_refresh(region=munich, trigger=COMMAND, path=bad)

    assert list(Venue.objects.order_by("pk").values()) == before
    run = ImportRun.objects.filter(region=munich).first()
    assert run is not None
    assert run.status == ImportRun.Status.FAILED
    assert run.error


def test_a_refresh_while_another_holds_the_region_is_skipped(munich: Region) -> None:
    # Another worker's session holds the region's advisory lock.
    params = connection.get_connection_params()
    key = [services.LOCK_NAMESPACE, munich.pk]
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", key)
        run = services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)
        other.execute("SELECT pg_advisory_unlock(%s, %s)", key)

    assert run.status == ImportRun.Status.SKIPPED
    assert "running" in run.error
    assert not Venue.objects.exists()

    # Released: the next refresh proceeds.
    run = services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)
    assert run.status == ImportRun.Status.SUCCEEDED


def test_a_failed_refresh_releases_the_lock(munich: Region, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(InvalidSource):
        services.region_refresh(region=munich, trigger=COMMAND, path=bad)

    run = services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)

    assert run.status == ImportRun.Status.SUCCEEDED


def test_an_active_venue_keeps_its_region_when_an_overlapping_region_sees_it(
    munich: Region,
) -> None:
    centre = RegionFactory(name="Centre", slug="centre", area=bbox_polygon(*MUNICH_BBOX))
    services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)

    run = services.region_refresh(region=centre, trigger=COMMAND, path=OVERPASS_SAMPLE)
    again = services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)

    assert (run.created, run.updated) == (0, 0)
    assert (again.created, again.updated, again.deactivated) == (0, 0, 0)
    assert set(Venue.objects.values_list("region", flat=True)) == {munich.pk}


def test_a_file_region_refreshes_from_its_file(settings: Settings) -> None:
    region = services.region_create(
        name="Munich sample",
        bbox=MUNICH_BBOX,
        provider=Region.Provider.FILE,
        source_path=str(OVERPASS_SAMPLE),
    )

    run = services.region_refresh(region=region, trigger=COMMAND)

    assert (run.provider, run.created) == ("file", 36)


def test_a_file_region_may_only_read_inside_the_import_dirs(tmp_path: Path) -> None:
    outside = tmp_path / "venues.geojson"
    outside.write_text(SAMPLE_GEOJSON.read_text())

    with pytest.raises(ValidationError, match="VENUES_IMPORT_DIRS"):
        services.region_create(
            name="Sneaky", bbox=MUNICH_BBOX, provider="file", source_path=str(outside)
        )
    with pytest.raises(ValidationError, match="VENUES_IMPORT_DIRS"):
        services.region_create(
            name="Sneaky", bbox=MUNICH_BBOX, provider="file", source_path=f"{DATA}/../../../.env"
        )


def test_a_region_needs_a_sensible_box() -> None:
    with pytest.raises(ValidationError):
        services.region_create(name="Upside down", bbox=(48.3, 11.3, 48.0, 11.8))


def test_due_regions_are_claimed_once(munich: Region, settings: Settings) -> None:
    now = timezone.now()
    fresh = RegionFactory(last_refreshed_at=now - timedelta(days=1))
    stale = RegionFactory(last_refreshed_at=now - timedelta(days=8))
    paused = RegionFactory(last_refreshed_at=None, is_active=False)

    claimed = services.regions_claim_due(now=now)
    claimed_again = services.regions_claim_due(now=now + timedelta(minutes=5))
    retried = services.regions_claim_due(
        now=now + timedelta(minutes=settings.VENUES_REFRESH_RETRY_MINUTES + 1)
    )

    assert sorted(claimed) == sorted([munich.pk, stale.pk])  # never refreshed, or overdue
    assert fresh.pk not in claimed
    assert paused.pk not in claimed
    assert claimed_again == []  # queued already: not twice
    assert sorted(retried) == sorted([munich.pk, stale.pk])  # still not refreshed: ask again


def test_a_successful_refresh_is_not_due_again_until_its_interval_passed(munich: Region) -> None:
    services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)

    assert services.regions_claim_due(now=timezone.now() + timedelta(days=6)) == []
    assert services.regions_claim_due(now=timezone.now() + timedelta(days=7, minutes=1)) == [
        munich.pk
    ]


def test_imported_venues_keep_the_rows_events_point_at(munich: Region) -> None:
    existing = VenueFactory(external_id="node/82504563", region=munich, name="Old name")

    services.region_refresh(region=munich, trigger=COMMAND, path=OVERPASS_SAMPLE)

    existing.refresh_from_db()
    assert existing.name == "Cafe Waldeck"  # same row (same pk), updated in place


def test_a_drawn_region_keeps_only_the_venues_inside_its_shape() -> None:
    # A triangle over Munich's west: its bounding box holds venues the triangle does not.
    triangle = Polygon(((11.35, 48.05), (11.58, 48.05), (11.35, 48.26), (11.35, 48.05)), srid=4326)
    west = RegionFactory(name="West", slug="west", area=triangle)

    run = services.region_refresh(region=west, trigger=COMMAND, path=OVERPASS_SAMPLE)

    inside = Venue.objects.filter(region=west)
    assert run.created == inside.count() > 0
    assert run.skipped_reasons["outside_region"] == 36 - run.created
    assert all(triangle.covers(v.location.clone()) for v in inside)


def test_an_update_keeps_when_the_venue_was_first_seen(
    munich: Region, write_overpass: Callable[[dict[str, Any]], Path]
) -> None:
    data = overpass_sample()
    services.region_refresh(region=munich, trigger=COMMAND, path=write_overpass(data))
    first = Venue.objects.get(external_id="node/82504563")
    data["elements"][0]["tags"]["wheelchair"] = "no"

    with time_machine.travel(timezone.now() + timedelta(days=7)):
        run = services.region_refresh(region=munich, trigger=COMMAND, path=write_overpass(data))

    again = Venue.objects.get(external_id="node/82504563")
    assert again.wheelchair == "no"
    assert (again.first_seen_at, again.created_at) == (first.first_seen_at, first.created_at)
    assert again.last_seen_at == again.updated_at == run.started_at

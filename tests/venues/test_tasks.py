"""Celery: a thin task per region, a beat scan fanning out, retries only for transient failures."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone
from pytest_django import Settings

from apps.venues import tasks
from apps.venues.models import ImportRun, Region, Venue
from apps.venues.providers.records import SourceUnavailable
from tests.factories.venues import RegionFactory
from tests.venues.conftest import FakeOverpass, Reply, overpass_sample

pytestmark = pytest.mark.django_db


def test_tasks_are_named_and_routed_to_the_venues_queue(settings: Settings) -> None:
    assert tasks.refresh_venues_task.name == "venues.refresh_venues"
    assert tasks.refresh_due_regions_task.name == "venues.refresh_due_regions"
    assert tasks.refresh_venues_task.acks_late is True
    assert settings.CELERY_TASK_ROUTES["venues.*"] == {"queue": "venues"}
    scan = settings.CELERY_BEAT_SCHEDULE["venues-refresh-due-regions"]
    assert scan["task"] == "venues.refresh_due_regions"


def test_the_refresh_task_refreshes_the_region(fake_overpass: FakeOverpass, munich: Region) -> None:
    fake_overpass.script(fake_overpass.json(overpass_sample()))

    status = tasks.refresh_venues_task(munich.pk)

    assert status == ImportRun.Status.SUCCEEDED
    assert Venue.objects.filter(region=munich).count() == 36
    assert ImportRun.objects.get().trigger == ImportRun.Trigger.SCHEDULE


def test_running_the_task_twice_is_harmless(fake_overpass: FakeOverpass, munich: Region) -> None:
    fake_overpass.script(fake_overpass.json(overpass_sample()))

    tasks.refresh_venues_task(munich.pk)
    tasks.refresh_venues_task(munich.pk)

    assert Venue.objects.count() == 36
    second = ImportRun.objects.first()
    assert second is not None
    assert (second.created, second.updated, second.unchanged) == (0, 0, 36)


def test_a_transient_failure_is_retried_later(
    fake_overpass: FakeOverpass, munich: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_overpass.script(Reply(status=503))
    asked: dict[str, object] = {}

    def retry(*, exc: Exception, countdown: float) -> Retry:
        asked.update(exc=exc, countdown=countdown)
        return Retry("retry", exc)

    monkeypatch.setattr(tasks.refresh_venues_task, "retry", retry)

    with pytest.raises(Retry):
        tasks.refresh_venues_task(munich.pk)

    assert isinstance(asked["exc"], SourceUnavailable)
    assert asked["countdown"] == 60  # first retry: a minute, doubling after
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_a_hopeless_failure_is_recorded_not_retried(
    fake_overpass: FakeOverpass, munich: Region
) -> None:
    fake_overpass.script(Reply(body=b'{"elements": []}'))

    status = tasks.refresh_venues_task(munich.pk)

    assert status == ImportRun.Status.FAILED
    assert ImportRun.objects.get().error.startswith("venue_source_empty")


def test_a_region_deleted_meanwhile_is_ignored() -> None:
    assert tasks.refresh_venues_task(424242) == "gone"


def test_the_beat_scan_queues_each_due_region_once(monkeypatch: pytest.MonkeyPatch) -> None:
    due = RegionFactory(last_refreshed_at=None)
    RegionFactory(last_refreshed_at=timezone.now() - timedelta(hours=1))
    queued: list[int] = []
    monkeypatch.setattr(
        tasks.refresh_venues_task, "delay", lambda region_id: queued.append(region_id)
    )

    first = tasks.refresh_due_regions_task()
    second = tasks.refresh_due_regions_task()

    assert first == [due.pk]
    assert second == []
    assert queued == [due.pk]

"""The Overpass provider against a local fake server: polite, patient, and never half-written."""

import pytest
from pytest_django import Settings

from apps.venues import services
from apps.venues.models import ImportRun, Region, Venue
from apps.venues.providers import overpass
from apps.venues.providers.records import InvalidSource, SourceUnavailable
from tests.venues.conftest import MUNICH_BBOX, OVERPASS_SAMPLE, FakeOverpass, Reply, overpass_sample

pytestmark = pytest.mark.django_db


def test_one_query_for_the_box_and_every_kind_with_an_honest_user_agent(
    fake_overpass: FakeOverpass, settings: Settings
) -> None:
    fake_overpass.script(fake_overpass.json(overpass_sample()))

    batch = overpass.fetch(bbox=MUNICH_BBOX)

    assert len(batch.records) == 36
    (request,) = fake_overpass.received
    assert request.user_agent == settings.OVERPASS_USER_AGENT
    assert "MatchUp" in request.user_agent
    assert "[out:json][timeout:180][bbox:48.0500000,11.3500000,48.2600000,11.7300000]" in (
        request.query
    )
    assert '"amenity"~"^(bar|biergarten|cafe|library|pub)$"' in request.query
    assert '"shop"~"^(books)$"' in request.query
    assert "out center tags;" in request.query


def test_429_then_success_waits_as_asked_and_succeeds(fake_overpass: FakeOverpass) -> None:
    fake_overpass.script(
        Reply(status=429, headers={"Retry-After": "0.05"}),
        fake_overpass.json(overpass_sample()),
    )

    batch = overpass.fetch(bbox=MUNICH_BBOX)

    assert len(batch.records) == 36
    assert len(fake_overpass.received) == 2


def test_a_long_retry_after_is_left_to_celery(
    fake_overpass: FakeOverpass, settings: Settings
) -> None:
    settings.OVERPASS_MAX_RETRY_WAIT_SECONDS = 1
    fake_overpass.script(Reply(status=429, headers={"Retry-After": "120"}))

    with pytest.raises(SourceUnavailable) as caught:
        overpass.fetch(bbox=MUNICH_BBOX)

    assert caught.value.retry_after == 120
    assert len(fake_overpass.received) == 1  # no worker held for two minutes


def test_repeated_5xx_gives_up_after_the_configured_attempts(fake_overpass: FakeOverpass) -> None:
    fake_overpass.script(Reply(status=500), Reply(status=502), Reply(status=504))

    with pytest.raises(SourceUnavailable, match="504"):
        overpass.fetch(bbox=MUNICH_BBOX)

    assert len(fake_overpass.received) == 3


def test_a_5xx_then_success_is_retried(fake_overpass: FakeOverpass) -> None:
    fake_overpass.script(Reply(status=503), fake_overpass.json(overpass_sample()))

    assert len(overpass.fetch(bbox=MUNICH_BBOX).records) == 36


def test_a_server_slower_than_the_read_timeout_is_a_timeout(
    fake_overpass: FakeOverpass, settings: Settings
) -> None:
    settings.OVERPASS_READ_TIMEOUT_SECONDS = 0.2
    settings.OVERPASS_MAX_ATTEMPTS = 2
    fake_overpass.script(Reply(body=OVERPASS_SAMPLE.read_bytes(), delay=0.6))

    with pytest.raises(SourceUnavailable, match="timed out"):
        overpass.fetch(bbox=MUNICH_BBOX)

    assert len(fake_overpass.received) == 2


def test_truncated_json_is_a_failed_download(fake_overpass: FakeOverpass) -> None:
    cut = OVERPASS_SAMPLE.read_bytes()[:4000]
    fake_overpass.script(Reply(body=cut))

    with pytest.raises(SourceUnavailable, match="incomplete"):
        overpass.fetch(bbox=MUNICH_BBOX)


def test_a_connection_cut_before_the_announced_length_is_a_failed_download(
    fake_overpass: FakeOverpass,
) -> None:
    body = OVERPASS_SAMPLE.read_bytes()
    fake_overpass.script(Reply(body=body[:4000], headers={"Content-Length": str(len(body))}))

    with pytest.raises(SourceUnavailable):
        overpass.fetch(bbox=MUNICH_BBOX)


def test_a_query_that_ran_out_of_time_on_the_server_is_a_failed_download(
    fake_overpass: FakeOverpass,
) -> None:
    partial = overpass_sample()
    partial["remark"] = 'runtime error: Query timed out in "query" at line 3 after 181 seconds.'
    fake_overpass.script(fake_overpass.json(partial))

    with pytest.raises(SourceUnavailable, match="could not finish"):
        overpass.fetch(bbox=MUNICH_BBOX)


def test_a_bad_request_is_not_retried(fake_overpass: FakeOverpass) -> None:
    fake_overpass.script(Reply(status=400, body=b"parse error: line 1"))

    with pytest.raises(InvalidSource, match="400"):
        overpass.fetch(bbox=MUNICH_BBOX)

    assert len(fake_overpass.received) == 1


def test_an_unreachable_server_is_unavailable(settings: Settings) -> None:
    settings.OVERPASS_URL = "http://127.0.0.1:9/api/interpreter"  # discard port: nothing listens
    settings.OVERPASS_MAX_ATTEMPTS = 1

    with pytest.raises(SourceUnavailable, match="could not be reached"):
        overpass.fetch(bbox=MUNICH_BBOX)


def test_a_region_refresh_from_overpass_stores_the_venues(
    fake_overpass: FakeOverpass, munich: Region
) -> None:
    fake_overpass.script(fake_overpass.json(overpass_sample()))

    run = services.region_refresh(region=munich, trigger=ImportRun.Trigger.SCHEDULE)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.provider, run.source) == ("overpass", fake_overpass.url)
    assert run.created == 36
    assert Venue.objects.filter(region=munich, is_active=True).count() == 36


@pytest.mark.parametrize(
    "broken",
    [
        Reply(status=500),
        Reply(body=OVERPASS_SAMPLE.read_bytes()[:3000]),
        Reply(body=b'{"elements": []}'),
    ],
    ids=["server-error", "truncated", "empty"],
)
def test_a_broken_download_leaves_every_venue_as_it_was(
    fake_overpass: FakeOverpass, munich: Region, broken: Reply
) -> None:
    fake_overpass.script(fake_overpass.json(overpass_sample()))
    services.region_refresh(region=munich, trigger=ImportRun.Trigger.SCHEDULE)
    before = list(Venue.objects.order_by("pk").values())
    fake_overpass.script(broken)

    with pytest.raises(services.SourceError):
        services.region_refresh(region=munich, trigger=ImportRun.Trigger.SCHEDULE)

    assert list(Venue.objects.order_by("pk").values()) == before
    failed = ImportRun.objects.filter(region=munich).first()
    assert failed is not None
    assert failed.status == ImportRun.Status.FAILED
    assert failed.error.startswith("venue_source_")
    assert failed.finished_at is not None
    munich.refresh_from_db()
    assert munich.last_refreshed_at is not None  # from the first, successful run only

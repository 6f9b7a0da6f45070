"""The management commands: twins of the task, for operators."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.venues.models import ImportRun, Region, Venue
from tests.venues.conftest import OVERPASS_SAMPLE, FakeOverpass, overpass_sample

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_region_then_import_a_file_into_it() -> None:
    created = run("create_region", "Munich", "--bbox", "48.05,11.35,48.26,11.73")
    imported = run("import_venues", str(OVERPASS_SAMPLE), "--region", "munich")
    again = run("import_venues", str(OVERPASS_SAMPLE), "--region", "Munich")

    region = Region.objects.get(slug="munich")
    assert "created" in created
    assert region.provider == Region.Provider.OVERPASS
    assert "36 created" in imported
    assert "0 created, 0 updated, 36 unchanged" in again
    assert Venue.objects.filter(region=region).count() == 36
    assert ImportRun.objects.filter(trigger=ImportRun.Trigger.COMMAND).count() == 2


def test_refresh_venues_uses_the_regions_provider(
    fake_overpass: FakeOverpass, munich: Region
) -> None:
    fake_overpass.script(fake_overpass.json(overpass_sample()))

    output = run("refresh_venues", "--region", "munich")

    assert "36 created" in output


def test_a_file_region_from_the_command_line() -> None:
    run(
        "create_region",
        "Sample",
        "--bbox",
        "48.05,11.35,48.26,11.73",
        "--provider",
        "file",
        "--path",
        str(OVERPASS_SAMPLE),
        "--interval-hours",
        "24",
    )

    output = run("refresh_venues", "--region", "sample")

    assert "36 created" in output
    assert Region.objects.get(slug="sample").refresh_interval.total_seconds() == 86400


@pytest.mark.parametrize(
    "args",
    [
        ("import_venues", str(OVERPASS_SAMPLE), "--region", "atlantis"),
        ("refresh_venues", "--region", "atlantis"),
        ("create_region", "Bad", "--bbox", "1,2,3"),
        ("create_region", "Bad", "--bbox", "48.3,11.3,48.0,11.8"),
    ],
)
def test_mistakes_are_reported_plainly(args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        run(*args)


def test_a_broken_file_fails_the_command_and_changes_nothing(
    munich: Region, tmp_path: Path
) -> None:
    run("import_venues", str(OVERPASS_SAMPLE), "--region", "munich")
    broken = tmp_path / "broken.json"
    broken.write_bytes(OVERPASS_SAMPLE.read_bytes()[:2000])

    with pytest.raises(CommandError, match="not valid JSON"):
        run("import_venues", str(broken), "--region", "munich")

    assert Venue.objects.filter(is_active=True).count() == 36

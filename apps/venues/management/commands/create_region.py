"""`manage.py create_region NAME --bbox S,W,N,E [--provider file --path FILE]`."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.venues import services
from apps.venues.models import Region


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    try:
        south, west, north, east = (float(part) for part in value.split(","))
    except ValueError:
        raise CommandError(
            "--bbox is south,west,north,east in degrees, e.g. 48.06,11.36,48.25,11.72"
        ) from None
    return south, west, north, east


class Command(BaseCommand):
    help = "Create a region whose venues MatchUp keeps fresh (also possible in the admin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--bbox", required=True, help="south,west,north,east (degrees)")
        parser.add_argument(
            "--provider", choices=Region.Provider.values, default=Region.Provider.OVERPASS
        )
        parser.add_argument("--path", default="", help="For --provider file: the file to read.")
        parser.add_argument(
            "--interval-hours", type=int, default=24 * 7, help="Refresh interval (default: a week)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            region = services.region_create(
                name=options["name"],
                bbox=parse_bbox(options["bbox"]),
                provider=options["provider"],
                source_path=options["path"],
                refresh_interval=timedelta(hours=options["interval_hours"]),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"Region {region.name!r} created ({region.provider}); beat refreshes it every "
            f"{region.refresh_interval}, or run `manage.py refresh_venues --region {region.slug}`."
        )

"""`manage.py import_venues PATH --region NAME`: load a GeoJSON, Overpass JSON or .osm.pbf file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.errors import NotFound
from apps.venues import selectors, services
from apps.venues.management.commands._output import report
from apps.venues.models import ImportRun
from apps.venues.providers.records import SourceError


class Command(BaseCommand):
    help = (
        "Import venues from a file (GeoJSON FeatureCollection, Overpass JSON or .osm.pbf) into "
        "a region. A complete import (the default) retires the region's venues not in the file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--region", required=True, help="Region name or slug.")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="The file holds only some of the region's venues: retire none.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Retire venues even when that looks like too many "
            "(more than VENUES_MAX_DEACTIVATE_FRACTION of the region).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            region = selectors.region_get(name=options["region"])
            run = services.region_refresh(
                region=region,
                trigger=ImportRun.Trigger.COMMAND,
                path=options["path"],
                complete=not options["partial"],
                force=options["force"],
            )
        except (NotFound, SourceError) as exc:
            raise CommandError(exc.detail) from exc
        report(self.stdout, run)

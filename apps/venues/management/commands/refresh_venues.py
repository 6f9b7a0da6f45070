"""`manage.py refresh_venues --region NAME`: refresh a region from its provider, now, here.

The twin of the Celery task `venues.refresh_venues` (same service, same lock, same records).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.errors import NotFound
from apps.venues import selectors, services
from apps.venues.management.commands._output import report
from apps.venues.models import ImportRun
from apps.venues.providers.records import SourceError


class Command(BaseCommand):
    help = "Refresh a region's venues from its configured provider (Overpass or its file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="Region name or slug.")
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
                region=region, trigger=ImportRun.Trigger.COMMAND, force=options["force"]
            )
        except (NotFound, SourceError) as exc:
            raise CommandError(exc.detail) from exc
        report(self.stdout, run)

"""`manage.py run_matching --region NAME [--window-days 7] [--in-process] [--wait SECONDS]`.

Without `--in-process` the round goes to the Celery workers as a chord (the same task beat
sends daily); `--wait` then polls the round until it is saved.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.core.errors import DomainError
from apps.matching import selectors, services, tasks
from apps.matching.models import Round
from apps.venues.selectors import region_get


def describe(round_: Round) -> str:
    if round_.status == Round.Status.FAILED:
        return f"Round {round_.pk} failed: {round_.error}"
    if round_.status == Round.Status.RUNNING:
        return f"Round {round_.pk} is running."
    return (
        f"Round {round_.pk} ({round_.region}, from {round_.window_start:%Y-%m-%d %H:%M} UTC): "
        f"{round_.participants} people, {round_.matched} matched in {round_.groups} groups, "
        f"{round_.mean_shared_interests:.2f} shared interests, trips {round_.mean_trip_km:.2f} km "
        f"on average (max {round_.max_trip_km:.2f}); {round_.runtime_seconds:.1f} s "
        f"({round_.cells} cells)."
    )


class Command(BaseCommand):
    help = "Run one matching round for a region (via Celery, or in this process)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="Region name or slug.")
        parser.add_argument("--window-days", type=int, default=None, help="Default: 7.")
        parser.add_argument(
            "--in-process", action="store_true", help="Run here instead of on the workers."
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            help="Seconds to wait for the workers to save the round (without --in-process).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            region = region_get(name=options["region"])
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        days = options["window_days"]
        if days is not None and not 1 <= days <= 28:
            raise CommandError("--window-days must be 1 to 28.")
        if options["in_process"]:
            round_ = services.round_execute(
                region=region, window_days=days, trigger=Round.Trigger.COMMAND
            )
            self.stdout.write(describe(round_))
            return
        start, end = selectors.round_window(region=region, now=timezone.now(), days=days)
        tasks.run_round_task.delay(
            region.pk, start.isoformat(), end.isoformat(), Round.Trigger.COMMAND.value
        )
        self.stdout.write(
            f"Round of {region} from {start:%Y-%m-%d %H:%M} UTC sent to the workers "
            "(queue 'matching')."
        )
        deadline = time.monotonic() + options["wait"]
        while time.monotonic() < deadline:
            round_ = Round.objects.filter(region=region, window_start=start).first()
            if round_ is not None and round_.status != Round.Status.RUNNING:
                self.stdout.write(describe(round_))
                if round_.status == Round.Status.FAILED:
                    raise CommandError("The round failed.")
                return
            time.sleep(0.5)
        if options["wait"]:
            raise CommandError(f"The round was not saved within {options['wait']:.0f} s.")

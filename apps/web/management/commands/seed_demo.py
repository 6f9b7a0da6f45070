"""Load the Munich demo: people, then (as later apps add them) venues, events and a matching
round. Each step is a function returning counts; `--if-empty` makes `make run` idempotent."""

from importlib import import_module
from typing import Any

from django.core.management.base import BaseCommand

from apps.accounts.demo import DEMO_EMAIL
from apps.accounts.models import User

# Order matters: each step may use what the previous ones created.
DEMO_STEPS = [
    "apps.accounts.demo.seed_people",
    "apps.venues.demo.seed_venues",
    "apps.safety.demo.seed_safety",
    "apps.events.demo.seed_events",
    "apps.events.demo.seed_after_meetups",
    "apps.matching.demo.seed_matching",
]


def run_step(dotted: str) -> dict[str, int]:
    module, name = dotted.rsplit(".", 1)
    return getattr(import_module(module), name)()


class Command(BaseCommand):
    help = "Load the Munich demo data (people, venues, events, a matching round)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has users.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("The database already has users; not loading demo data.")
            return
        if User.objects.filter(email=DEMO_EMAIL).exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        for step in DEMO_STEPS:
            counts = run_step(step)
            summary = ", ".join(f"{value} {key}" for key, value in counts.items())
            self.stdout.write(f"{step}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

"""Twin of the periodic `notifications.dispatch_due_deliveries` task, for operators.

Without options it hands due deliveries to the workers (as beat does); `--here` sends them
in this process instead (no worker needed, e.g. to drain a backlog by hand).
"""

from typing import Any

from django.core.management.base import BaseCommand

from apps.notifications import services
from apps.notifications.tasks import send_deliveries_task


class Command(BaseCommand):
    help = "Send (or enqueue) every notification delivery that is due."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--here", action="store_true", help="Send in this process.")

    def handle(self, *args: Any, **options: Any) -> None:
        total = sent = 0
        while True:
            report = services.deliveries_dispatch_due()
            total += report.count
            for batch in report.batches:
                if options["here"]:
                    sent += services.deliveries_send(delivery_ids=batch).sent
                else:
                    send_deliveries_task.delay(batch)
            if not options["here"] or not report.count:
                break
        verb = f"sent {sent} of" if options["here"] else "enqueued"
        self.stdout.write(f"{verb} {total} due deliveries")

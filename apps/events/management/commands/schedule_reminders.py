"""Twin of the periodic `events.schedule_due_reminders` task: write the reminders coming due
within REMINDERS_AHEAD_MINUTES (the notifications scan sends them at their time)."""

from typing import Any

from django.core.management.base import BaseCommand

from apps.events.services import reminders


class Command(BaseCommand):
    help = "Write the meetup reminders that come due soon (safe to run any time)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = reminders.reminders_schedule_due()
        self.stdout.write(f"{report.due} reminders due in the window, {report.written} new")

"""Twin of the periodic `events.complete_ended_events` task: mark ended events completed and
write the feedback prompts of the people who were going."""

from typing import Any

from django.core.management.base import BaseCommand

from apps.events.services import reminders


class Command(BaseCommand):
    help = "Mark ended events completed and ask the people who went for feedback."

    def handle(self, *args: Any, **options: Any) -> None:
        completed = prompts = 0
        while True:
            report = reminders.events_complete_ended()
            completed += report.completed
            prompts += report.prompts
            if report.completed < reminders.completion_batch():
                break
        self.stdout.write(f"{completed} events completed, {prompts} feedback prompts written")

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        from apps.events import receivers  # noqa: F401  (signal receivers)
        from apps.events.services.reminders import feedback_prompts_stale, reminders_stale
        from apps.notifications.guards import register_send_guard
        from apps.notifications.models import Kind

        # The sender asks these right before sending (docs/adr/0020, 0050).
        register_send_guard(Kind.REMINDER, reminders_stale)
        register_send_guard(Kind.FEEDBACK_PROMPT, feedback_prompts_stale)

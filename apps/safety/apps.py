from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "apps.safety"
    label = "safety"
    verbose_name = "Safety and moderation"

    def ready(self) -> None:
        from apps.safety import (  # noqa: F401  (signal receivers, OpenAPI auth extension)
            receivers,
            schema,
        )

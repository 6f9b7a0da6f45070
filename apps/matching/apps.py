from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "apps.matching"
    label = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from apps.matching import receivers  # noqa: F401  (signal receivers)

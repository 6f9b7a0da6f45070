from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self) -> None:
        from apps.accounts.signals import export_requested
        from apps.notifications import checks, signals

        del checks  # registered on import
        export_requested.connect(signals.export_notifications, dispatch_uid="notifications_export")

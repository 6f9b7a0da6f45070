"""The Celery application: configuration from Django settings (CELERY_*), tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchup.settings")

# Every task refuses an ETA beyond the broker's visibility timeout (docs/adr/0020).
app = Celery("matchup", task_cls="apps.core.celery_utils:GuardedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

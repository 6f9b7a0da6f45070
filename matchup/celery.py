"""The Celery application: configuration from Django settings (CELERY_*), tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchup.settings")

app = Celery("matchup")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

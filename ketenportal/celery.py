"""The Celery application.

Without REDIS_URL (the embedded default) tasks run eagerly in the web process; with it, a worker
and beat run them (see README, "Een echte worker en beat").
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenportal.settings.dev")

app = Celery("ketenportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

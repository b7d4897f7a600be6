"""Development and trial settings: the embedded default behind ``make run``.

SQLite, Celery tasks in-process, e-mail and SMS codes written to the console.
"""

import os

os.environ.setdefault("SECRET_KEY", "django-insecure-ketenportal-dev-only")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EMAIL_URL", "consolemail://")
# Webhook receivers on this machine (http://127.0.0.1:…) are allowed here, never in production.
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
os.environ.setdefault("WEBHOOK_REQUIRE_HTTPS", "false")
os.environ.setdefault("SMS_BACKEND", "accounts.sms.ConsoleBackend")

from .base import *  # noqa: E402,F403
from .base import LOGGING  # noqa: E402

# django-two-factor-auth logs to this logger; show it on the console while trying things out.
LOGGING["loggers"]["two_factor"] = {"handlers": ["console"], "level": "INFO"}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
DEMO_DATA_ALLOWED = True
# Serve static files straight from the source folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Without a broker, long tasks run in a thread of the web process (see ketenportal/utils/tasks.py).
TASKS_IN_BACKGROUND_THREAD = True

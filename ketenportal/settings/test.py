"""Settings for the test suite (``make test``).

PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set, SQLite and eager tasks otherwise.
"""

import os

os.environ.setdefault("SECRET_KEY", "django-insecure-ketenportal-test-only")
os.environ.setdefault("DEBUG", "false")
# In-memory mail (django.core.mail.outbox); the real-worker tests give their worker a folder.
os.environ.setdefault("EMAIL_URL", "memorymail://")
# Webhook receivers on this machine (http://127.0.0.1:…) are allowed here, never in production.
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
os.environ.setdefault("WEBHOOK_REQUIRE_HTTPS", "false")
os.environ.setdefault("SMS_BACKEND", "accounts.sms.LocmemBackend")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests that need a real worker start one; everything else runs tasks in-process.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = BASE_DIR / "tmp" / "test-media"  # noqa: F405
DEMO_DATA_ALLOWED = True
# Serve static files straight from the source folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

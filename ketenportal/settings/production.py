"""Production settings: gunicorn behind a TLS-terminating proxy, PostgreSQL, Redis, a worker.

SECRET_KEY, DATABASE_URL, REDIS_URL, EMAIL_URL and ALLOWED_HOSTS come from the environment;
there are no defaults for secrets.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "true")
os.environ.setdefault("SECURE_HSTS_SECONDS", "31536000")

from .base import *  # noqa: E402,F403
from .base import LOGGING  # noqa: E402

DEBUG = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

LOGGING["formatters"]["json"] = {"()": "ketenportal.logging.JsonFormatter"}
LOGGING["handlers"]["console"]["formatter"] = "json"
LOGGING["handlers"]["console"]["filters"] = ["request_id"]
LOGGING["filters"] = {"request_id": {"()": "ketenportal.logging.RequestIdFilter"}}

"""Production settings: gunicorn behind a TLS-terminating proxy, PostgreSQL, Redis, a worker.

SECRET_KEY, DATABASE_URL, REDIS_URL, EMAIL_URL and ALLOWED_HOSTS come from the environment;
there are no defaults for secrets.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "true")
os.environ.setdefault("SECURE_HSTS_SECONDS", "31536000")

from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from .base import *  # noqa: E402,F403
from .base import LOGGING, SECRET_KEY  # noqa: E402

DEBUG = False

#: Values that are documentation, not secrets: production refuses to start with them.
PLACEHOLDER_SECRETS = ("change-me", "changeme", "django-insecure", "secret-key", "xxxxxxxx")


def check_secret_key(key: str) -> None:
    """Refuse a missing, short, placeholder or low-variety SECRET_KEY (it signs sessions,
    password reset links and CSRF tokens)."""
    if (
        len(key) < 50
        or len(set(key)) < 10
        or any(placeholder in key.lower() for placeholder in PLACEHOLDER_SECRETS)
    ):
        raise ImproperlyConfigured(
            "SECRET_KEY must be at least 50 random characters and not a placeholder; generate "
            "one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )


check_secret_key(SECRET_KEY)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# "__Host-": the browser sends these cookies only over HTTPS, for this host, path / (a
# subdomain cannot set or overwrite them).
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
LANGUAGE_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

LOGGING["formatters"]["json"] = {"()": "ketenportal.logging.JsonFormatter"}
LOGGING["handlers"]["console"]["formatter"] = "json"
LOGGING["handlers"]["console"]["filters"] = ["request_id"]
LOGGING["filters"] = {"request_id": {"()": "ketenportal.logging.RequestIdFilter"}}

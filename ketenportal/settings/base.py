"""Settings shared by every environment.

This is the only module that reads the environment (django-environ). ``dev.py``, ``test.py`` and
``production.py`` set defaults or tighten values and import from here. ``.env.example`` lists
every variable.
"""

from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------------------
SECRET_KEY = env.str("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "two_factor",
    "two_factor.plugins.phonenumber",
    "phonenumber_field",
    "formtools",
    "axes",
    "csp",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ketenportal",
    # Ketenportal, lowest layer first: an app imports only from the apps above it.
    "outbox",
    "accounts",
    "diensten",
    "groepen",
    "berichtenbox",
    "abonnementen",
    "ketenmachtigingen",
    "goedkeuring",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ketenportal.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "accounts.middleware.ActiveOrganisatieMiddleware",
    # A 404 for an object of another of the person's organisations offers to switch.
    "ketenportal.switch.SwitchOrganisationOfferMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    # Control characters in the address, a NUL in form data: 400 before any view (row 28).
    # Late, so its 400 page has the language and the headers of every other page.
    "ketenportal.middleware.RejectControlCharactersMiddleware",
    # django-axes must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ketenportal.urls"
# Form widgets render from templates/django/forms/widgets/ with NL Design System classes.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "ketenportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "ketenportal.context_processors.portal",
            ],
        },
    },
]

# --- Database, cache, tasks -----------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded default: a background task, the sweeps of ``run_jobs`` and the web server all
    # write to one file. WAL lets readers go on while one writes; IMMEDIATE transactions take
    # the write lock when they begin, so a writer waits its turn (up to the timeout) instead of
    # failing with "database is locked" when it upgrades a read lock halfway.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A covering index's extra columns (``include``) are a PostgreSQL speed-up; SQLite builds
    # the index without them, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker died is delivered again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # How often a worker looks for such tasks: every interval × throttle seconds.
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_TIMEZONE = "Europe/Amsterdam"

# --- Authentication and two-factor ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "two_factor:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Adding a second factor, making new backup codes and changing the e-mail address need the
# password again when it was last entered longer ago than this (accounts.reauth).
REAUTH_MAX_AGE_SECONDS = 300

TWO_FACTOR_SMS_GATEWAY = "accounts.sms.Gateway"
TWO_FACTOR_LOGIN_TIMEOUT = 600
TWO_FACTOR_REMEMBER_COOKIE_AGE = None
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Ketenportal")
OTP_TOTP_THROTTLE_FACTOR = 1
# Staff never see a person's authenticator secret (or its QR code) in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
PHONENUMBER_DEFAULT_REGION = "NL"

# SMS: which backend delivers the text, and how often a code may be sent.
SMS_BACKEND = env.str("SMS_BACKEND", default="accounts.sms.ConsoleBackend")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_SENDER = env.str("SMS_GATEWAY_SENDER", default="Ketenportal")
SMS_ALLOWED_REGIONS = env.list("SMS_ALLOWED_REGIONS", default=["NL"])
SMS_THROTTLE_WINDOW_SECONDS = env.int("SMS_THROTTLE_WINDOW_SECONDS", default=600)
SMS_THROTTLE_PER_USER = env.int("SMS_THROTTLE_PER_USER", default=3)
SMS_THROTTLE_PER_NUMBER = env.int("SMS_THROTTLE_PER_NUMBER", default=3)
SMS_THROTTLE_PER_IP = env.int("SMS_THROTTLE_PER_IP", default=10)

# Passkeys (WebAuthn, django-otp-webauthn) as a second factor, never instead of the password.
# The relying party is the portal's host name (SITE_URL's by default); a passkey works only on
# that host and its subdomains, from the allowed origins.
_site = urlsplit(SITE_URL)
# WebAuthn has no IP addresses as relying party: development at 127.0.0.1 uses localhost.
_webauthn_host = "localhost" if _site.hostname in (None, "127.0.0.1", "::1") else _site.hostname
_webauthn_port = f":{_site.port}" if _site.port else ""
OTP_WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default=_webauthn_host)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ALLOWED_ORIGINS", default=[f"{_site.scheme}://{_webauthn_host}{_webauthn_port}"]
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "accounts.passkeys"

# EH4 certificate login (accounts/certificates.py, docs/nginx-certificaat.conf). The TLS proxy
# checks the client certificate on /account/certificaat/ and passes it URL-encoded in a header;
# the header counts only from a trusted proxy: its address is listed and, when a secret is set,
# it sends that secret too. Without a CA bundle the certificate login is off.
CLIENT_CERT_HEADER = env.str("CLIENT_CERT_HEADER", default="X-SSL-Client-Cert")
CLIENT_CERT_TRUSTED_PROXIES = env.list("CLIENT_CERT_TRUSTED_PROXIES", default=[])
CLIENT_CERT_PROXY_SECRET_HEADER = env.str(
    "CLIENT_CERT_PROXY_SECRET_HEADER", default="X-Client-Cert-Proxy-Secret"
)
CLIENT_CERT_PROXY_SECRET = env.str("CLIENT_CERT_PROXY_SECRET", default="")
# PEM file with the trusted roots and intermediates (PKIoverheid / private root).
CLIENT_CERT_CA_BUNDLE = env.str("CLIENT_CERT_CA_BUNDLE", default="")
# Certificate revocation lists: file paths or http(s) URLs (PEM or DER), read again after the
# refresh interval. A certificate whose issuer has no current CRL here is refused.
CLIENT_CERT_CRLS = env.list("CLIENT_CERT_CRLS", default=[])
CLIENT_CERT_CRL_REFRESH_SECONDS = env.int("CLIENT_CERT_CRL_REFRESH_SECONDS", default=3600)

# django-axes: five failures lock out the combination of IP address, browser and username.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# A username is locked after AXES_FAILURE_LIMIT failures from any address or browser (changing
# the User-Agent must not lift it); one address is also limited over all usernames
# (LOGIN_IP_FAILURE_LIMIT, accounts/login_limits.py).
# (The address-and-username pair adds nothing to the username alone; it is listed because
# django-axes' check asks for the address in the list.)
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "username"]]
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=50)
AXES_USERNAME_FORM_FIELD = "auth-username"
AXES_USERNAME_CALLABLE = "accounts.two_factor.axes_username"
AXES_SENSITIVE_PARAMETERS = ["auth-password", "password"]
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_VERBOSE = False

# --- Sessions and security headers ----------------------------------------------------------
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
# The age counts from the last request, an idle timeout: accounts.middleware.
# SessionActivityMiddleware saves the session at most once a minute to move its expiry on,
# instead of a database write on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ACTIVITY_REFRESH_SECONDS = 60
# However active, a session ends this long after the login.
SESSION_ABSOLUTE_HOURS = env.float("SESSION_ABSOLUTE_HOURS", default=12)
# What the periodic jobs keep (accounts/jobs.py): the login history (also django-axes' logs) and
# the records of sent SMS codes.
LOGIN_HISTORY_RETENTION_DAYS = env.int("LOGIN_HISTORY_RETENTION_DAYS", default=365)
SMS_RECORD_RETENTION_DAYS = env.int("SMS_RECORD_RETENTION_DAYS", default=30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
# No page uses a powerful browser feature (ketenportal.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
    "interest-cohort=()"
)
# /.well-known/security.txt (RFC 9116): where to report a vulnerability.
SECURITY_CONTACT = env.str("SECURITY_CONTACT", default="mailto:security@ketenportal.nl")
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# production.py turns these on by default; behind a proxy that already redirects they may be off.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "ketenportal" / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Signed forms uploaded by a relatie's contact (goedkeuring): outside MEDIA_ROOT and the web root,
# served only to back-office staff as a download; deleted this many days after the request is
# decided (active or final).
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")
UPLOAD_RETENTION_DAYS = env.int("UPLOAD_RETENTION_DAYS", default=90)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 25_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ketenportal <noreply@ketenportal.nl>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# --- The platform ---------------------------------------------------------------------------
PLATFORM_NAME = env.str("PLATFORM_NAME", default="Ketenportal")
OTP_WEBAUTHN_RP_NAME = PLATFORM_NAME  # what a passkey's authenticator shows
# The platform's postal address (where signed forms are sent) and the current tariff, shown in the
# request form, the invitation e-mail and the PDF. Lines of the address are separated by "|".
PLATFORM_POSTADRES = env.str(
    "PLATFORM_POSTADRES",
    default="Ketenportal|t.a.v. Verwerking ketenmachtigingen|Antwoordnummer 1234|3500 VB Utrecht",
).split("|")
# The same address and tariff for the English portal (ketenportal.utils.platform picks the one of
# the active language; read them through it, not from here).
PLATFORM_POSTADRES_EN = env.str(
    "PLATFORM_POSTADRES_EN",
    default="Ketenportal|Attn. Processing ketenmachtigingen|Antwoordnummer 1234|3500 VB Utrecht",
).split("|")
PLATFORM_SUPPORT_EMAIL = env.str("PLATFORM_SUPPORT_EMAIL", default="support@ketenportal.nl")
PLATFORM_WEBSITE = env.str("PLATFORM_WEBSITE", default="https://www.ketenportal.nl")
KETENMACHTIGING_TARIEF = env.str(
    "KETENMACHTIGING_TARIEF", default="€ 25,00 per ketenmachtiging per jaar, exclusief btw"
)
KETENMACHTIGING_TARIEF_EN = env.str(
    "KETENMACHTIGING_TARIEF_EN", default="€25.00 per ketenmachtiging per year, excluding VAT"
)
# The same tariff as a number (euros per ketenmachtiging per year, excluding VAT): the home page's
# cost estimate multiplies with it. Keep it in step with the text above.
KETENMACHTIGING_TARIEF_BEDRAG = Decimal(env.str("KETENMACHTIGING_TARIEF_BEDRAG", default="25.00"))
# eHerkenning suppliers a ketenmachtiging can have been registered at ("Kies organisatie").
LEVERANCIERS = env.list(
    "LEVERANCIERS", default=["Digidentity", "KPN", "QuoVadis", "Reconi", "We-ID", "Z login"]
)

# The KvK lookup: "local" (a shipped dataset with the KvK test companies and the demo companies)
# or "api" (KvK Zoeken v2 and Basisprofiel v1 with an API key).
KVK_BACKEND = env.str("KVK_BACKEND", default="local")
KVK_API_URL = env.str("KVK_API_URL", default="https://api.kvk.nl/api/")
KVK_API_KEY = env.str("KVK_API_KEY", default="")
KVK_TIMEOUT_SECONDS = env.float("KVK_TIMEOUT_SECONDS", default=5.0)
KVK_RETRIES = env.int("KVK_RETRIES", default=2)

# Time-driven work (ketenmachtigingen/jobs.py): rows per transaction and an optional pause
# between chunks to spare the database.
SWEEP_CHUNK_SIZE = env.int("SWEEP_CHUNK_SIZE", default=1000)
SWEEP_CHUNK_PAUSE_SECONDS = env.float("SWEEP_CHUNK_PAUSE_SECONDS", default=0.0)

# The e-mail outbox (outbox/): how long a delivering worker may hold an e-mail before another
# takes over, the delays between attempts (the last one fails for good), e-mails per batch and
# per task, and the limit on e-mails sent by hand (outbox/throttle.py).
MAIL_LEASE_SECONDS = env.int("MAIL_LEASE_SECONDS", default=300)
MAIL_RETRY_DELAYS_SECONDS = env.list(
    "MAIL_RETRY_DELAYS_SECONDS", cast=int, default=[60, 300, 900, 3600, 14400]
)
MAIL_BATCH = env.int("MAIL_BATCH", default=50)
MAIL_TASK_BATCH = env.int("MAIL_TASK_BATCH", default=20)
MAIL_THROTTLE_WINDOW_SECONDS = env.int("MAIL_THROTTLE_WINDOW_SECONDS", default=60)
MAIL_THROTTLE_PER_USER = env.int("MAIL_THROTTLE_PER_USER", default=10)
MAIL_THROTTLE_PER_RECIPIENT = env.int("MAIL_THROTTLE_PER_RECIPIENT", default=3)
MAIL_THROTTLE_PER_ORGANISATIE = env.int("MAIL_THROTTLE_PER_ORGANISATIE", default=30)
MAIL_THROTTLE_PER_IP = env.int("MAIL_THROTTLE_PER_IP", default=10)
# --- The REST API and webhooks (api/) ------------------------------------------------------
# Requests per API key (DRF rate, "<n>/<sec|min|hour|day>"); over it: 429 with Retry-After.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")
# Waits between webhook delivery attempts after a failure (about 24 hours in all); after the
# last one the delivery is "mislukt" (it can still be redelivered by hand).
WEBHOOK_RETRY_DELAYS_SECONDS = env.list(
    "WEBHOOK_RETRY_DELAYS_SECONDS", cast=int, default=[5, 300, 1800, 7200, 18000, 36000, 36000]
)
# An endpoint is disabled after this many failed attempts in a row (its beheerders are told).
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=30)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=120)
# Endpoints must be public HTTPS addresses; dev.py and test.py allow http and loopback.
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
WEBHOOK_REQUIRE_HTTPS = env.bool("WEBHOOK_REQUIRE_HTTPS", default=True)
# The delivery log is kept this many days.
WEBHOOK_LOG_RETENTION_DAYS = env.int("WEBHOOK_LOG_RETENTION_DAYS", default=30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasApiKey", "api.permissions.KeyMayWrite"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ketenportal API",
    "DESCRIPTION": (
        "Ketenmachtigingen of your organisation for your own software: which of your clients "
        "you may act for, at which services, until when; request, register, renew and end "
        "them; be told of changes by signed webhooks (Standard Webhooks)."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the statuses, wherever a field holds one (status, van, naar).
    "ENUM_NAME_OVERRIDES": {"StatusEnum": "ketenmachtigingen.constants.Status"},
    "WEBHOOKS": [
        "api.webhooks.schema.created",
        "api.webhooks.schema.status_changed",
        "api.webhooks.schema.renewal_due",
        "api.webhooks.schema.expiring",
        "api.webhooks.schema.ended",
        "api.webhooks.schema.invitation_lapsing",
        "api.webhooks.schema.test",
    ],
}

# How often the sweeps run under Celery beat (minutes); they are cheap when nothing is due.
SWEEP_INTERVAL_MINUTES = env.int("SWEEP_INTERVAL_MINUTES", default=60)
# Uploaded import spreadsheets are kept this many days, then the sweeps delete the file (the
# import's record and its results stay). A refused upload is never kept.
IMPORT_RETENTION_DAYS = env.int("IMPORT_RETENTION_DAYS", default=30)

CELERY_BEAT_SCHEDULE = {
    "sweeps": {
        "task": "ketenmachtigingen.tasks.run_sweeps_task",
        "schedule": SWEEP_INTERVAL_MINUTES * 60.0,
    },
    "berichten-mail": {
        "task": "berichtenbox.tasks.mail_berichten",
        "schedule": 300.0,
    },
    "outbox": {"task": "outbox.tasks.deliver_due_task", "schedule": 60.0},
    "webhooks": {"task": "api.tasks.deliver_due_webhooks_task", "schedule": 60.0},
    "webhook_log": {"task": "api.tasks.prune_webhook_log_task", "schedule": 86400.0},
    "prune": {"task": "accounts.tasks.prune_task", "schedule": 86400.0},
    # The weekly overview e-mail (ketenmachtigingen/weekoverzicht.py), Monday 07:00 local time.
    "weekoverzicht": {
        "task": "ketenmachtigingen.tasks.weekoverzicht_task",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    "heartbeat": {"task": "ketenportal.tasks.heartbeat", "schedule": 30.0},
}
# /health/ reports the worker as stale when its last heartbeat is older than this.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env.int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", default=120)

# Demo data (manage.py seed_demo) may only be loaded where dev.py or test.py allow it.
DEMO_DATA_ALLOWED = False
# See ketenportal/utils/tasks.py; dev.py turns it on.
TASKS_IN_BACKGROUND_THREAD = False

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "ketenportal": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "accounts": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

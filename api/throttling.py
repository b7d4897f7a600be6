"""Rate limits per API key (``API_RATE_LIMIT``, e.g. ``"600/min"``), with ``Retry-After``."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None  # unauthenticated requests are refused before any work
        return f"throttle_api_key_{request.auth.pk}"

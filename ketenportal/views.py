"""Views of the site as a whole (not of an app)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@login_not_required
@cache_control(max_age=86400, public=True)
def security_txt(request):
    """``/.well-known/security.txt`` (RFC 9116): where to report a vulnerability. The contact
    comes from ``SECURITY_CONTACT``; the file says it expires in a year (it is generated, so it
    never goes stale)."""
    expires = (timezone.now() + timedelta(days=365)).replace(microsecond=0)
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: nl, en",
        f"Canonical: {settings.SITE_URL}/.well-known/security.txt",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

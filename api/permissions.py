"""Who may do what through the API: a valid key reads; only a read-write key writes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from abonnementen.mixins import allowed
from abonnementen.selectors import toegang

from .models import ApiKey


class HasApiKey(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey)


class KeyMayWrite(permissions.BasePermission):
    message = _("This API key may only read. Make a key with read and write access.")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return isinstance(request.auth, ApiKey) and request.auth.can_write


class HasAbonnement(permissions.BasePermission):
    """The subscription gate of the ketenmachtiging module (as ``abonnementen.mixins`` for the
    pages): writes need an active subscription; reads stay open once the organisation had one,
    also after it ended. Nothing is deleted when a subscription ends."""

    message = _(
        "Your organisation has no active subscription for ketenmachtigingen, so this cannot be "
        "done. Ketenmachtigingen made before stay readable. A beheerder can request access on "
        "the Subscription page of the portal."
    )
    code = "subscription_required"

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        return allowed(toegang(key.organisatie), lezen=True, method=request.method)

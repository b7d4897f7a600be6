"""Who may do what through the API: a valid key reads; only a read-write key writes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

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

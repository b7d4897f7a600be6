"""``Authorization: Bearer kp_…``: an organisation's API key (``api.keys``).

A key works while it is not revoked, not expired, and its maker is still an active beheerder
of the organisation with EH3 (the level ketenmachtigingen need): a key never has more rights
than a person who could have made it today. Anything else is 401 with the same answer, so a
caller cannot tell a revoked key from a wrong one.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.constants import Rol
from accounts.models import Lidmaatschap

from .keys import hash_key, prefix_of, same_hash
from .models import ApiKey

#: ``laatst_gebruikt_op`` is written at most this often per key (not on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the API key as 'Bearer <key>'."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("The API key is not valid.")) from exc
        return self.authenticate_key(key)

    def authenticate_key(self, key: str):
        invalid = exceptions.AuthenticationFailed(
            _("The API key is not valid, has expired or has been revoked.")
        )
        prefix = prefix_of(key)
        if prefix is None:
            raise invalid
        api_key = (
            ApiKey.objects.select_related("organisatie", "created_by").filter(prefix=prefix).first()
        )
        if api_key is None or not same_hash(api_key.key_hash, hash_key(key)):
            raise invalid
        if api_key.ingetrokken_op is not None or api_key.is_expired():
            raise invalid
        user = api_key.created_by
        if user is None or not user.is_active or not user.can_use_ketenmachtigingen:
            raise invalid
        lidmaatschap = (
            Lidmaatschap.objects.select_related("organisatie")
            .filter(user=user, organisatie=api_key.organisatie, rol=Rol.BEHEERDER)
            .first()
        )
        if lidmaatschap is None:
            raise invalid
        now = timezone.now()
        if (
            api_key.laatst_gebruikt_op is None
            or api_key.laatst_gebruikt_op < now - LAST_USED_RESOLUTION
        ):
            ApiKey.objects.filter(pk=api_key.pk).filter(
                Q(laatst_gebruikt_op__isnull=True)
                | Q(laatst_gebruikt_op__lt=now - LAST_USED_RESOLUTION)
            ).update(laatst_gebruikt_op=now)
        api_key.lidmaatschap = lidmaatschap
        return user, api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "An organisation API key (kp_…), made by a beheerder with EH3 at "
                    "Instellingen > API-sleutels."
                )
            ),
        }

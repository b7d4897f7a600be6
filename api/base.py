"""The base of every API view: key authentication, the organisation, and the audit channel.

``self.organisatie`` is the key's organisation; views read through the same selectors as the
HTML pages (``ketenmachtigingen.selectors``) and write through the same services, with the
key's maker as ``actor``. While a request runs, every audit row it writes says "via API
“<key name>” (kp_…)" (``accounts.context.set_via``).
"""

from rest_framework.views import APIView

from accounts.context import reset_via, set_via

from .models import ApiKey


class ApiViewMixin:
    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        # Not a page: no login redirect, no second-factor step (the key is the credential).
        view.login_required = False
        return view

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.auth
        if isinstance(key, ApiKey):
            self.api_key = key
            self.organisatie = key.organisatie
            self.lidmaatschap = key.lidmaatschap
            # Stored once, read in either language: "API “Boekhouding” (kp_ab12cd34)".
            self._via_token = set_via(f"API “{key.naam}” ({key.prefix})")

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_via_token", None)
        if token is not None:
            reset_via(token)
            self._via_token = None
        return super().finalize_response(request, response, *args, **kwargs)


class ApiView(ApiViewMixin, APIView):
    pass

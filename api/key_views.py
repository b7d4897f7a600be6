"""Instellingen > API-sleutels: make, see and revoke the organisation's API keys.

For a beheerder with EH3 (``KetenmachtigingAccessMixin``): a key acts with those rights. Making a
key needs the password entered recently (``accounts.reauth``), as a change of how the
organisation's data can be reached. The key itself is shown once, on the answer to the POST
that made it (never stored, never in a URL or the session; the page is not cached).
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from accounts.mixins import KetenmachtigingAccessMixin
from accounts.reauth import requires_recent_password
from ketenportal.exceptions import DomainError

from . import selectors, services
from .key_forms import ApiKeyForm


class ApiKeysView(KetenmachtigingAccessMixin, ListView):
    template_name = "api/keys/lijst.html"
    context_object_name = "keys"
    paginate_by = 50

    def get_queryset(self):
        return selectors.apikeys_with_state(organisatie=self.request.organisatie)


# After the access rules (the mixin's dispatch): someone who may not make keys is told so, not
# asked for their password first.
@method_decorator(requires_recent_password, name="get")
@method_decorator(requires_recent_password, name="post")
class ApiKeyCreateView(KetenmachtigingAccessMixin, FormView):
    template_name = "api/keys/nieuw.html"
    form_class = ApiKeyForm

    def form_valid(self, form):
        try:
            api_key, key = services.apikey_create(
                actor=self.request.user, organisatie=self.request.organisatie, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        return render(
            self.request,
            "api/keys/gemaakt.html",
            {"api_key": api_key, "key": key, "site_url": settings.SITE_URL},
        )


class ApiKeyRevokeView(KetenmachtigingAccessMixin, TemplateView):
    template_name = "api/keys/intrekken.html"

    def load_objects(self) -> None:
        self.api_key = selectors.apikey_of(
            organisatie=self.request.organisatie, pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(api_key=self.api_key, **kwargs)

    def post(self, request, *args, **kwargs):
        services.apikey_revoke(actor=request.user, api_key=self.api_key)
        messages.success(
            request,
            _("The key “%(naam)s” has been revoked; it no longer works.")
            % {"naam": self.api_key.naam},
        )
        return redirect("api_keys:lijst")

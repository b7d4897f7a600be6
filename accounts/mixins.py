"""Access rules for views, in one place.

* ``OrganisatieRequiredMixin``: the person belongs to an organisation (``request.organisatie``).
* ``BeheerderRequiredMixin``: and is Beheerder of the organisation they are managing.
* ``KetenmachtigingAccessMixin``: and their own EH-middel is EH3 or higher and not a
  Belastingdienst-only means, as the scheme requires for ketenmachtigingen.
* ``StaffRequiredMixin``: back-office staff of the platform.

Whoever fails a rule sees a page that explains why (status 403), never a bare error. After the
rules pass, ``load_objects()`` resolves the objects the URL names through the organisation's
selectors, before the HTTP method is dispatched: another organisation's object is a 404 for GET
and POST alike. Being logged in with a verified second factor is checked before any view by
``SecondFactorRequiredMiddleware``.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class PortalAccessMixin:
    def access_denied(self, request: HttpRequest) -> HttpResponse | None:
        """A response explaining why ``request`` may not see this view, or None."""
        return None

    def load_objects(self) -> None:
        """Resolve the URL's objects (raise Http404 for ones outside the organisation)."""

    def dispatch(self, request, *args, **kwargs):
        denied = self.access_denied(request)
        if denied is not None:
            return denied
        self.load_objects()
        return super().dispatch(request, *args, **kwargs)


class OrganisatieRequiredMixin(PortalAccessMixin):
    def access_denied(self, request):
        if request.organisatie is None:
            return render(request, "accounts/denied_no_organisatie.html", status=403)
        return super().access_denied(request)


class BeheerderRequiredMixin(OrganisatieRequiredMixin):
    def access_denied(self, request):
        denied = super().access_denied(request)
        if denied is None and not request.lidmaatschap.is_beheerder:
            return render(request, "accounts/denied_beheerder.html", status=403)
        return denied


class KetenmachtigingAccessMixin(BeheerderRequiredMixin):
    def access_denied(self, request):
        denied = super().access_denied(request)
        if denied is None and not request.user.can_use_ketenmachtigingen:
            return render(request, "accounts/denied_niveau.html", status=403)
        return denied


class StaffRequiredMixin(PortalAccessMixin):
    def access_denied(self, request):
        if not request.user.is_staff:
            return render(request, "accounts/denied_staff.html", status=403)
        return super().access_denied(request)

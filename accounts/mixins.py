"""Access rules for views, in one place.

* ``OrganisatieRequiredMixin``: the person belongs to an organisation (``request.organisatie``).
* ``BeheerderRequiredMixin``: and is Beheerder of the organisation they are managing.
* ``KetenmachtigingAccessMixin``: and their own EH-middel is EH3 or higher and not a
  Belastingdienst-only means, as the scheme requires for ketenmachtigingen.
* ``StaffRequiredMixin``: back-office staff of the platform.

Whoever fails a rule sees a page that explains why (status 403), never a bare error. Being logged
in with a verified second factor is checked before any view by ``SecondFactorRequiredMiddleware``.
"""

from django.shortcuts import render


class OrganisatieRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.organisatie is None:
            return render(request, "accounts/denied_no_organisatie.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class BeheerderRequiredMixin(OrganisatieRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.organisatie is not None and not request.lidmaatschap.is_beheerder:
            return render(request, "accounts/denied_beheerder.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class KetenmachtigingAccessMixin(BeheerderRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if (
            request.organisatie is not None
            and request.lidmaatschap.is_beheerder
            and not request.user.can_use_ketenmachtigingen
        ):
            return render(request, "accounts/denied_niveau.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class StaffRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_staff:
            return render(request, "accounts/denied_staff.html", status=403)
        return super().dispatch(request, *args, **kwargs)

"""The subscription gate of the ketenmachtiging module's pages, in one mixin.

A view of the module declares what it is: ``abonnement_lezen = True`` for a read (overview,
detail, export, the PDF), which stays open with GET once the organisation had the module, also
after its subscription ended; anything else is a write (request, import, register, renew, end,
assign users and groups, the module's settings), open only while the subscription is active.
Refused, the person sees the explanation page (``abonnementen/toegang.html``, status 200):
how to get access, the quote, and "Vraag toegang aan" — never a 403. An organisation that never
had the module sees that page instead of the overview too. The API has the same rule in
``api.permissions.HasAbonnement``.
"""

from django.conf import settings
from django.shortcuts import render

from accounts.mixins import KetenmachtigingAccessMixin

from .constants import Module
from .selectors import Toegang, toegang

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def allowed(t: Toegang, *, lezen: bool, method: str) -> bool:
    """Whether a request may pass the gate: always with an active subscription; a read by GET
    also when the organisation had one that ended."""
    return t.actief or (lezen and method in SAFE_METHODS and t.gehad)


def explanation(request, t: Toegang, *, geweigerd: bool = True):
    """The explanation page for ``request.organisatie``'s subscription state."""
    return render(
        request,
        "abonnementen/toegang.html",
        {
            "toegang": t,
            "abonnement": t.abonnement,
            "geweigerd": geweigerd,
            "website": settings.PLATFORM_WEBSITE,
            "support_email": settings.PLATFORM_SUPPORT_EMAIL,
        },
    )


class AbonnementRequiredMixin(KetenmachtigingAccessMixin):
    abonnement_module: str = Module.KETENMACHTIGINGEN
    #: A read: stays open (GET) after the subscription ended. Off by default: a new view is a
    #: write until it says otherwise.
    abonnement_lezen: bool = False

    def access_denied(self, request):
        denied = super().access_denied(request)
        if denied is not None:
            return denied
        self.toegang = toegang(request.organisatie, self.abonnement_module)
        if allowed(self.toegang, lezen=self.abonnement_lezen, method=request.method):
            return None
        return explanation(request, self.toegang)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Read-only after the end: the page says so (includes/abonnement_alleen_lezen.html).
        context["abonnement_alleen_lezen"] = not self.toegang.actief
        return context

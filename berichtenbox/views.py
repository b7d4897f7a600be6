"""Views of the berichtenbox: the organisation's messages, one message, mark all read.

Only beheerders of the organisation being managed see them (``BeheerderRequiredMixin``); every
message is found through the selectors with ``request.organisatie``, so another organisation's
message is a 404.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.mixins import BeheerderRequiredMixin

from . import selectors, services
from .constants import Soort


def internal_link(link: str) -> str:
    """``link`` when it is a path on this site ("/…"), else "". Messages only ever point inside
    the portal; anything else ("https://…", "//host", "/\\host", "javascript:…") is dropped."""
    if not link.startswith("/") or link.startswith(("//", "/\\")):
        return ""
    if not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return ""
    return link


class BerichtenView(BeheerderRequiredMixin, ListView):
    """The berichtenbox: newest first, unread ones marked, filterable by kind."""

    template_name = "berichtenbox/lijst.html"
    context_object_name = "berichten"
    paginate_by = 25

    def get_queryset(self):
        soort = self.request.GET.get("soort", "")
        self.soort = soort if soort in Soort.values else ""
        return selectors.berichten_for(
            organisatie=self.request.organisatie,
            soort=self.soort,
            met_ketenmachtigingen=self.request.user.can_use_ketenmachtigingen,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["soort"] = self.soort
        context["soorten"] = Soort.choices
        return context


class BerichtView(BeheerderRequiredMixin, TemplateView):
    """One message. Opening it (GET) marks it read for the whole organisation: a read receipt,
    like opening a letter, not a change of the organisation's data."""

    template_name = "berichtenbox/bericht.html"

    def load_objects(self) -> None:
        try:
            self.bericht = selectors.bericht_of(
                organisatie=self.request.organisatie,
                pk=self.kwargs["pk"],
                met_ketenmachtigingen=self.request.user.can_use_ketenmachtigingen,
            )
        except selectors.Bericht.DoesNotExist as exc:
            raise Http404 from exc

    def get(self, request, *args, **kwargs):
        services.bericht_mark_read(bericht=self.bericht)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bericht"] = self.bericht
        context["link"] = internal_link(self.bericht.link)
        return context


class AllesGelezenView(BeheerderRequiredMixin, View):
    """Mark all of the organisation's messages read (POST only)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        count = services.berichten_mark_all_read(
            actor=request.user, organisatie=request.organisatie
        )
        messages.success(
            request,
            ngettext(
                "%(count)d message has been marked as read.",
                "%(count)d messages have been marked as read.",
                count,
            )
            % {"count": count},
        )
        return redirect("berichtenbox:lijst")

"""The public pages of the personal link, and the staff download of an uploaded form.

Who may see what:

* Anyone with a working link sees the intermediair's name and the deadline, and may ask for a
  code. A wrong, expired or revoked link is one neutral page (404): it never says which.
* Only a browser whose session verified a code for this link sees the request and answers it.
  The session key changes when the code is verified (no session fixation).
* The uploaded form is downloaded only by back-office staff, as an attachment.
"""

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.context import current_client_ip
from accounts.mixins import StaffRequiredMixin
from ketenmachtigingen.models import Ketenmachtiging
from ketenportal.exceptions import DomainError
from ketenportal.utils.platform import postadres, tarief_tekst

from . import selectors, services
from .forms import AfwijzenForm, CodeForm, GoedkeurenForm

VERIFIED = "goedkeuring_geverifieerd"
OPENED = "goedkeuring_geopend"
DONE = "goedkeuring_klaar"
#: The language the answer was given in: the thank-you page speaks it too.
DONE_TAAL = "goedkeuring_klaar_taal"


def _mask(email: str) -> str:
    name, _at, domain = email.partition("@")
    return f"{name[:1]}…@{domain}" if domain else "…"


def neutral(request):
    return render(request, "goedkeuring/ongeldig.html", status=404)


@method_decorator([login_not_required], name="dispatch")
class LinkView(TemplateView):
    """Resolves the token on every request; shows the neutral page when it does not work."""

    needs_code = True

    def dispatch(self, request, *args, **kwargs):
        self.link = selectors.link_for_token(kwargs["token"])
        if self.link is None:
            return neutral(request)
        self.km = self.link.ketenmachtiging
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            # The invitation's language until the visitor switches (the language switch).
            translation.activate(self.km.taal)
            request.LANGUAGE_CODE = self.km.taal
        self.verified = self.link.pk in request.session.get(VERIFIED, [])
        if self.needs_code and not self.verified:
            return redirect("goedkeuring:start", token=kwargs["token"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from ketenmachtigingen.services import pdf_context

        context = super().get_context_data(**kwargs)
        context.update(
            km=self.km,
            link=self.link,
            token=self.kwargs["token"],
            verified=self.verified,
            postadres=postadres(),
        )
        if self.verified:
            context["feiten"] = pdf_context(self.km)
            context["feiten"]["tarief"] = tarief_tekst(self.km.tarief)
        return context


class StartView(LinkView):
    template_name = "goedkeuring/start.html"
    needs_code = False

    def get(self, request, *args, **kwargs):
        opened = request.session.get(OPENED, [])
        if self.link.pk not in opened:
            services.link_opened(link=self.link)
            request.session[OPENED] = [*opened, self.link.pk][-20:]
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["code_form"] = kwargs.get("code_form") or CodeForm()
        context["code_sent"] = self.link.code_verstuurd_op is not None
        return context


class CodeSendView(LinkView):
    http_method_names = ["post"]
    needs_code = False

    def post(self, request, *args, **kwargs):
        try:
            services.code_send(link=self.link, ip_address=current_client_ip())
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("We sent a code to %(email)s. It is valid for 10 minutes.")
                % {"email": _mask(self.km.relatie_contact_email)},
            )
        return redirect("goedkeuring:start", token=kwargs["token"])


class CodeView(StartView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                services.code_verify(
                    link=self.link,
                    code=form.cleaned_data["code"],
                    ip_address=current_client_ip(),
                )
            except DomainError as exc:
                form.add_error("code", str(exc))
            else:
                request.session.cycle_key()
                request.session[VERIFIED] = [*request.session.get(VERIFIED, []), self.link.pk][-20:]
                return redirect("goedkeuring:start", token=kwargs["token"])
        self.link.refresh_from_db()
        return self.render_to_response(self.get_context_data(code_form=form), status=400)


class GoedkeurenView(LinkView):
    template_name = "goedkeuring/goedkeuren.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or GoedkeurenForm()
        return context

    def post(self, request, *args, **kwargs):
        form = GoedkeurenForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.online_approve(
                    link=self.link,
                    ondertekenaars=form.cleaned_data["ondertekenaars"],
                    bestand=form.cleaned_data["bestand"],
                    paginas=form.pages,
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                request.session[DONE] = "goedgekeurd"
                request.session[DONE_TAAL] = translation.get_language()
                return redirect("goedkeuring:klaar")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AfwijzenView(LinkView):
    template_name = "goedkeuring/afwijzen.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or AfwijzenForm()
        return context

    def post(self, request, *args, **kwargs):
        form = AfwijzenForm(request.POST)
        if form.is_valid():
            try:
                services.online_decline(link=self.link, reden=form.cleaned_data["reden"])
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                request.session[DONE] = "afgewezen"
                request.session[DONE_TAAL] = translation.get_language()
                return redirect("goedkeuring:klaar")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FormulierView(LinkView):
    """The form as a PDF, to print, sign and post."""

    def get(self, request, *args, **kwargs):
        from ketenmachtigingen.emails import formulier_pdf

        pdf = formulier_pdf(self.km)
        services.post_chosen(link=self.link)
        return FileResponse(
            io.BytesIO(pdf),
            as_attachment=True,
            filename=f"ketenmachtiging-{self.km.kenmerk}.pdf",
            content_type="application/pdf",
        )


@method_decorator([login_not_required], name="dispatch")
class KlaarView(TemplateView):
    """After the answer: the links no longer work, so the session says what was done."""

    template_name = "goedkeuring/klaar.html"

    def get(self, request, *args, **kwargs):
        if request.session.get(DONE) not in ("goedgekeurd", "afgewezen"):
            return neutral(request)
        taal = request.session.get(DONE_TAAL)
        if taal and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(taal)
            request.LANGUAGE_CODE = taal
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["klaar"] = self.request.session.get(DONE)
        return context


class UploadDownloadView(StaffRequiredMixin, View):
    """Back-office staff only: the uploaded form of a request, never shown inline."""

    def load_objects(self) -> None:
        km = Ketenmachtiging.objects.filter(pk=self.kwargs["pk"]).first()
        self.ondertekening = selectors.ondertekening_of(km) if km else None
        if self.ondertekening is None or not self.ondertekening.bestand:
            raise Http404

    def get(self, request, *args, **kwargs):
        handle = self.ondertekening.bestand.open("rb")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"ondertekend-{self.ondertekening.ketenmachtiging.kenmerk}.pdf",
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

"""Views of the accounts app: login glue, recovery, Mijn profiel, Gebruikers, switching."""

import logging

from axes import signals as axes_signals
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView, TemplateView
from django.views.i18n import set_language
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from two_factor.plugins.phonenumber.models import PhoneDevice
from two_factor.utils import default_device
from two_factor.views import LoginView as TwoFactorLoginView

from ketenportal.exceptions import DomainError
from ketenportal.utils.tasks import dispatch
from ketenportal.utils.text import zin
from outbox.throttle import anonymous_mail_throttle

from . import certificates, selectors, services
from .constants import LoginResult
from .forms import (
    GebruikerSearchForm,
    OrganisatieSwitchForm,
    ProfielForm,
    ReauthForm,
    RolForm,
    UsernameOrEmailPasswordResetForm,
    UsernameRecoveryForm,
    VerifyTokenForm,
)
from .login_limits import address_is_spraying, warning_before_lock
from .middleware import (
    ORGANISATIE_SESSION_KEY,
    client_ip,
    second_factor_exempt,
)
from .mixins import BeheerderRequiredMixin
from .reauth import mark_password_confirmed
from .signals import second_factor_of
from .sms import mask_number

logger = logging.getLogger(__name__)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` parameter when it is a path on this site ("/…"), else ``fallback``.

    Django calls "abc", "#" or "%00" safe too (no scheme, no host), but ``redirect()`` takes a
    value without a slash for the name of a URL pattern, and fails with a 500 when there is none.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


class SafeNextMixin:
    """django-two-factor-auth's wizards pass any ``next`` that Django calls safe to
    ``redirect()``; take it only when it is a path on this site (see ``safe_next``)."""

    def get_redirect_url(self) -> str:
        return safe_next(self.request, "")


class LoginView(SafeNextMixin, TwoFactorLoginView):
    """django-two-factor-auth's login wizard, which also records wrong codes in the history."""

    def get_form(self, step=None, **kwargs):
        form = super().get_form(step=step, **kwargs)
        if "otp_token" in form.fields:
            form.fields["otp_token"].label = _("Code")
        return form

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        if self.steps.current in (self.TOKEN_STEP, self.BACKUP_STEP):
            context.update(passkey_context(self.request, self.get_user()))
        if self.steps.current == self.TOKEN_STEP:
            context.update(sms_context(context.get("device")))
            for other in context.get("other_devices") or []:
                if isinstance(other, PhoneDevice):
                    other.masked_number = mask_number(other.number)
        return context

    def done(self, form_list, **kwargs):
        response = super().done(form_list, **kwargs)
        # The password was just entered: right after logging in (the first backup codes after
        # enrolment), changing the second factor does not ask for it again (accounts.reauth).
        mark_password_confirmed(self.request)
        return response

    def post(self, *args, **kwargs):
        step = self.steps.current
        if step == "auth" and address_is_spraying(self.request):
            # Too many wrong passwords from this address over all usernames: refused like a
            # locked-out username, before the password is even checked.
            axes_signals.user_locked_out.send(
                "accounts",
                request=self.request,
                username=self.request.POST.get("auth-username", "")[:150],
                ip_address=client_ip(self.request),
            )
            return get_lockout_response(self.request, None)
        response = super().post(*args, **kwargs)
        warning = step == "auth" and warning_before_lock(self.request)
        if warning and isinstance(response, TemplateResponse) and "form" in response.context_data:
            response.context_data["form"].add_error(None, warning)
        wrong_code = (
            step in (self.TOKEN_STEP, self.BACKUP_STEP)
            and "challenge_device" not in self.request.POST
            and isinstance(response, TemplateResponse)
            and self.steps.current == step
            and self.get_user()
        )
        if wrong_code:
            user = self.get_user()
            services.login_event_record(
                user=user,
                username=user.get_username(),
                result=LoginResult.WRONG_TOKEN,
                ip_address=client_ip(self.request),
                user_agent=self.request.META.get("HTTP_USER_AGENT", ""),
                second_factor=second_factor_of(self.get_device(step)),
            )
        return response


def passkey_context(request, user) -> dict:
    """Whether the code page offers "Use a passkey", and the library's configuration."""
    from django_otp_webauthn.models import WebAuthnCredential

    from .passkeys import webauthn_configuration

    if not user or not WebAuthnCredential.objects.filter(user=user, confirmed=True).exists():
        return {"has_passkeys": False}
    return {"has_passkeys": True, "webauthn_config": webauthn_configuration(request)}


def sms_context(device) -> dict:
    """What the code page says about a text message: the masked number, whether a text was sent
    just now (``accounts.sms.Gateway`` leaves that on the device) and if not, from when."""
    if not isinstance(device, PhoneDevice):
        return {"is_sms": False}
    return {
        "is_sms": True,
        "masked_number": mask_number(device.number),
        # None: no text was asked for by this request (a wrong code was entered, say).
        "sms_sent": getattr(device, "sms_sent", None),
        "sms_next_send_at": getattr(device, "sms_next_send_at", None),
    }


@method_decorator([second_factor_exempt, never_cache], name="dispatch")
class VerifyView(FormView):
    """The token step for a session that is logged in but has not passed the second factor."""

    template_name = "accounts/verify.html"
    form_class = VerifyTokenForm

    def get_device(self):
        if not hasattr(self, "_device"):
            self._device = default_device(self.request.user)
        return self._device

    def get(self, request, *args, **kwargs):
        if request.user.is_verified():
            return redirect(safe_next(request, reverse("home")))
        device = self.get_device()
        if device is None and not passkey_context(request, request.user)["has_passkeys"]:
            return redirect("two_factor:setup")
        if isinstance(device, PhoneDevice):
            device.generate_challenge()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = self.get_device()
        context.update(sms_context(device))
        context.update(passkey_context(self.request, self.request.user))
        context["next"] = safe_next(self.request, "")
        return context

    def post(self, request, *args, **kwargs):
        if "resend" in request.POST:
            # "Stuur opnieuw": a new text (counted against the limits), on the page itself.
            device = self.get_device()
            if isinstance(device, PhoneDevice):
                device.generate_challenge()
            return self.render_to_response(self.get_context_data(form=self.get_form_class()()))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        token = form.cleaned_data["token"].strip().replace(" ", "")
        user = self.request.user
        candidates = [self.get_device(), *StaticDevice.objects.filter(user=user)]
        for device in candidates:
            if device is not None and device.verify_token(token):
                otp_login(self.request, device)
                services.login_event_record(
                    user=user,
                    username=user.get_username(),
                    result=LoginResult.SUCCESS,
                    ip_address=client_ip(self.request),
                    user_agent=self.request.META.get("HTTP_USER_AGENT", ""),
                    second_factor=second_factor_of(device),
                )
                return redirect(safe_next(self.request, reverse("home")))
        services.login_event_record(
            user=user,
            username=user.get_username(),
            result=LoginResult.WRONG_TOKEN,
            ip_address=client_ip(self.request),
            user_agent=self.request.META.get("HTTP_USER_AGENT", ""),
        )
        form.add_error("token", _("This code is not valid. Check the code and try again."))
        return self.form_invalid(form)


@method_decorator([login_not_required, never_cache], name="dispatch")
class CertificaatLoginView(TemplateView):
    """Log in with an EH4 certificate: both factors at once (``accounts.certificates``).

    GET shows the page with one button; the POST checks the certificate the TLS proxy passed and
    logs the person in with a ``CertificaatDevice`` in the session, so the second-factor rule
    and ``user.is_verified()`` accept the session. Every refusal is written to the login history
    and counts towards the limit per address (``accounts.login_limits``); a refused genuine
    certificate (revoked, say) also counts for its person in django-axes."""

    template_name = "accounts/certificaat_login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = safe_next(self.request, "")
        context["enabled"] = certificates.enabled()
        return context

    def post(self, request, *args, **kwargs):
        if address_is_spraying(request):
            return get_lockout_response(request, None)
        try:
            cert = certificates.certificate_from_request(request)
            if cert is None:
                if request.headers.get(settings.CLIENT_CERT_HEADER):
                    logger.warning("certificate header from an untrusted address")
                raise certificates.CertificateRefused(
                    _(
                        "No certificate was received. Choose your EH4 certificate when your "
                        "browser asks for it."
                    ),
                    code="missing",
                )
            checked = certificates.check(cert)
        except certificates.CertificateRefused as exc:
            return self.refused(exc, serial_number=exc.serial_number)
        user = selectors.user_for_certificaat(checked.serial_number)
        if user is None:
            return self.refused(
                certificates.CertificateRefused(
                    _("This certificate is not linked to an EH4 means on this portal."),
                    code="unknown",
                )
            )
        if AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()}):
            return get_lockout_response(request, {"username": user.get_username()})
        services.certificaat_login(request=request, user=user, checked=checked)
        return redirect(safe_next(request, reverse("home")))

    def refused(self, exc, *, serial_number: str = ""):
        user = selectors.user_for_certificaat(serial_number) if serial_number else None
        if user is not None:
            # Through Django's signal: django-axes counts it, the history shows it.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username(), "certificaat": True},
                request=self.request,
            )
        else:
            services.login_event_record(
                user=None,
                username="",
                result=LoginResult.WRONG_CERTIFICATE,
                ip_address=client_ip(self.request),
                user_agent=self.request.META.get("HTTP_USER_AGENT", ""),
            )
        logger.info("certificate login refused: %s", exc.code)
        context = self.get_context_data(error=str(exc))
        return self.render_to_response(context, status=403)


@method_decorator([never_cache, sensitive_post_parameters("password")], name="dispatch")
class ReauthView(FormView):
    """Bevestig uw wachtwoord: the password again before a change of how someone logs in.

    Open to a person with a verified second factor only (the middleware's default). A wrong
    password is a form error and counts towards the django-axes lockout (``accounts.reauth``).
    """

    template_name = "accounts/reauth.html"
    form_class = ReauthForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = safe_next(self.request, "")
        return context

    def form_valid(self, form):
        mark_password_confirmed(self.request)
        return redirect(safe_next(self.request, reverse("accounts:profiel")))


@method_decorator(second_factor_exempt, name="dispatch")
class LogoutView(SafeNextMixin, auth_views.LogoutView):
    """Uitloggen, by POST only (Django's LogoutView refuses GET). The login page it leads to says
    so (the message outlives the session: it is stored after the logout)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Wachtwoord vergeten: whatever was typed, the request does the same work (a task with the
    value, dispatched after commit; ``accounts.tasks``), so neither the answer nor its timing
    tells whether an account exists. Limited per address the request comes from."""

    form_class = UsernameOrEmailPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        try:
            anonymous_mail_throttle(client_ip(self.request))
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        from .tasks import send_password_reset

        with transaction.atomic():
            dispatch(send_password_reset, form.cleaned_data["email"].strip())
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    # Never log in after a reset: the second factor must still be passed at the login page.
    post_reset_login = False
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.user_password_reset(user=self.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@method_decorator([login_not_required, never_cache], name="dispatch")
class UsernameRecoveryView(FormView):
    """Gebruikersnaam vergeten: mail the usernames registered on an address, reveal nothing."""

    template_name = "accounts/username_recovery_form.html"
    form_class = UsernameRecoveryForm
    success_url = reverse_lazy("accounts:username_recovery_done")

    def form_valid(self, form):
        try:
            anonymous_mail_throttle(client_ip(self.request))
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        from .tasks import send_usernames

        with transaction.atomic():
            dispatch(send_usernames, form.cleaned_data["email"])
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")
class UsernameRecoveryDoneView(TemplateView):
    template_name = "accounts/username_recovery_done.html"


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ProfielView(TemplateView):
    """Mijn profiel: details, the EH-middel and its level, login history, devices. A new e-mail
    address needs the current password (``ProfielForm``)."""

    template_name = "accounts/profiel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["form"] = kwargs.get("form") or ProfielForm(
            request=self.request,
            initial={
                "email": user.email,
                "telefoonnummer": user.telefoonnummer,
                "taal": user.taal,
                "email_berichten": user.email_berichten,
                "weekoverzicht": user.weekoverzicht,
            },
        )
        context["login_history"] = selectors.login_history_for(user)[:25]
        context["device"] = default_device(user)
        return context

    def post(self, request, *args, **kwargs):
        form = ProfielForm(request.POST, request=request)
        if form.is_valid():
            try:
                services.user_update_profile(
                    actor=request.user, user=request.user, **form.profile_values()
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your details have been saved."))
                return redirect("accounts:profiel")
        return self.render_to_response(self.get_context_data(form=form), status=200)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profiel")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(actor=self.request.user, user=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


class GebruikersView(BeheerderRequiredMixin, ListView):
    """Gebruikers: the organisation's people with their level and role, searchable."""

    template_name = "accounts/gebruikers.html"
    context_object_name = "leden"
    paginate_by = 50

    def get_queryset(self):
        self.search_form = GebruikerSearchForm(self.request.GET or None)
        search = self.search_form.cleaned_data["q"] if self.search_form.is_valid() else ""
        return selectors.gebruikers_for(organisatie=self.request.organisatie, search=search)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["search_form"] = self.search_form
        return context


class GebruikerDetailView(BeheerderRequiredMixin, TemplateView):
    """One member: details and means, change the role, remove from the organisation."""

    template_name = "accounts/gebruiker_detail.html"

    def load_objects(self) -> None:
        try:
            self.lidmaatschap = selectors.lidmaatschap_of(
                organisatie=self.request.organisatie, pk=self.kwargs["pk"]
            )
        except selectors.Lidmaatschap.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lidmaatschap = kwargs.get("lidmaatschap") or self.lidmaatschap
        context["lidmaatschap"] = lidmaatschap
        context["rol_form"] = kwargs.get("rol_form") or RolForm(initial={"rol": lidmaatschap.rol})
        return context


class GebruikerRolView(GebruikerDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        lidmaatschap = self.lidmaatschap
        form = RolForm(request.POST)
        if form.is_valid():
            try:
                services.lidmaatschap_set_rol(
                    actor=request.user, lidmaatschap=lidmaatschap, rol=form.cleaned_data["rol"]
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The role has been changed."))
                return redirect("accounts:gebruiker", pk=lidmaatschap.pk)
        context = self.get_context_data(lidmaatschap=lidmaatschap, rol_form=form)
        return self.render_to_response(context, status=400)


class GebruikerVerwijderView(GebruikerDetailView):
    """Remove a person from the organisation (GET asks for confirmation, POST removes)."""

    template_name = "accounts/gebruiker_verwijder.html"

    def post(self, request, *args, **kwargs):
        lidmaatschap = self.lidmaatschap
        try:
            services.lidmaatschap_remove(actor=request.user, lidmaatschap=lidmaatschap)
        except DomainError as exc:
            context = self.get_context_data(lidmaatschap=lidmaatschap, error=str(exc))
            context["error"] = str(exc)
            return self.render_to_response(context, status=400)
        messages.success(
            request,
            zin(
                _("%(name)s has been removed from %(organisatie)s.")
                % {"name": lidmaatschap.user, "organisatie": lidmaatschap.organisatie}
            ),
        )
        if lidmaatschap.user_id == request.user.pk:
            return redirect("home")
        return redirect("accounts:gebruikers")


@require_POST
def organisatie_switch(request: HttpRequest) -> HttpResponse:
    """Switch the organisation being managed to another of the person's own."""
    form = OrganisatieSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404
    chosen = form.cleaned_data["organisatie"]
    if not any(m.organisatie_id == chosen for m in request.lidmaatschappen):
        raise Http404
    request.session[ORGANISATIE_SESSION_KEY] = chosen
    return HttpResponseRedirect(safe_next(request, reverse("home")))


@login_not_required
@require_POST
def taal(request: HttpRequest) -> HttpResponse:
    """Switch the language; a logged-in person's choice is remembered on their account too."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_verified() and language in dict(settings.LANGUAGES):
        services.user_update_profile(actor=request.user, user=request.user, taal=language)
    return response


class PlaceholderView(TemplateView):
    """A menu entry whose feature arrives in a later release: says so instead of a dead link."""

    template_name = "placeholder.html"
    title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        return context


@method_decorator([login_not_required, never_cache], name="dispatch")
class HealthView(View):
    """``/health/``: 200 when the database answers and, with Redis configured, Redis answers and
    a worker's heartbeat is recent; 503 otherwise. Says which part failed, nothing more.
    ``/health/?worker=0`` leaves the worker out: the web container's own health check, so a
    load balancer keeps serving pages while only the worker is down."""

    def get(self, request, *args, **kwargs):
        checks: dict[str, str] = {}
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            checks["database"] = "ok"
        except Exception:  # noqa: BLE001 - any failure means unhealthy
            logger.exception("health: database")
            checks["database"] = "error"
        if settings.REDIS_URL:
            checks.update(self.redis_and_worker())
            if request.GET.get("worker") == "0":
                checks.pop("worker")
        healthy = all(value == "ok" for value in checks.values())
        return JsonResponse(
            {"status": "ok" if healthy else "error", "checks": checks},
            status=200 if healthy else 503,
        )

    def redis_and_worker(self) -> dict[str, str]:
        from datetime import datetime

        import redis
        from django.core.cache import cache
        from django.utils import timezone

        from ketenportal.tasks import HEARTBEAT_KEY

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        except Exception:  # noqa: BLE001
            logger.exception("health: redis")
            return {"redis": "error", "worker": "unknown"}
        beat = cache.get(HEARTBEAT_KEY)
        if not beat:
            return {"redis": "ok", "worker": "no heartbeat"}
        age = (timezone.now() - datetime.fromisoformat(beat)).total_seconds()
        worker = "ok" if age <= settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS else "stale"
        return {"redis": "ok", "worker": worker}

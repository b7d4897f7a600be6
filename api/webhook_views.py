"""Instellingen > Webhooks: an organisation's endpoints, their delivery log, and test events.

Who: a beheerder with an EH3 means (``KetenmachtigingAccessMixin``), the same people who may
make API keys. Every object is found through ``api.webhooks.selectors`` with the organisation
being managed, before the method is dispatched (``load_objects``): another organisation's
endpoint or delivery is a 404 for GET and POST. Every change is one service call
(``api.webhooks.services``), audited there.

The signing secret is shown once: the service returns it, the create view keeps it in the
session for the next page only, and the detail page takes it out as it shows it.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from accounts.mixins import KetenmachtigingAccessMixin
from ketenportal.exceptions import DomainError

from .constants import SUBSCRIBABLE, DeliveryStatus, WebhookEvent
from .forms import WebhookEndpointForm
from .webhooks import selectors, services
from .webhooks.constants import fout_parts, reden_text

SECRET_SESSION_KEY = "webhook_secret"
EVENT_LABELS = {e.value: e.label for e in WebhookEvent}


def _form_error(form, exc: DomainError) -> None:
    """The service's refusal as an error of the field it is about."""
    field = {"events": "events", "max": None}.get(exc.code, "url")
    form.add_error(field, str(exc))


def _describe(endpoint) -> None:
    """Labels for the templates: the events by name, and why it is disabled."""
    endpoint.event_labels = [str(EVENT_LABELS.get(e, e)) for e in endpoint.events]
    endpoint.reden_tekst = "" if endpoint.actief else reden_text(endpoint.uitgeschakeld_reden)


class EndpointMixin(KetenmachtigingAccessMixin):
    """Views of one endpoint of the organisation (``pk``)."""

    def load_objects(self) -> None:
        self.endpoint = selectors.webhook_endpoint_of(
            organisatie=self.request.organisatie, pk=self.kwargs["pk"]
        )
        _describe(self.endpoint)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["endpoint"] = self.endpoint
        return context


class DeliveryMixin(EndpointMixin):
    """Views of one delivery (``delivery``) of one endpoint of the organisation."""

    def load_objects(self) -> None:
        super().load_objects()
        self.delivery = selectors.webhook_delivery_of(
            endpoint=self.endpoint, pk=self.kwargs["delivery"]
        )


class WebhookListView(KetenmachtigingAccessMixin, ListView):
    template_name = "api/webhooks/lijst.html"
    context_object_name = "endpoints"
    paginate_by = 50

    def get_queryset(self):
        return selectors.webhook_endpoints_for(organisatie=self.request.organisatie)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for endpoint in context["endpoints"]:
            _describe(endpoint)
            status = endpoint.laatste_aflevering_status
            endpoint.laatste_status_label = DeliveryStatus(status).label if status else ""
        return context


class WebhookCreateView(KetenmachtigingAccessMixin, FormView):
    """Add an endpoint; its signing secret is shown on the next page, once."""

    template_name = "api/webhooks/form.html"
    form_class = WebhookEndpointForm

    def get_initial(self):
        return {"events": [e.value for e in SUBSCRIBABLE]}

    def form_valid(self, form):
        try:
            endpoint, secret = services.webhook_endpoint_create(
                actor=self.request.user,
                organisatie=self.request.organisatie,
                **form.cleaned_data,
            )
        except DomainError as exc:
            _form_error(form, exc)
            return self.form_invalid(form)
        self.request.session[SECRET_SESSION_KEY] = {"pk": endpoint.pk, "secret": secret}
        messages.success(self.request, _("The endpoint has been added."))
        return redirect("webhooks:detail", pk=endpoint.pk)


class WebhookDetailView(EndpointMixin, ListView):
    """The endpoint, its actions, and its delivery log (newest first)."""

    template_name = "api/webhooks/detail.html"
    context_object_name = "deliveries"
    paginate_by = 25

    def get_queryset(self):
        return selectors.webhook_deliveries_of(endpoint=self.endpoint)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = self.request.session.get(SECRET_SESSION_KEY)
        if shown and shown.get("pk") == self.endpoint.pk:
            # Shown on this page once: taken out of the session as it is shown.
            context["secret"] = shown["secret"]
            del self.request.session[SECRET_SESSION_KEY]
        context["log_days"] = settings.WEBHOOK_LOG_RETENTION_DAYS
        for delivery in context["deliveries"]:
            delivery.event_label = EVENT_LABELS.get(delivery.event_type, delivery.event_type)
            delivery.fout_label, delivery.fout_detail = fout_parts(delivery.laatste_fout)
            delivery.final = delivery.status in (DeliveryStatus.AFGELEVERD, DeliveryStatus.MISLUKT)
        return context


class WebhookUpdateView(EndpointMixin, FormView):
    template_name = "api/webhooks/form.html"
    form_class = WebhookEndpointForm

    def get_initial(self):
        return {
            "url": self.endpoint.url,
            "omschrijving": self.endpoint.omschrijving,
            "events": list(self.endpoint.events),
        }

    def form_valid(self, form):
        try:
            services.webhook_endpoint_update(
                actor=self.request.user, endpoint=self.endpoint, **form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The endpoint has been saved."))
        return redirect("webhooks:detail", pk=self.endpoint.pk)


class _EndpointActionView(EndpointMixin, TemplateView):
    """A button on the detail page: POST only, one service call, back to the page."""

    http_method_names = ["post"]

    def act(self) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            messages.success(request, self.act())
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("webhooks:detail", pk=self.endpoint.pk)


class WebhookDisableView(_EndpointActionView):
    def act(self) -> str:
        services.webhook_endpoint_disable(actor=self.request.user, endpoint=self.endpoint)
        return _("The endpoint has been disabled. No events are sent to it.")


class WebhookEnableView(_EndpointActionView):
    def act(self) -> str:
        services.webhook_endpoint_enable(actor=self.request.user, endpoint=self.endpoint)
        return _("The endpoint has been enabled. New events are sent to it again.")


class WebhookTestView(_EndpointActionView):
    def act(self) -> str:
        services.webhook_send_test(actor=self.request.user, endpoint=self.endpoint)
        return _(
            "A test event has been queued for delivery. The delivery log below shows the "
            "result when it arrives; reload the page to see it."
        )


class WebhookDeleteView(EndpointMixin, TemplateView):
    """Delete after confirmation."""

    template_name = "api/webhooks/verwijder.html"

    def post(self, request, *args, **kwargs):
        services.webhook_endpoint_delete(actor=request.user, endpoint=self.endpoint)
        messages.success(
            request, _("The endpoint %(url)s has been deleted.") % {"url": self.endpoint.url}
        )
        return redirect("webhooks:lijst")


class WebhookDeliveryView(DeliveryMixin, TemplateView):
    """One event: its payload and every attempt."""

    template_name = "api/webhooks/aflevering.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        delivery = self.delivery
        delivery.event_label = EVENT_LABELS.get(delivery.event_type, delivery.event_type)
        delivery.final = delivery.status in (DeliveryStatus.AFGELEVERD, DeliveryStatus.MISLUKT)
        attempts = list(selectors.webhook_attempts_of(delivery=delivery)[:100])
        for attempt in attempts:
            attempt.fout_label, attempt.fout_detail = fout_parts(attempt.fout)
        context["delivery"] = delivery
        context["attempts"] = attempts
        context["payload_json"] = json.dumps(delivery.payload, indent=2, ensure_ascii=False)
        return context


class WebhookRedeliverView(DeliveryMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.webhook_redeliver(actor=request.user, delivery=self.delivery)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _(
                    "The event has been queued for delivery again, with the same event id. "
                    "The log shows the result when it arrives."
                ),
            )
        if request.POST.get("next") == "aflevering":
            return redirect("webhooks:aflevering", pk=self.endpoint.pk, delivery=self.delivery.pk)
        return redirect("webhooks:detail", pk=self.endpoint.pk)

"""Forms of the webhook pages (Instellingen > Webhooks). The rules (public HTTPS address, known
events) are the service's (``api.webhooks.services``); the forms only collect the input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import SUBSCRIBABLE


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_(
            "The address of your software that receives the events, for example "
            "https://boekhouding.example.nl/webhooks/ketenportal. It must be a public HTTPS "
            "address."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    omschrijving = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("For yourself: which software or environment this is."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(e.value, e.label) for e in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event to receive.")},
    )

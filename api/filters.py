"""The query parameters of the API's lists, checked like a request body (a wrong value is a 400
problem naming the parameter), and applied through the selectors: the rows an organisation
sees are always those ``ketenmachtigingen.selectors`` gives it."""

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers

from accounts.models import Organisatie
from berichtenbox.constants import Soort
from ketenmachtigingen import selectors
from ketenmachtigingen.constants import Status, Tab
from ketenportal.utils.identifiers import normalise_fiscaal_nummer, normalise_kvk_nummer


class KetenmachtigingFilterSerializer(serializers.Serializer):
    tab = serializers.ChoiceField(
        choices=Tab.choices,
        required=False,
        help_text="The tab of the overview: `actief`, `wachtend` (waiting to be processed), "
        "`acties` (due for renewal), `verlopen`, `historie`. Without it: all.",
    )
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="The status today (see `status`)."
    )
    relatie_kvk = serializers.CharField(
        required=False, help_text="The relatie's KvK number (8 digits)."
    )
    relatie_rsin = serializers.CharField(
        required=False, help_text="The relatie's fiscal number (RSIN, 9 digits)."
    )
    einddatum_voor = serializers.DateField(
        required=False, help_text="Ends before this date (`einddatum` < the date)."
    )
    einddatum_na = serializers.DateField(
        required=False, help_text="Ends after this date (`einddatum` > the date)."
    )
    gewijzigd_sinds = serializers.DateTimeField(
        required=False,
        help_text="Changed at or after this moment (`gewijzigd_op`), ISO 8601 with a time zone.",
    )

    def validate_relatie_kvk(self, value: str) -> str:
        return normalise_kvk_nummer(value)

    def validate_relatie_rsin(self, value: str) -> str:
        return normalise_fiscaal_nummer(value)


def ketenmachtigingen_filtered(*, organisatie: Organisatie, params: dict) -> QuerySet:
    """The organisation's ketenmachtigingen (as intermediair) that match ``params`` (the
    validated data of ``KetenmachtigingFilterSerializer``)."""
    today = timezone.localdate()
    if params.get("tab"):
        qs = selectors.ketenmachtigingen_for(
            organisatie=organisatie, tab=params["tab"], today=today
        )
    else:
        qs = selectors.all_ketenmachtigingen_for(organisatie=organisatie)
    if params.get("status"):
        qs = qs.filter(selectors.effective_status_filter(params["status"], today))
    if params.get("relatie_kvk"):
        qs = qs.filter(relatie_kvk_nummer=params["relatie_kvk"])
    if params.get("relatie_rsin"):
        qs = qs.filter(relatie_rsin=params["relatie_rsin"])
    if params.get("einddatum_voor"):
        qs = qs.filter(einddatum__lt=params["einddatum_voor"])
    if params.get("einddatum_na"):
        qs = qs.filter(einddatum__gt=params["einddatum_na"])
    if params.get("gewijzigd_sinds"):
        qs = qs.filter(updated_at__gte=params["gewijzigd_sinds"])
    return qs


class DienstFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Every word in the name of the service or its service provider.",
    )
    dienstverlener = serializers.IntegerField(
        required=False, help_text="Only the services of this service provider (its id)."
    )


class ZoekFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Search by name."
    )


class BerichtFilterSerializer(serializers.Serializer):
    soort = serializers.ChoiceField(
        choices=Soort.choices, required=False, help_text="Only messages of this kind."
    )

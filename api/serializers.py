"""The API's JSON: what its resources look like, and the bodies of its writes.

Field names are the domain's Dutch nouns, as the models have them (``kenmerk``, ``relatie``,
``einddatum``, ``looptijd_jaren``); a status is its lowercase value with a ``status_label`` in
the request's language; an empty identifier or date is ``null``.

A request body is read in two steps. The serializers below check the JSON types (a list of
ids, a boolean, a date); the rules are then checked by the very forms of the HTML pages
(``ketenmachtigingen.forms``, ``diensten.picker``) and the KvK client of the wizard, so a request
through the API is refused for the same reasons, with the same messages, as one made by hand.
Each error is reported at the API's field (``relatie_contact.email``), which the problem details
list per field (``api.problems``). The services check the rest when they are called.
"""

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from accounts.constants import EHNiveau, Rol
from accounts.models import Lidmaatschap, Organisatie
from berichtenbox.constants import Soort
from diensten.models import Dienst, Dienstverlener
from diensten.picker import ScopePickerForm
from diensten.scope import Scope, scope_of, scope_text_for, scope_text_from
from groepen.models import Groep
from ketenmachtigingen.constants import Bron, Kanaal, Status
from ketenmachtigingen.forms import (
    BedrijfZoekForm,
    BeeindigForm,
    DuurForm,
    GebruikersKeuzeForm,
    GoedgekeurdForm,
    VersturenForm,
)
from ketenmachtigingen.kvk import KvkError, KvkUnavailable, lookup_active, parse_input
from ketenmachtigingen.models import Ketenmachtiging
from ketenmachtigingen.selectors import afzender_initial
from ketenmachtigingen.services import Contacten, Relatie

# --- Building blocks ---------------------------------------------------------------------------


class TextOrNullField(serializers.CharField):
    """A text that is ``null`` when empty (an RSIN a company does not have)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return str(value) if value else None


def detail_url(name: str, pk: int) -> str:
    """The absolute URL of an object in the API (the same as the webhooks' ``data.url``)."""
    return settings.SITE_URL + reverse(f"api:{name}-detail", args=[pk])


# --- Problems ------------------------------------------------------------------------------------


class ProblemErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text="The field as a path (`relatie_contact.email`); empty for the body as a whole."
    )
    code = serializers.CharField(help_text="A stable code of the error (`required`, `invalid`).")
    message = serializers.CharField(help_text="What is wrong, in the request's language.")


class ProblemSerializer(serializers.Serializer):
    """An error as RFC 9457 problem details (`application/problem+json`)."""

    type = serializers.CharField(
        help_text="`urn:ketenportal:problem:<code>` (e.g. `…:duplicate`, `…:validation`), "
        "or `about:blank`."
    )
    title = serializers.CharField(help_text="The kind of problem, in the request's language.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(required=False, help_text="What went wrong, for a person.")
    instance = serializers.CharField(required=False, help_text="The path of the request.")
    errors = ProblemErrorSerializer(
        many=True, required=False, help_text="With a validation problem: one entry per field."
    )
    existing_id = serializers.IntegerField(
        required=False, help_text="With a duplicate: the id of the ketenmachtiging that exists."
    )
    retry_after = serializers.IntegerField(
        required=False, help_text="With 429: the seconds to wait (also the `Retry-After` header)."
    )


# --- The catalogue -------------------------------------------------------------------------------


class DienstverlenerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    oin = serializers.CharField(read_only=True, help_text="The organisation's OIN.")
    naam = serializers.CharField(read_only=True, help_text="In the request's language.")


class DienstverlenerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    naam = serializers.CharField(read_only=True)


class DienstSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    uuid = serializers.UUIDField(read_only=True, help_text="The ServiceUUID of the catalogue.")
    naam = serializers.CharField(read_only=True, help_text="In the request's language.")
    omschrijving = serializers.CharField(read_only=True)
    dienstverlener = DienstverlenerRefSerializer(read_only=True)
    eh_niveau = serializers.ChoiceField(
        choices=EHNiveau.choices, read_only=True, help_text="The level the service requires."
    )
    niveau = serializers.SerializerMethodField(help_text="The level as people read it (EH3).")
    bruikbaar_via_ketenmachtiging = serializers.BooleanField(
        source="usable_via_ketenmachtiging",
        read_only=True,
        help_text="Whether the service can be chosen for a ketenmachtiging.",
    )

    def get_niveau(self, obj) -> str:
        return EHNiveau(obj.eh_niveau).label if obj.eh_niveau in EHNiveau.values else ""


class ScopeDienstSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    naam = serializers.CharField(read_only=True)
    dienstverlener = DienstverlenerRefSerializer(read_only=True)


class ScopeSerializer(serializers.Serializer):
    """The services covered: algemene bevoegdheid (every service, also later ones), or the
    dienstverleners (all their services) and the single diensten."""

    algemene_bevoegdheid = serializers.BooleanField(read_only=True)
    dienstverleners = DienstverlenerRefSerializer(many=True, read_only=True)
    diensten = ScopeDienstSerializer(many=True, read_only=True)
    omschrijving = serializers.SerializerMethodField(
        help_text="The scope as people read it, in the request's language."
    )

    def get_omschrijving(self, obj) -> str:
        return scope_text_for(obj)


# --- People and groups ---------------------------------------------------------------------------


class GekoppeldeGebruikerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="The user's id in `/gebruikers/`.")
    naam = serializers.CharField(source="user", read_only=True)


class GekoppeldeGroepSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="The group's id in `/groepen/`.")
    naam = serializers.CharField(read_only=True)


class GebruikerSerializer(serializers.Serializer):
    """A user of the organisation (their membership: the id a ketenmachtiging links)."""

    id = serializers.IntegerField(read_only=True)
    naam = serializers.CharField(source="user", read_only=True)
    voorletters = serializers.CharField(source="user.voorletters", read_only=True)
    tussenvoegsel = serializers.CharField(source="user.tussenvoegsel", read_only=True)
    achternaam = serializers.CharField(source="user.last_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    rol = serializers.ChoiceField(choices=Rol.choices, read_only=True)
    rol_label = serializers.CharField(source="get_rol_display", read_only=True)
    eh_niveau = serializers.ChoiceField(
        source="user.eh_niveau", choices=EHNiveau.choices, read_only=True
    )
    actief = serializers.BooleanField(source="user.is_active", read_only=True)
    kan_ketenmachtigingen_gebruiken = serializers.BooleanField(
        source="user.can_use_ketenmachtigingen",
        read_only=True,
        help_text="EH3 or higher and not for the Belastingdienst only: can be linked.",
    )


class GroepSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    naam = serializers.CharField(read_only=True)
    aantal_leden = serializers.SerializerMethodField()
    scope = ScopeSerializer(source="*", read_only=True, help_text="The services it may use.")

    def get_aantal_leden(self, obj) -> int:
        count = getattr(obj, "aantal_leden", None)
        return count if count is not None else obj.leden.count()


class GroepDetailSerializer(GroepSerializer):
    leden = serializers.SerializerMethodField(help_text="Its active members.")

    @extend_schema_field(GekoppeldeGebruikerSerializer(many=True))
    def get_leden(self, obj):
        return GekoppeldeGebruikerSerializer(self.context["leden"], many=True).data


# --- Ketenmachtigingen ---------------------------------------------------------------------------


class PrefetchedLinks:
    """The services, users and groups of a ketenmachtiging as ``selectors.with_details``
    prefetched them (one ketenmachtiging: the detail)."""

    def dienstverleners_of(self, km: Ketenmachtiging) -> list[Dienstverlener]:
        return sorted(km.dienstverleners.all(), key=lambda dv: (dv.naam, dv.pk))

    def diensten_of(self, km: Ketenmachtiging) -> list[Dienst]:
        return sorted(km.diensten.all(), key=lambda d: (d.dienstverlener.naam, d.naam, d.pk))

    def gebruikers_of(self, km: Ketenmachtiging) -> list[Lidmaatschap]:
        return list(km.gebruikers.all())  # in the order of the overview

    def groepen_of(self, km: Ketenmachtiging) -> list[Groep]:
        return sorted(km.groepen.all(), key=lambda g: (g.naam, g.pk))

    def scope_text_of(self, km: Ketenmachtiging) -> str:
        return scope_text_for(km)


class PageLinks(PrefetchedLinks):
    """The same, read for a whole page of a list at once: one query per relation, through its
    link table with the linked object joined in (as the overview reads a page, ``rows.py``),
    whatever the page size. ``prefetch_related`` would build a QuerySet per row and relation
    (half of a page's time at 100 rows); ``related.RelatedRows``, made for thousands, reads
    with server-side cursors that cost a page more round trips than they save."""

    #: Per relation: the linked object, what is joined to it, and the columns a row shows
    #: (not a user's password or a service's description: a third of the time of a page).
    RELATIONS = {
        "dienstverleners": ("dienstverlener", (), ("naam_nl", "naam_en")),
        "diensten": (
            "dienst",
            ("dienstverlener",),
            ("naam_nl", "naam_en", "dienstverlener__naam_nl", "dienstverlener__naam_en"),
        ),
        "gebruikers": (
            "lidmaatschap",
            ("user",),
            (
                "user__username",
                "user__first_name",
                "user__voorletters",
                "user__tussenvoegsel",
                "user__last_name",
            ),
        ),
        "groepen": ("groep", (), ("naam",)),
    }

    def __init__(self, kms: list[Ketenmachtiging]) -> None:
        pks = [km.pk for km in kms]
        self.links: dict[str, dict[int, list]] = {}
        for relation, (target, joined, columns) in self.RELATIONS.items():
            through = getattr(Ketenmachtiging, relation).through
            links = (
                through.objects.filter(ketenmachtiging_id__in=pks)
                .select_related(target, *(f"{target}__{name}" for name in joined))
                .only("ketenmachtiging_id", *(f"{target}__{column}" for column in columns))
            )
            found = defaultdict(list)
            for link in links:
                found[link.ketenmachtiging_id].append(getattr(link, target))
            self.links[relation] = found

    def dienstverleners_of(self, km):
        return sorted(self.links["dienstverleners"][km.pk], key=lambda dv: (dv.naam, dv.pk))

    def diensten_of(self, km):
        return sorted(
            self.links["diensten"][km.pk], key=lambda d: (d.dienstverlener.naam, d.naam, d.pk)
        )

    def gebruikers_of(self, km):
        return sorted(
            self.links["gebruikers"][km.pk],
            key=lambda m: (m.user.last_name, m.user.voorletters, m.pk),
        )

    def groepen_of(self, km):
        return sorted(self.links["groepen"][km.pk], key=lambda g: (g.naam, g.pk))

    def scope_text_of(self, km):
        return scope_text_from(
            km.algemene_bevoegdheid, self.dienstverleners_of(km), self.diensten_of(km)
        )


def _ref(obj) -> dict:
    return {"id": obj.pk, "naam": obj.naam}


def scope_data(km, links: PrefetchedLinks) -> dict:
    return {
        "algemene_bevoegdheid": km.algemene_bevoegdheid,
        "dienstverleners": [_ref(dv) for dv in links.dienstverleners_of(km)],
        "diensten": [
            {"id": d.pk, "naam": d.naam, "dienstverlener": _ref(d.dienstverlener)}
            for d in links.diensten_of(km)
        ],
        "omschrijving": links.scope_text_of(km),
    }


class KetenmachtigingRelatieSerializer(serializers.Serializer):
    """The company that grants the ketenmachtiging, as it was looked up."""

    naam = serializers.CharField(source="relatie_naam", read_only=True)
    kvk_nummer = TextOrNullField(source="relatie_kvk_nummer", help_text="KvK number (8 digits).")
    rsin = TextOrNullField(source="relatie_rsin", help_text="Fiscal number (RSIN, 9 digits).")
    adres = serializers.CharField(source="relatie_adres", read_only=True)
    postcode_plaats = serializers.CharField(source="relatie_postcode_plaats", read_only=True)
    land = serializers.CharField(source="relatie_land", read_only=True)


class ContactSerializer(serializers.Serializer):
    voorletters = serializers.CharField(read_only=True)
    tussenvoegsel = serializers.CharField(read_only=True)
    achternaam = serializers.CharField(read_only=True)
    naam = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    telefoon = serializers.CharField(read_only=True)


def _contact(km: Ketenmachtiging, prefix: str) -> dict:
    values = {
        name: getattr(km, f"{prefix}{name}")
        for name in ("voorletters", "tussenvoegsel", "achternaam", "email", "telefoon")
    }
    values["naam"] = km.relatie_contact_naam if prefix.startswith("relatie") else km.contact_naam
    return values


class StatusWijzigingSerializer(serializers.Serializer):
    van = serializers.SerializerMethodField(help_text="The status before (null: created).")
    naar = serializers.ChoiceField(choices=Status.choices, read_only=True)
    naar_label = serializers.CharField(source="get_naar_display", read_only=True)
    reden = serializers.CharField(read_only=True)
    tijdstip = serializers.DateTimeField(source="timestamp", read_only=True)
    door = serializers.SerializerMethodField(help_text="Who changed it; null: the system.")

    @extend_schema_field(serializers.ChoiceField(choices=Status.choices, allow_null=True))
    def get_van(self, obj):
        return obj.van or None

    def get_door(self, obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class KetenmachtigingSerializer(serializers.Serializer):
    """A ketenmachtiging of the organisation (as intermediair), as the list shows it."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField(help_text="This ketenmachtiging in the API.")
    kenmerk = serializers.CharField(read_only=True, help_text="The platform's reference (KM-…).")
    status = serializers.SerializerMethodField(
        help_text="The status today: past its end date it is `verlopen`, past a scheduled end "
        "`beeindigd`, an invitation past its term `vervallen` (also before the nightly run "
        "records it)."
    )
    status_label = serializers.SerializerMethodField(help_text="In the request's language.")
    bron = serializers.ChoiceField(
        choices=Bron.choices,
        read_only=True,
        help_text="Requested here, registered as already approved, or granted by the relatie.",
    )
    kanaal = serializers.SerializerMethodField(help_text="How the relatie answered, if it did.")
    relatie = serializers.SerializerMethodField()
    scope = serializers.SerializerMethodField()
    gebruikers = serializers.SerializerMethodField(help_text="The users linked to it.")
    groepen = serializers.SerializerMethodField(help_text="The groups linked to it.")
    looptijd_jaren = serializers.IntegerField(read_only=True)
    startdatum = serializers.DateField(read_only=True, allow_null=True)
    einddatum = serializers.DateField(read_only=True, allow_null=True)
    einde_gepland_op = serializers.DateField(
        read_only=True, allow_null=True, help_text="Ends early on this date (set by `beeindigen`)."
    )
    referentie = serializers.CharField(read_only=True, help_text="Your own reference.")
    leverancier = TextOrNullField(help_text="Where it is registered (for a registered one).")
    taal = serializers.ChoiceField(choices=settings.LANGUAGES, read_only=True)
    verstuurd_op = serializers.DateTimeField(read_only=True, allow_null=True)
    uitnodiging_geldig_tot = serializers.DateField(
        read_only=True, allow_null=True, help_text="The invitation lapses after this date."
    )
    vernieuwing_van = serializers.IntegerField(
        source="vernieuwing_van_id",
        read_only=True,
        allow_null=True,
        help_text="The id of the ketenmachtiging this one renews.",
    )
    aangemaakt_op = serializers.DateTimeField(source="created_at", read_only=True)
    gewijzigd_op = serializers.DateTimeField(
        source="updated_at",
        read_only=True,
        help_text="The last change of its status or end date (`gewijzigd_sinds` filters on it).",
    )

    def _today(self) -> date:
        if not hasattr(self, "_today_value"):
            self._today_value = self.context.get("today") or timezone.localdate()
        return self._today_value

    def _links(self) -> PrefetchedLinks:
        return self.context.get("links") or PrefetchedLinks()

    def get_url(self, obj) -> str:
        # Reversed once per list, not per row.
        if not hasattr(self, "_url_template"):
            self._url_template = detail_url("ketenmachtiging", 999999999).replace("999999999", "{}")
        return self._url_template.format(obj.pk)

    @extend_schema_field(KetenmachtigingRelatieSerializer)
    def get_relatie(self, obj):
        return {
            "naam": obj.relatie_naam,
            "kvk_nummer": obj.relatie_kvk_nummer or None,
            "rsin": obj.relatie_rsin or None,
            "adres": obj.relatie_adres,
            "postcode_plaats": obj.relatie_postcode_plaats,
            "land": obj.relatie_land,
        }

    @extend_schema_field(ScopeSerializer)
    def get_scope(self, obj):
        return scope_data(obj, self._links())

    @extend_schema_field(GekoppeldeGebruikerSerializer(many=True))
    def get_gebruikers(self, obj):
        return [{"id": m.pk, "naam": str(m.user)} for m in self._links().gebruikers_of(obj)]

    @extend_schema_field(GekoppeldeGroepSerializer(many=True))
    def get_groepen(self, obj):
        return [_ref(g) for g in self._links().groepen_of(obj)]

    @extend_schema_field(serializers.ChoiceField(choices=Status.choices))
    def get_status(self, obj):
        return obj.effective_status(self._today())

    def get_status_label(self, obj) -> str:
        return str(Status(obj.effective_status(self._today())).label)

    @extend_schema_field(serializers.ChoiceField(choices=Kanaal.choices, allow_null=True))
    def get_kanaal(self, obj):
        return obj.kanaal or None


#: The columns the list shows (``KetenmachtigingSerializer``); a page reads only these.
LIST_COLUMNS = (
    "id",
    "kenmerk",
    "status",
    "bron",
    "kanaal",
    "relatie_naam",
    "relatie_kvk_nummer",
    "relatie_rsin",
    "relatie_adres",
    "relatie_postcode_plaats",
    "relatie_land",
    "algemene_bevoegdheid",
    "looptijd_jaren",
    "startdatum",
    "einddatum",
    "einde_gepland_op",
    "referentie",
    "leverancier",
    "taal",
    "verstuurd_op",
    "uitnodiging_geldig_tot",
    "vernieuwing_van_id",
    "created_at",
    "updated_at",
)


class ActiesSerializer(serializers.Serializer):
    """What can be done with it now."""

    verlengen = serializers.BooleanField(
        help_text="`POST …/verlengen/`: due for renewal and no renewal asked yet."
    )
    beeindigen = serializers.BooleanField(help_text="`POST …/beeindigen/`: end it (active).")
    intrekken = serializers.BooleanField(
        help_text="`POST …/beeindigen/` withdraws the request (pending)."
    )


class KetenmachtigingDetailSerializer(KetenmachtigingSerializer):
    """One ketenmachtiging with its invitation, its history and what can be done with it."""

    status_reden = serializers.CharField(read_only=True, help_text="The reason of the status.")
    contact = serializers.SerializerMethodField(help_text="Your contact named in the invitation.")
    relatie_contact = serializers.SerializerMethodField(help_text="Who got the invitation.")
    persoonlijk_bericht = serializers.CharField(read_only=True)
    akkoord_kosten_op = serializers.DateTimeField(read_only=True, allow_null=True)
    uitnodiging_verzonden_op = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the mail server accepted the invitation."
    )
    ontvangen_op = serializers.DateTimeField(read_only=True, allow_null=True)
    geactiveerd_op = serializers.DateTimeField(read_only=True, allow_null=True)
    beeindigd_op = serializers.DateTimeField(read_only=True, allow_null=True)
    verlenging = serializers.SerializerMethodField(
        help_text="The id of its renewal that is open (pending or active already), if any."
    )
    acties = serializers.SerializerMethodField()
    status_historie = serializers.SerializerMethodField(help_text="Oldest first.")

    @extend_schema_field(ContactSerializer)
    def get_contact(self, obj):
        return _contact(obj, "contact_")

    @extend_schema_field(ContactSerializer)
    def get_relatie_contact(self, obj):
        return _contact(obj, "relatie_contact_")

    def get_verlenging(self, obj) -> int | None:
        verlenging = self.context.get("verlenging")
        return verlenging.pk if verlenging is not None else None

    @extend_schema_field(ActiesSerializer)
    def get_acties(self, obj):
        actions = self.context["acties"]
        return {
            "verlengen": actions.renew and self.context.get("verlenging") is None,
            "beeindigen": actions.end,
            "intrekken": actions.withdraw,
        }

    @extend_schema_field(StatusWijzigingSerializer(many=True))
    def get_status_historie(self, obj):
        return StatusWijzigingSerializer(self.context["historie"], many=True).data


# --- Relaties (the KvK lookup) and berichten -----------------------------------------------------


class BedrijfSerializer(serializers.Serializer):
    """A company as the KvK's Handelsregister knows it."""

    naam = serializers.CharField(read_only=True)
    kvk_nummer = TextOrNullField()
    rsin = TextOrNullField()
    adres = serializers.CharField(read_only=True)
    postcode_plaats = serializers.CharField(read_only=True)
    land = serializers.CharField(read_only=True)
    bestaande_ketenmachtiging = serializers.SerializerMethodField(
        help_text="The id of your active or pending ketenmachtiging for this company, if any: "
        "a new request would be refused as a duplicate."
    )

    def get_bestaande_ketenmachtiging(self, obj) -> int | None:
        bestaande = self.context.get("bestaande")
        return bestaande.pk if bestaande is not None else None


class BerichtSerializer(serializers.Serializer):
    """A message in the organisation's berichtenbox, rendered in the request's language."""

    id = serializers.IntegerField(read_only=True)
    soort = serializers.ChoiceField(choices=Soort.choices, read_only=True)
    soort_label = serializers.CharField(read_only=True)
    titel = serializers.CharField(read_only=True)
    inhoud = serializers.CharField(read_only=True)
    aangemaakt_op = serializers.DateTimeField(source="created_at", read_only=True)
    gelezen_op = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the organisation first read it."
    )
    ketenmachtiging = serializers.SerializerMethodField(
        help_text="The id of the ketenmachtiging it is about, if it is about one of yours."
    )

    def get_ketenmachtiging(self, obj) -> int | None:
        type_id = self.context.get("ketenmachtiging_type_id")
        return obj.betreft_id if type_id and obj.betreft_type_id == type_id else None


# --- Request bodies: the JSON types ----------------------------------------------------------


class RelatieInvoerSerializer(serializers.Serializer):
    kvk_nummer = serializers.CharField(
        required=False, allow_blank=True, help_text="The company's KvK number (8 digits)."
    )
    rsin = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="For a company without a KvK number: its fiscal number (RSIN, 9 digits).",
    )

    def validate(self, attrs):
        if bool(attrs.get("kvk_nummer")) == bool(attrs.get("rsin")):
            raise serializers.ValidationError(
                _("Give the company's KvK number or, without one, its fiscal number (RSIN)."),
                code="required",
            )
        return attrs


class ScopeInvoerSerializer(serializers.Serializer):
    algemene_bevoegdheid = serializers.BooleanField(
        required=False, default=False, help_text="Every service, also ones added later."
    )
    dienstverleners = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids from `/dienstverleners/`: all their services, also later ones.",
    )
    diensten = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids from `/diensten/` (`bruikbaar_via_ketenmachtiging`).",
    )


class ContactInvoerSerializer(serializers.Serializer):
    voorletters = serializers.CharField(allow_blank=True)
    tussenvoegsel = serializers.CharField(required=False, allow_blank=True, default="")
    achternaam = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True, help_text="An e-mail address.")
    telefoon = serializers.CharField(allow_blank=True, help_text="A phone number (Dutch or +…).")


_GEBRUIKERS_HELP = "Ids from `/gebruikers/` (EH3 or higher) to link."
_GROEPEN_HELP = "Ids from `/groepen/` to link."
_LOOPTIJD_HELP = "The term in years, 1 to 5."


class RegistratieSerializer(serializers.Serializer):
    """Ik heb al goedkeuring ontvangen: a ketenmachtiging the relatie has registered already
    (here or at another supplier), recorded as active at once."""

    relatie = RelatieInvoerSerializer()
    scope = ScopeInvoerSerializer()
    gebruikers = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text=_GEBRUIKERS_HELP
    )
    groepen = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text=_GROEPEN_HELP
    )
    looptijd_jaren = serializers.IntegerField(required=False, default=5, help_text=_LOOPTIJD_HELP)
    referentie = serializers.CharField(required=False, allow_blank=True, default="")
    leverancier = serializers.CharField(
        help_text="Where it was registered: one of the suppliers of eHerkenning, or Ketenportal."
    )

    def validate(self, attrs):
        checks = FormChecks()
        organisatie = self.context["organisatie"]
        values = {
            "relatie": checks.run(relatie_of, attrs["relatie"]),
            "scope": checks.run(scope_from, attrs["scope"]),
            **(checks.run(linked_from, attrs, organisatie) or {}),
            **(checks.run(duur_from, attrs) or {}),
            "leverancier": checks.run(leverancier_from, attrs["leverancier"]),
        }
        checks.raise_if_any()
        return values


class AanvraagSerializer(serializers.Serializer):
    """Verstuur aanvraag tot goedkeuring: the request, and the invitation to the relatie's
    contact with the form to sign (sent by e-mail, as from the wizard)."""

    relatie = RelatieInvoerSerializer()
    scope = ScopeInvoerSerializer()
    gebruikers = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text=_GEBRUIKERS_HELP
    )
    groepen = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text=_GROEPEN_HELP
    )
    looptijd_jaren = serializers.IntegerField(required=False, default=5, help_text=_LOOPTIJD_HELP)
    referentie = serializers.CharField(required=False, allow_blank=True, default="")
    contact = ContactInvoerSerializer(
        required=False,
        help_text="Your contact person, named in the invitation. Without it: the sender "
        "settings of the organisation, or else the maker of the API key.",
    )
    relatie_contact = ContactInvoerSerializer(help_text="Who gets the invitation.")
    taal = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        default="nl",
        help_text="The language of the e-mail and the form.",
    )
    persoonlijk_bericht = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Shown under the e-mail."
    )
    akkoord_kosten = serializers.BooleanField(
        help_text="Must be true: you agree to the costs of registering the ketenmachtiging."
    )

    def validate(self, attrs):
        checks = FormChecks()
        organisatie = self.context["organisatie"]
        values = {
            "relatie": checks.run(relatie_of, attrs["relatie"]),
            "scope": checks.run(scope_from, attrs["scope"]),
            **(checks.run(linked_from, attrs, organisatie) or {}),
            **(checks.run(duur_from, attrs) or {}),
            **(
                checks.run(
                    invitation_from,
                    attrs,
                    contact=attrs.get("contact")
                    or afzender_initial(organisatie=organisatie, user=self.context["user"]),
                    relatie_contact=attrs["relatie_contact"],
                )
                or {}
            ),
        }
        checks.raise_if_any()
        return values


class VerlengingSerializer(serializers.Serializer):
    """Vraag verlenging aan: a new request for the same relatie, scope, users and groups that
    renews this one (its term starts where this one ends). The invitation goes to the contact
    of this one unless another is given."""

    contact = ContactInvoerSerializer(
        required=False,
        help_text="Your contact person. Without it: the sender settings, or the key's maker.",
    )
    relatie_contact = ContactInvoerSerializer(
        required=False, help_text="Who gets the invitation. Without it: as the last time."
    )
    taal = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The language of the e-mail and the form. Without it: as the last time.",
    )
    looptijd_jaren = serializers.IntegerField(
        required=False, help_text="The term in years, 1 to 5. Without it: as the last time."
    )
    persoonlijk_bericht = serializers.CharField(required=False, allow_blank=True, default="")
    akkoord_kosten = serializers.BooleanField(
        help_text="Must be true: you agree to the costs of registering the ketenmachtiging."
    )

    def validate(self, attrs):
        km: Ketenmachtiging = self.context["km"]
        organisatie = self.context["organisatie"]
        checks = FormChecks()
        duur = checks.run(
            duur_from,
            {"looptijd_jaren": attrs.get("looptijd_jaren", km.looptijd_jaren), "referentie": ""},
        )
        invitation = checks.run(
            invitation_from,
            {**attrs, "taal": attrs.get("taal", km.taal)},
            contact=attrs.get("contact")
            or afzender_initial(organisatie=organisatie, user=self.context["user"]),
            relatie_contact=attrs.get("relatie_contact") or _contact(km, "relatie_contact_"),
        )
        checks.raise_if_any()
        return {
            "relatie": Relatie.from_ketenmachtiging(km),
            "scope": scope_of(km),
            "gebruikers": list(km.gebruikers.all()),
            "groepen": list(km.groepen.all()),
            "looptijd_jaren": duur["looptijd_jaren"],
            "referentie": km.referentie,
            **invitation,
            "vernieuwing_van": km,
        }


class BeeindigingSerializer(serializers.Serializer):
    """End at once (no `einddatum`), or on a date in the future within the term. A pending
    request is withdrawn (only at once)."""

    einddatum = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The day it ends (after today, on or before its end date); without it: now.",
    )

    def validate(self, attrs):
        km: Ketenmachtiging = self.context["km"]
        einddatum = attrs.get("einddatum")
        form = BeeindigForm(
            {
                "wijze": BeeindigForm.DATUM if einddatum else BeeindigForm.DIRECT,
                "datum": einddatum.isoformat() if einddatum else "",
            },
            einddatum=km.einddatum,
        )
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form, {"datum": "einddatum"}))
        return {"per": einddatum}


# --- Request bodies: the rules, checked by the forms of the HTML pages -------------------------


def form_errors(form, names: dict[str, str], whole: str = "") -> dict[str, list[ErrorDetail]]:
    """A Django form's errors under the API's field names (``names`` maps a form field to its
    path in the body); an error of the form as a whole belongs to ``whole``."""
    errors: dict[str, list[ErrorDetail]] = {}
    for name, items in form.errors.as_data().items():
        path = whole if name == "__all__" else names.get(name, name)
        for error in items:
            for message in error.messages:
                errors.setdefault(path or "non_field_errors", []).append(
                    ErrorDetail(message, code=error.code or "invalid")
                )
    return errors


class FormChecks:
    """Runs several checks and collects all their errors, so one answer names every field."""

    def __init__(self) -> None:
        self.errors: dict = {}

    def run(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except serializers.ValidationError as exc:
            self.errors.update(exc.detail)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise serializers.ValidationError(self.errors)


def relatie_of(data: dict) -> Relatie:
    """The company as the wizard's first step finds it: the number as the form checks it, then
    the KvK client (a company no longer registered is refused). A KvK that cannot be reached is
    not the caller's mistake: ``KvkUnavailable`` goes up (503)."""
    field = "kvk_nummer" if data.get("kvk_nummer") else "rsin"
    path = f"relatie.{field}"
    form = BedrijfZoekForm({"nummer": data.get(field, "")})
    if not form.is_valid():
        raise serializers.ValidationError(form_errors(form, {"nummer": path}))
    nummer = form.cleaned_data["nummer"]
    try:
        kind = parse_input(nummer).kind
        if kind != ("kvk" if field == "kvk_nummer" else "rsin"):
            message = (
                _("A KvK number has 8 digits; give a fiscal number (RSIN) as rsin.")
                if field == "kvk_nummer"
                else _("A fiscal number (RSIN) has 9 digits; give a KvK number as kvk_nummer.")
            )
            raise serializers.ValidationError({path: [ErrorDetail(message, code="kvk_kind")]})
        return Relatie.from_bedrijf(lookup_active(nummer))
    except KvkUnavailable:
        raise
    except KvkError as exc:
        raise serializers.ValidationError({path: [ErrorDetail(str(exc), code=exc.code)]}) from exc


def scope_from(data: dict) -> Scope:
    """The services, checked as the service picker checks them: existing, offered, usable
    through a ketenmachtiging, and at least one choice."""
    form = ScopePickerForm(
        {
            "scope-algemeen": data.get("algemene_bevoegdheid", False),
            "scope-dienstverleners": [str(pk) for pk in data.get("dienstverleners", [])],
            "scope-diensten": [str(pk) for pk in data.get("diensten", [])],
        }
    )
    if not form.is_valid():
        raise serializers.ValidationError(
            form_errors(
                form,
                {
                    "algemeen": "scope.algemene_bevoegdheid",
                    "dienstverleners": "scope.dienstverleners",
                    "diensten": "scope.diensten",
                },
                whole="scope",
            )
        )
    return form.scope


def linked_from(data: dict, organisatie: Organisatie) -> dict:
    """Users and groups as the wizard's "Kies gebruikers" checks them: of this organisation,
    active, and able to use ketenmachtigingen."""
    form = GebruikersKeuzeForm(
        {
            "gebruikers": [str(pk) for pk in data.get("gebruikers", [])],
            "groepen": [str(pk) for pk in data.get("groepen", [])],
        },
        organisatie=organisatie,
    )
    if not form.is_valid():
        raise serializers.ValidationError(form_errors(form, {}, whole="gebruikers"))
    return {
        "gebruikers": list(form.cleaned_data["gebruikers"].select_related("user")),
        "groepen": list(form.cleaned_data["groepen"]),
    }


def duur_from(data: dict) -> dict:
    form = DuurForm(
        {"looptijd": data.get("looptijd_jaren"), "referentie": data.get("referentie", "")}
    )
    if not form.is_valid():
        raise serializers.ValidationError(form_errors(form, {"looptijd": "looptijd_jaren"}))
    return {
        "looptijd_jaren": form.cleaned_data["looptijd"],
        "referentie": form.cleaned_data["referentie"],
    }


_CONTACT_FIELDS = ("voorletters", "tussenvoegsel", "achternaam", "email", "telefoon")


def invitation_from(data: dict, *, contact: dict, relatie_contact: dict) -> dict:
    """The invitation as the wizard's last step checks it: both contacts, the language, the
    personal message and the agreement to the costs."""
    form_data = {
        **{name: str(contact.get(name) or "") for name in _CONTACT_FIELDS},
        **{f"relatie_{name}": str(relatie_contact.get(name) or "") for name in _CONTACT_FIELDS},
        "taal": data.get("taal") or "",
        "persoonlijk_bericht": data.get("persoonlijk_bericht", ""),
    }
    if data.get("akkoord_kosten"):
        form_data["akkoord_kosten"] = "on"
    form = VersturenForm(form_data)
    if not form.is_valid():
        names = {name: f"contact.{name}" for name in _CONTACT_FIELDS}
        names.update({f"relatie_{name}": f"relatie_contact.{name}" for name in _CONTACT_FIELDS})
        raise serializers.ValidationError(form_errors(form, names))
    c = form.cleaned_data
    return {
        "contacten": Contacten(
            voorletters=c["voorletters"],
            tussenvoegsel=c["tussenvoegsel"],
            achternaam=c["achternaam"],
            email=c["email"],
            telefoon=c["telefoon"],
            relatie_email=c["relatie_email"],
            relatie_telefoon=c["relatie_telefoon"],
            relatie_voorletters=c["relatie_voorletters"],
            relatie_tussenvoegsel=c["relatie_tussenvoegsel"],
            relatie_achternaam=c["relatie_achternaam"],
        ),
        "taal": c["taal"],
        "persoonlijk_bericht": c["persoonlijk_bericht"],
        "akkoord_kosten": c["akkoord_kosten"],
    }


def leverancier_from(value: str) -> str:
    form = GoedgekeurdForm({"leverancier": value})
    if not form.is_valid():
        raise serializers.ValidationError(form_errors(form, {}))
    return form.cleaned_data["leverancier"]

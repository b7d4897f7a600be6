"""The service catalogue: dienstverleners and their diensten, imported from the eHerkenning
dienstencatalogus (``manage.py import_dienstencatalogus``).

A ``Dienst`` is never deleted once known: when it leaves the catalogue it is marked as no longer
offered, so ketenmachtigingen that name it keep their meaning. ``ScopeFields`` is the abstract
model with which a groep or ketenmachtiging stores the services it covers (see ``scope.py``).
"""

from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.constants import EHNiveau, niveau_badge, niveau_rank_expression

from .constants import USABLE_VIA_KETENMACHTIGING, Intermediation


def in_language(nl: str, en: str) -> str:
    """The English text in English (the Dutch one when there is none), else the Dutch."""
    return (en or nl) if (get_language() or "nl").startswith("en") else (nl or en)


class Dienstverlener(models.Model):
    oin = models.CharField(_("OIN"), max_length=20, unique=True)
    naam_nl = models.CharField(_("name (Dutch)"), max_length=200)
    naam_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    is_public = models.BooleanField(default=True)
    aangeboden = models.BooleanField(_("in the catalogue"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["naam_nl"]

    def __str__(self) -> str:
        return self.naam

    @property
    def naam(self) -> str:
        return in_language(self.naam_nl, self.naam_en)


class DienstQuerySet(models.QuerySet):
    def usable_via_ketenmachtiging(self) -> "DienstQuerySet":
        return self.filter(aangeboden=True, intermediation__in=USABLE_VIA_KETENMACHTIGING)


class Dienst(models.Model):
    uuid = models.UUIDField(_("ServiceUUID"), unique=True)
    dienstverlener = models.ForeignKey(
        Dienstverlener, on_delete=models.PROTECT, related_name="diensten"
    )
    naam_nl = models.CharField(_("name (Dutch)"), max_length=300)
    naam_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    omschrijving_nl = models.TextField(_("description (Dutch)"), blank=True)
    omschrijving_en = models.TextField(_("description (English)"), blank=True)
    eh_niveau = models.CharField(_("required level"), max_length=64, choices=EHNiveau.choices)
    eh_niveau_rank = models.GeneratedField(
        expression=niveau_rank_expression("eh_niveau"),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    # Both names in one column for the picker's search: one comparison per service and word
    # instead of two (words never hold a space, so none matches across the two names).
    zoektekst = models.GeneratedField(
        expression=Concat("naam_nl", Value(" "), "naam_en"),
        output_field=models.TextField(),
        db_persist=True,
    )
    intermediation = models.CharField(
        _("through a ketenmachtiging"),
        max_length=20,
        choices=Intermediation.choices,
        default=Intermediation.NONE,
    )
    aangeboden = models.BooleanField(_("still offered"), default=True)
    ingetrokken_op = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DienstQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["naam_nl", "pk"]
        indexes = [models.Index(fields=["dienstverlener", "naam_nl"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(aangeboden=True, ingetrokken_op__isnull=True)
                | models.Q(aangeboden=False, ingetrokken_op__isnull=False),
                name="dienst_withdrawn_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.naam

    @property
    def naam(self) -> str:
        return in_language(self.naam_nl, self.naam_en)

    @property
    def omschrijving(self) -> str:
        return in_language(self.omschrijving_nl, self.omschrijving_en)

    @property
    def niveau_badge(self) -> str:
        return niveau_badge(self.eh_niveau)

    @property
    def usable_via_ketenmachtiging(self) -> bool:
        return self.aangeboden and self.intermediation in USABLE_VIA_KETENMACHTIGING

    @property
    def unusable_reason(self) -> str:
        """Why this dienst cannot be chosen for a ketenmachtiging ("" when it can)."""
        if not self.aangeboden:
            return str(_("No longer offered by the service provider."))
        if self.intermediation == Intermediation.NONE:
            return str(_("This service cannot be used through a ketenmachtiging."))
        if self.intermediation == Intermediation.SERVICE_PROVIDER_ONLY:
            return str(
                _("Only intermediairs designated by the service provider can use this service.")
            )
        return ""


class ScopeFields(models.Model):
    """The services something covers: algemene bevoegdheid (everything, now and later), or a set
    of dienstverleners (all their services, now and later) plus a set of individual diensten."""

    algemene_bevoegdheid = models.BooleanField(_("general authority"), default=False)
    dienstverleners = models.ManyToManyField(
        Dienstverlener,
        blank=True,
        related_name="%(app_label)s_%(class)s_scope+",
        verbose_name=_("service providers"),
    )
    diensten = models.ManyToManyField(
        Dienst,
        blank=True,
        related_name="%(app_label)s_%(class)s_scope+",
        verbose_name=_("services"),
    )

    class Meta:
        abstract = True

"""One subscription per organisation and module; its state changes, its row stays."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisatie

from .constants import AbonnementStatus, Module


class Abonnement(models.Model):
    organisatie = models.ForeignKey(
        Organisatie,
        on_delete=models.CASCADE,
        related_name="abonnementen",
        verbose_name=_("organisation"),
    )
    module = models.CharField(
        _("module"), max_length=40, choices=Module.choices, default=Module.KETENMACHTIGINGEN
    )
    status = models.CharField(
        _("status"), max_length=30, choices=AbonnementStatus.choices, default=AbonnementStatus.NIEUW
    )
    toegang_aangevraagd_op = models.DateTimeField(_("access requested on"), null=True, blank=True)
    toegang_aangevraagd_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("access requested by"),
    )
    offerte_verstuurd_op = models.DateField(_("quote sent on"), null=True, blank=True)
    offerte_ontvangen_op = models.DateField(_("signed quote received on"), null=True, blank=True)
    actief_van = models.DateField(_("active from"), null=True, blank=True)
    actief_tot = models.DateField(_("active until"), null=True, blank=True)
    beeindigd_op = models.DateField(_("ended on"), null=True, blank=True)
    # The first day the module was ever on; kept when the subscription ends or starts again,
    # so what was made with it stays readable.
    eerst_actief_van = models.DateField(_("first active from"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["organisatie__naam", "module"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisatie", "module"], name="abonnement_unique_per_module"
            ),
            models.CheckConstraint(
                condition=~Q(status=AbonnementStatus.ACTIEF) | Q(actief_van__isnull=False),
                name="abonnement_actief_has_start",
            ),
            models.CheckConstraint(
                condition=Q(actief_tot__isnull=True)
                | Q(actief_van__isnull=True)
                | Q(actief_tot__gte=models.F("actief_van")),
                name="abonnement_tot_after_van",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisatie} – {self.get_module_display()}"

    def effectieve_status(self, today: date | None = None) -> str:
        """The status as people see it: an active one past its end date has ended."""
        today = today or timezone.localdate()
        if self.status == AbonnementStatus.ACTIEF and self.actief_tot and self.actief_tot < today:
            return AbonnementStatus.BEEINDIGD
        return self.status

    def effectieve_status_label(self) -> str:
        return AbonnementStatus(self.effectieve_status()).label

    def is_actief(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == AbonnementStatus.ACTIEF
            and self.actief_van is not None
            and self.actief_van <= today
            and (self.actief_tot is None or today <= self.actief_tot)
        )

    def is_gepland(self, today: date | None = None) -> bool:
        """Switched on from a date still to come."""
        today = today or timezone.localdate()
        return self.status == AbonnementStatus.ACTIEF and bool(
            self.actief_van and self.actief_van > today
        )

    def had_toegang(self, today: date | None = None) -> bool:
        """The module was on once: what the organisation made with it stays readable."""
        today = today or timezone.localdate()
        return any(d is not None and d <= today for d in (self.eerst_actief_van, self.actief_van))

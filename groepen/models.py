"""Groups of an organisation's users, linked to ketenmachtigingen at once (Z login manual ch. 4).

A group's allowed services (its scope) limit what its members may do through the
ketenmachtigingen it is linked to: algemene bevoegdheid, or a chosen set of services.
"""

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Lidmaatschap, Organisatie
from diensten.models import ScopeFields


class Groep(ScopeFields):
    organisatie = models.ForeignKey(Organisatie, on_delete=models.CASCADE, related_name="groepen")
    naam = models.CharField(_("name"), max_length=100)
    leden = models.ManyToManyField(
        Lidmaatschap, blank=True, related_name="groepen", verbose_name=_("members")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["naam", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("naam"), "organisatie", name="groep_naam_unique_per_organisatie"
            ),
        ]

    def __str__(self) -> str:
        return self.naam

    def get_absolute_url(self) -> str:
        return reverse("groepen:detail", args=[self.pk])

"""The berichtenbox: notices to an organisation about its subscriptions and (keten)machtigingen.

Messages belong to an organisation, not to a person; read state is the organisation's. A message
with a ``sleutel`` exists at most once (a unique key), so a job that runs twice, or on two
workers at once, cannot notify twice.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisatie

from .constants import Soort


class Bericht(models.Model):
    organisatie = models.ForeignKey(Organisatie, on_delete=models.CASCADE, related_name="berichten")
    soort = models.CharField(_("kind"), max_length=30, choices=Soort.choices)
    onderwerp = models.CharField(_("subject"), max_length=200)
    tekst = models.TextField(_("text"))
    link = models.CharField(max_length=300, blank=True)
    sleutel = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    gelezen_op = models.DateTimeField(null=True, blank=True)
    # The e-mail that a message is waiting: claimed (with a lease) before it is sent, then marked.
    mail_geclaimd_op = models.DateTimeField(null=True, blank=True)
    gemaild_op = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisatie", "gelezen_op", "-created_at"]),
            models.Index(fields=["gemaild_op", "organisatie"]),
        ]

    def __str__(self) -> str:
        return self.onderwerp

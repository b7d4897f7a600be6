"""The berichtenbox: notices to an organisation about its subscriptions and (keten)machtigingen.

Messages belong to an organisation, not to a person; read state is the organisation's. A message
with a ``sleutel`` exists at most once (a unique key), so a job that runs twice, or on two
workers at once, cannot notify twice.

A message stores its kind (``sjabloon``) and plain ``params``; ``titel`` and ``inhoud`` render
it in the active language (``teksten``). ``onderwerp`` and ``tekst`` hold free text for a
message without a registered kind. ``betreft`` points at what the message is about (a
ketenmachtiging), so that object's history can list it.
"""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisatie

from .constants import Soort


class Bericht(models.Model):
    organisatie = models.ForeignKey(Organisatie, on_delete=models.CASCADE, related_name="berichten")
    soort = models.CharField(_("kind"), max_length=30, choices=Soort.choices)
    sjabloon = models.CharField(max_length=60, blank=True)
    params = models.JSONField(default=dict, blank=True)
    onderwerp = models.CharField(_("subject"), max_length=200, blank=True)
    tekst = models.TextField(_("text"), blank=True)
    link = models.CharField(max_length=300, blank=True)
    betreft_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    betreft_id = models.PositiveBigIntegerField(null=True, blank=True)
    betreft = GenericForeignKey("betreft_type", "betreft_id")
    sleutel = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    gelezen_op = models.DateTimeField(null=True, blank=True)
    # Whether the beheerders get an e-mail that this message waits (not for a message about an
    # e-mail to them that could not be delivered), and when that e-mail went into the outbox.
    mailen = models.BooleanField(default=True)
    gemaild_op = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisatie", "gelezen_op", "-created_at"]),
            models.Index(fields=["gemaild_op", "organisatie"]),
            models.Index(fields=["betreft_type", "betreft_id", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.titel

    def _rendered(self) -> tuple[str, str] | None:
        from .teksten import render

        return render(self.sjabloon, self.params) if self.sjabloon else None

    @property
    def titel(self) -> str:
        """The subject in the active language."""
        rendered = self._rendered()
        return rendered[0] if rendered else self.onderwerp

    @property
    def inhoud(self) -> str:
        """The text in the active language."""
        rendered = self._rendered()
        return rendered[1] if rendered else self.tekst

    @cached_property
    def soort_label(self) -> str:
        return self.get_soort_display()

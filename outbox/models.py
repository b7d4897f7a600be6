"""The e-mail outbox: every e-mail the portal sends is first a row here.

A service that changes something and must tell someone writes the e-mail as a ``Mail`` row in
the same transaction as the change, so either both happen or neither. The row holds what to
send (its ``soort`` and ``params``), not the finished message: the message is composed when it
is delivered, in the recipient's language, by the kind's renderer (``registry``). Delivery
(``delivery.deliver_due``) claims rows with a lease, sends them, and marks them sent only after
the mail server accepted them; a failed attempt is retried with a growing delay, and after the
last one the row is ``mislukt`` and the kind's ``on_failed`` tells the people concerned.

``betreft`` points at what the e-mail is about (a ketenmachtiging, an organisation, a user),
so its history can show every e-mail about it. ``sleutel`` makes an e-mail unique: the same
key twice is one e-mail.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import FoutSoort, MailStatus


def new_message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "ketenportal.local"
    return f"<{uuid.uuid4().hex}@{domain}>"


class Mail(models.Model):
    soort = models.CharField(_("kind"), max_length=60)
    sleutel = models.CharField(max_length=200, unique=True, null=True, blank=True)
    ontvanger = models.EmailField(_("recipient"), max_length=254)
    taal = models.CharField(_("language"), max_length=5, default="nl")
    params = models.JSONField(default=dict, blank=True)

    betreft_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    betreft_id = models.PositiveBigIntegerField(null=True, blank=True)
    betreft = GenericForeignKey("betreft_type", "betreft_id")

    status = models.CharField(
        _("status"), max_length=15, choices=MailStatus.choices, default=MailStatus.WACHTEND
    )
    pogingen = models.PositiveSmallIntegerField(_("attempts"), default=0)
    volgende_poging_op = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A delivering worker's claim: its token, until when. A claim that ran out (a worker that
    # died) may be taken over.
    geclaimd_door = models.CharField(max_length=32, blank=True)
    geclaimd_tot = models.DateTimeField(null=True, blank=True)
    verzonden_op = models.DateTimeField(_("sent at"), null=True, blank=True)
    fout_soort = models.CharField(max_length=15, choices=FoutSoort.choices, blank=True)
    fout = models.TextField(_("reason"), blank=True)
    message_id = models.CharField(max_length=255, default=new_message_id, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # What delivery looks for: waiting rows by due time (a small partial index).
            models.Index(
                fields=["volgende_poging_op"],
                condition=Q(status=MailStatus.WACHTEND),
                name="mail_due_idx",
            ),
            models.Index(fields=["betreft_type", "betreft_id", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=MailStatus.VERZONDEN) | Q(verzonden_op__isnull=False),
                name="mail_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.soort} → {self.ontvanger} ({self.status})"

    @property
    def is_waiting(self) -> bool:
        return self.status == MailStatus.WACHTEND

    @property
    def undelivered(self) -> bool:
        return self.status in (MailStatus.MISLUKT, MailStatus.ONBESTELBAAR)

    @property
    def kind_label(self) -> str:
        from .registry import label_of

        return label_of(self.soort)

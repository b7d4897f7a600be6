"""The personal link of an invitation, the signed form uploaded through it, and the timeline."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenmachtigingen.models import Ketenmachtiging


class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT``: outside ``MEDIA_ROOT`` and the web root, with no URL.
    Read at use (not import) time, so a test's ``settings`` fixture moves it."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("private files have no URL; staff download them through a view")


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _private_storage


class Uitnodigingslink(models.Model):
    """One personal link of an invitation. Only the SHA-256 of its token is stored; the token
    itself is in the e-mail alone. A link works while the request waits for the form (sent or
    incomplete), until ``geldig_tot``, unless revoked (a newer e-mail carries a newer link)."""

    ketenmachtiging = models.ForeignKey(
        Ketenmachtiging, on_delete=models.CASCADE, related_name="uitnodigingslinks"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    geldig_tot = models.DateField()
    ingetrokken_op = models.DateTimeField(null=True, blank=True)
    # The one-time code: an HMAC of the code (never the code), when it was sent, tries so far.
    code_hash = models.CharField(max_length=64, blank=True)
    code_verstuurd_op = models.DateTimeField(null=True, blank=True)
    code_pogingen = models.PositiveSmallIntegerField(default=0)
    # When a code was last verified (the verification itself lives in that browser's session).
    geverifieerd_op = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("personal link")
        verbose_name_plural = _("personal links")

    def __str__(self) -> str:
        return f"{self.ketenmachtiging_id}/{self.pk}"


class Ondertekening(models.Model):
    """The signed form uploaded online, with the signatories the contact named."""

    ketenmachtiging = models.ForeignKey(
        Ketenmachtiging, on_delete=models.CASCADE, related_name="ondertekeningen"
    )
    link = models.ForeignKey(Uitnodigingslink, null=True, on_delete=models.SET_NULL)
    ondertekenaars = models.JSONField(default=list)  # [{"naam", "functie", "email"}, …]
    verklaring = models.BooleanField(default=False)
    bestand = models.FileField(storage=private_storage, upload_to="goedkeuring/%Y/%m/", blank=True)
    bestandsnaam = models.CharField(max_length=200, blank=True)
    grootte = models.PositiveIntegerField(default=0)
    paginas = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    bestand_verwijderd_op = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signed form")
        verbose_name_plural = _("signed forms")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.ketenmachtiging_id}: {self.bestandsnaam}"


class Gebeurtenis(models.Model):
    """One step of the online path, for the intermediair's timeline."""

    class Soort(models.TextChoices):
        LINK_GEOPEND = "link_geopend", _("Personal link opened")
        CODE_VERSTUURD = "code_verstuurd", _("Code sent")
        CODE_GEVERIFIEERD = "code_geverifieerd", _("Code verified")
        GEUPLOAD = "geupload", _("Signed form uploaded")
        AFGEWEZEN = "afgewezen", _("Declined online")
        PER_POST = "per_post", _("Form downloaded to send by post")

    ketenmachtiging = models.ForeignKey(
        Ketenmachtiging, on_delete=models.CASCADE, related_name="gebeurtenissen"
    )
    soort = models.CharField(max_length=20, choices=Soort.choices)
    timestamp = models.DateTimeField(default=timezone.now)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["timestamp", "pk"]
        indexes = [models.Index(fields=["ketenmachtiging", "timestamp"])]

    def __str__(self) -> str:
        return f"{self.ketenmachtiging_id}: {self.soort}"


@receiver(post_delete, sender=Ondertekening)
def _delete_file(sender, instance: Ondertekening, **kwargs) -> None:
    """The uploaded form goes with its request (the request's retention deletes both)."""
    if instance.bestand:
        instance.bestand.delete(save=False)

"""Organisations, the people who work for them, and what they did.

A ``User`` is a person with an eHerkenning means (EH-middel); through ``Lidmaatschap`` they belong
to one or more ``Organisatie`` rows as Beheerder or Gebruiker. Every organisation keeps at least
one Beheerder (enforced by the services). ``EHMiddel`` is a means issued to a person on behalf
of an organisation (the page EH-middelen); ``EHMiddelAanvraag`` a beheerder's request for a new
one, which the back office issues or refuses. ``LoginEvent`` is the login history shown on Mijn
profiel; ``AuditEntry`` is the audit trail of every change ("overige wijzigingen").
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, DeviceManager
from phonenumber_field.modelfields import PhoneNumberField

from ketenportal.utils.identifiers import (
    validate_fiscaal_nummer,
    validate_kvk_nummer,
    validate_postcode,
)

from .constants import (
    KETENMACHTIGING_MIN_RANK,
    MIDDEL_NIVEAUS,
    AuditAction,
    AuditKind,
    EHNiveau,
    LoginResult,
    MiddelAanvraagStatus,
    MiddelSoort,
    MiddelStatus,
    Rol,
    SecondFactorUsed,
    TweedeFactor,
    niveau_badge,
    niveau_rank_expression,
)


class Organisatie(models.Model):
    naam = models.CharField(_("name"), max_length=200)
    kvk_nummer = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[validate_kvk_nummer]
    )
    fiscaal_nummer = models.CharField(
        _("fiscal number (RSIN)"), max_length=9, blank=True, validators=[validate_fiscaal_nummer]
    )
    straat = models.CharField(_("street"), max_length=200, blank=True)
    huisnummer = models.CharField(_("house number"), max_length=20, blank=True)
    postcode = models.CharField(
        _("postcode"), max_length=6, blank=True, validators=[validate_postcode]
    )
    plaats = models.CharField(_("town"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["naam"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kvk_nummer="") | ~Q(fiscaal_nummer=""),
                name="organisatie_has_identifier",
                violation_error_message=_("Enter a KvK number or a fiscal number."),
            ),
            models.UniqueConstraint(
                fields=["kvk_nummer"],
                condition=~Q(kvk_nummer=""),
                name="organisatie_unique_kvk",
                violation_error_message=_("An organisation with this KvK number exists already."),
            ),
        ]

    def __str__(self) -> str:
        return self.naam

    @property
    def identifier(self) -> str:
        return self.kvk_nummer or self.fiscaal_nummer

    @property
    def adres(self) -> str:
        return f"{self.straat} {self.huisnummer}".strip()

    @property
    def postcode_plaats(self) -> str:
        return f"{self.postcode} {self.plaats}".strip()


def full_name(voorletters: str, first_name: str, tussenvoegsel: str, last_name: str) -> str:
    """ "A.B. van Dijk": initials (or the first name), tussenvoegsel and surname, as
    ``User.get_full_name``; for names read as values, without loading the user."""
    first = voorletters or first_name
    return " ".join(p for p in (first, tussenvoegsel, last_name) if p).strip()


class User(AbstractUser):
    """A person with an EH-middel. The means' level and kind are kept on the user."""

    voorletters = models.CharField(_("initials"), max_length=20, blank=True)
    tussenvoegsel = models.CharField(_("infix"), max_length=20, blank=True)
    telefoonnummer = PhoneNumberField(_("phone number"), blank=True)
    eh_niveau = models.CharField(
        _("assurance level"), max_length=64, choices=EHNiveau.choices, default=EHNiveau.EH3
    )
    eh_niveau_rank = models.GeneratedField(
        expression=niveau_rank_expression("eh_niveau"),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    tweede_factor = models.CharField(
        _("second factor"), max_length=3, choices=TweedeFactor.choices, default=TweedeFactor.OTP
    )
    alleen_belastingdienst = models.BooleanField(
        _("means for the Belastingdienst only"),
        default=False,
        help_text=_("An 'eHerkenning Belastingdienst' means, not valid for ketenmachtigingen."),
    )
    taal = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    email_berichten = models.BooleanField(
        _("e-mail me when a message arrives in the berichtenbox"), default=True
    )
    # Opt-in: a Monday e-mail with the to-do list of each organisation the person manages.
    weekoverzicht = models.BooleanField(
        _("e-mail me a weekly overview of what needs doing"), default=False
    )
    # The subject serialNumber of the person's EH4 certificate (PKIoverheid: OIN/KvK based), set
    # by platform staff in the admin (audited); the certificate login finds the person by it.
    eh4_certificaat_serienummer = models.CharField(
        _("EH4 certificate serial number"),
        max_length=64,
        blank=True,
        help_text=_(
            "The serialNumber in the subject of the person's EH4 certificate (PKIoverheid). "
            "Only for a means of level EH4."
        ),
    )
    # Part of the session hash: raised when the account is switched off, so its sessions end
    # for good instead of coming back when it is switched on again.
    sessie_generatie = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "voorletters", "username"]
        constraints = [
            models.UniqueConstraint(
                fields=["eh4_certificaat_serienummer"],
                condition=~Q(eh4_certificaat_serienummer=""),
                name="user_unique_eh4_certificaat",
                violation_error_message=_("This certificate is linked to another person already."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.eh4_certificaat_serienummer and self.eh_niveau != EHNiveau.EH4:
            from django.core.exceptions import ValidationError

            raise ValidationError(
                {
                    "eh4_certificaat_serienummer": _(
                        "A certificate can only be linked to a means of level EH4."
                    )
                }
            )

    def save(self, *args, **kwargs):
        if self.pk and not self.is_active:
            switched_off = type(self).objects.filter(pk=self.pk, is_active=True).exists()
            if switched_off:
                self.sessie_generatie += 1
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "sessie_generatie"}
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret=None):
        # Django's hash of the password, plus the session generation (see sessie_generatie).
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            f"{self.password}|{self.sessie_generatie}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self) -> str:
        return full_name(self.voorletters, self.first_name, self.tussenvoegsel, self.last_name)

    @property
    def niveau_badge(self) -> str:
        return niveau_badge(self.eh_niveau)

    @property
    def niveau_rank(self) -> int:
        from .constants import NIVEAU_RANK

        return NIVEAU_RANK.get(self.eh_niveau, 0)

    @property
    def can_use_ketenmachtigingen(self) -> bool:
        """Ketenmachtigingen need EH3 or higher, and a means not for the Belastingdienst only."""
        return self.niveau_rank >= KETENMACHTIGING_MIN_RANK and not self.alleen_belastingdienst


class LidmaatschapQuerySet(models.QuerySet):
    def beheerders(self) -> "LidmaatschapQuerySet":
        return self.filter(rol=Rol.BEHEERDER)


class Lidmaatschap(models.Model):
    """A person's membership of an organisation, with their role there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lidmaatschappen"
    )
    organisatie = models.ForeignKey(
        Organisatie, on_delete=models.CASCADE, related_name="lidmaatschappen"
    )
    rol = models.CharField(_("role"), max_length=10, choices=Rol.choices, default=Rol.GEBRUIKER)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LidmaatschapQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisatie"], name="lidmaatschap_unique"),
        ]
        indexes = [models.Index(fields=["organisatie", "rol"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisatie} ({self.get_rol_display()})"

    @property
    def is_beheerder(self) -> bool:
        return self.rol == Rol.BEHEERDER


class LoginEvent(models.Model):
    """One line of a user's login history (Mijn profiel)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="login_events",
    )
    username = models.CharField(max_length=150, blank=True)
    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    result = models.CharField(max_length=20, choices=LoginResult.choices)
    second_factor = models.CharField(
        max_length=12, choices=SecondFactorUsed.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["-timestamp"]
        indexes = [models.Index(fields=["user", "-timestamp"])]

    def __str__(self) -> str:
        return f"{self.username} {self.get_result_display()} {self.timestamp:%Y-%m-%d %H:%M}"


class AuditEntry(models.Model):
    """One change, by whom, when, to what, with the old and new values.

    Rows are only ever added (see ``accounts.audit.audit_log``); nothing updates or deletes them.
    """

    organisatie = models.ForeignKey(
        Organisatie, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_repr = models.CharField(max_length=200, blank=True)
    # The channel when not a page: an API key (accounts.context.set_via).
    via = models.CharField(_("via"), max_length=200, blank=True)
    timestamp = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=12, choices=AuditAction.choices)
    kind = models.CharField(max_length=20, choices=AuditKind.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["organisatie", "-timestamp"]),
            models.Index(fields=["object_type", "object_id"]),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.object_repr}"


class SmsSend(models.Model):
    """A text message with a login code that was sent: the basis of the SMS send throttle."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    number = models.CharField(max_length=32)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "sent_at"]),
            models.Index(fields=["number", "sent_at"]),
            models.Index(fields=["ip_address", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"SMS to {self.number} at {self.sent_at:%Y-%m-%d %H:%M}"


class SmsTokenUse(models.Model):
    """The last time step whose SMS code a phone device accepted: codes are single use."""

    device = models.OneToOneField(
        "phonenumber.PhoneDevice", on_delete=models.CASCADE, related_name="+"
    )
    last_t = models.BigIntegerField(default=-1)

    def __str__(self) -> str:
        return f"{self.device_id}: {self.last_t}"


class CertificaatDeviceManager(DeviceManager):
    def devices_for_user(self, user, confirmed=None):
        # Not a device a person types a code from: the code pages, "has a second factor" and
        # the setup rules never see it. Only the certificate login puts it in a session.
        return self.none()


class CertificaatDevice(Device):
    """The django-otp device of a login with an EH4 certificate (``accounts.certificates``).

    A certificate login passes both factors at once: the private key on the card or token and
    its PIN. django-otp's verified state is a device in the session, so the login puts this one
    there; it accepts no typed code."""

    serienummer = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64, blank=True)

    objects = CertificaatDeviceManager()

    class Meta(Device.Meta):
        verbose_name = _("EH4 certificate")
        verbose_name_plural = _("EH4 certificates")

    def verify_token(self, token) -> bool:
        return False


NIVEAU_CHOICES = [(n.value, n.label) for n in MIDDEL_NIVEAUS]


class EHMiddel(models.Model):
    """An eHerkenning means issued to ``houder`` on behalf of ``organisatie``.

    The stored status is ``actief`` or ``ingetrokken``; an active means past ``geldig_tot``
    reads as expired (``current_status``), with no job needed to flip it.
    """

    organisatie = models.ForeignKey(
        Organisatie, on_delete=models.CASCADE, related_name="eh_middelen"
    )
    houder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eh_middelen"
    )
    niveau = models.CharField(
        _("assurance level"), max_length=64, choices=NIVEAU_CHOICES, default=MIDDEL_NIVEAUS[1]
    )
    soort = models.CharField(
        _("second factor"), max_length=12, choices=MiddelSoort.choices, default=MiddelSoort.APP
    )
    alleen_belastingdienst = models.BooleanField(_("Belastingdienst only"), default=False)
    uitgegeven_op = models.DateField(_("issued on"))
    geldig_tot = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=12, choices=MiddelStatus.choices, default=MiddelStatus.ACTIEF
    )
    ingetrokken_op = models.DateTimeField(null=True, blank=True)
    # The end date the expiry notice was sent for: once per means per term.
    verloopmelding_voor = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("EH means")
        verbose_name_plural = _("EH means")
        ordering = ["geldig_tot", "pk"]
        indexes = [
            models.Index(fields=["organisatie", "geldig_tot"]),
            models.Index(fields=["status", "geldig_tot"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(geldig_tot__gte=models.F("uitgegeven_op")),
                name="ehmiddel_geldig_na_uitgifte",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[MiddelStatus.ACTIEF, MiddelStatus.INGETROKKEN]),
                name="ehmiddel_stored_status",
            ),
            models.CheckConstraint(
                condition=Q(status=MiddelStatus.INGETROKKEN, ingetrokken_op__isnull=False)
                | Q(status=MiddelStatus.ACTIEF, ingetrokken_op__isnull=True),
                name="ehmiddel_ingetrokken_op",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.houder} ({self.get_niveau_display()}, {self.get_soort_display()})"

    def current_status(self, today=None) -> str:
        today = today or timezone.localdate()
        if self.status == MiddelStatus.ACTIEF and self.geldig_tot < today:
            return MiddelStatus.VERLOPEN
        return self.status

    @property
    def status_label(self) -> str:
        return MiddelStatus(self.current_status()).label

    @property
    def niveau_badge(self) -> str:
        return niveau_badge(self.niveau)


class EHMiddelAanvraag(models.Model):
    """A beheerder's request for a new means for a colleague. The back office checks the
    person's identity and issues the means (a new account, membership and ``EHMiddel``) or
    refuses the request."""

    organisatie = models.ForeignKey(
        Organisatie, on_delete=models.CASCADE, related_name="eh_middel_aanvragen"
    )
    aangevraagd_door = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    voornaam = models.CharField(_("first name"), max_length=150)
    achternaam = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("e-mail address"))
    telefoonnummer = PhoneNumberField(_("phone number"))
    niveau = models.CharField(
        _("assurance level"), max_length=64, choices=NIVEAU_CHOICES, default=MIDDEL_NIVEAUS[1]
    )
    soort = models.CharField(
        _("second factor"), max_length=12, choices=MiddelSoort.choices, default=MiddelSoort.APP
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=MiddelAanvraagStatus.choices,
        default=MiddelAanvraagStatus.INGEDIEND,
    )
    behandeld_door = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    behandeld_op = models.DateTimeField(null=True, blank=True)
    reden = models.CharField(_("reason"), max_length=500, blank=True)
    middel = models.OneToOneField(
        EHMiddel, null=True, blank=True, on_delete=models.SET_NULL, related_name="aanvraag"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("request for an EH means")
        verbose_name_plural = _("requests for an EH means")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=MiddelAanvraagStatus.INGEDIEND) | Q(behandeld_op__isnull=False),
                name="ehmiddelaanvraag_behandeld_op",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voornaam} {self.achternaam}".strip()

"""Choices of the accounts app: eHerkenning levels, roles, second factors, login results."""

from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _


class EHNiveau(models.TextChoices):
    """eHerkenning assurance levels; the values are the official URNs (see domain.md)."""

    EH2 = "urn:etoegang:core:assurance-class:loa2", "EH2"
    EH2_PLUS = "urn:etoegang:core:assurance-class:loa2plus", "EH2+"
    EH3 = "urn:etoegang:core:assurance-class:loa3", "EH3"
    EH4 = "urn:etoegang:core:assurance-class:loa4", "EH4"


#: A higher level also serves lower-level services, so levels compare by rank.
NIVEAU_RANK: dict[str, int] = {
    EHNiveau.EH2: 20,
    EHNiveau.EH2_PLUS: 25,
    EHNiveau.EH3: 30,
    EHNiveau.EH4: 40,
}
KETENMACHTIGING_MIN_RANK = NIVEAU_RANK[EHNiveau.EH3]


def niveau_rank_expression(field: str) -> Case:
    """The rank of a level field in SQL, for ``GeneratedField`` and annotations."""
    return Case(
        *(When(**{field: niveau}, then=Value(rank)) for niveau, rank in NIVEAU_RANK.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def niveau_badge(niveau: str) -> str:
    """'EH 3', as the manuals print a level next to a user or a service."""
    label = EHNiveau(niveau).label if niveau in EHNiveau.values else "?"
    return label.replace("EH", "EH ")


class Rol(models.TextChoices):
    BEHEERDER = "beheerder", _("Administrator")
    GEBRUIKER = "gebruiker", _("User")


class TweedeFactor(models.TextChoices):
    SMS = "sms", _("SMS")
    OTP = "otp", _("OTP device")


class LoginResult(models.TextChoices):
    SUCCESS = "success", _("Logged in")
    WRONG_PASSWORD = "wrong_password", _("Wrong username or password")
    WRONG_TOKEN = "wrong_token", _("Wrong verification code")
    LOCKED_OUT = "locked_out", _("Locked out after too many attempts")
    WRONG_CERTIFICATE = "wrong_certificate", _("Certificate refused")


class SecondFactorUsed(models.TextChoices):
    NONE = "", _("None")
    TOTP = "totp", _("Authenticator app or OTP device")
    SMS = "sms", _("SMS")
    BACKUP = "backup", _("Backup code")
    CERTIFICAAT = "certificaat", _("Certificate (EH4)")
    PASSKEY = "passkey", _("Passkey")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    TRANSITION = "transition", _("Status changed")


class AuditKind(models.TextChoices):
    """What an audit row is about: the filter on the "overige wijzigingen" page."""

    GEBRUIKER = "gebruiker", _("Users")
    LIDMAATSCHAP = "lidmaatschap", _("Roles and memberships")
    ORGANISATIE = "organisatie", _("Organisation")
    INSTELLING = "instelling", _("Settings")
    GROEP = "groep", _("Groups")
    KETENMACHTIGING = "ketenmachtiging", _("Ketenmachtigingen")
    BEVEILIGING = "beveiliging", _("Security")
    CATALOGUS = "catalogus", _("Service catalogue")
    API = "api", _("API keys and webhooks")


class MiddelSoort(models.TextChoices):
    """How the holder of an EH-middel passes the second factor (the manuals' "Tweede factor")."""

    SMS = "sms", _("SMS")
    APP = "app", _("Authenticator app")
    CERTIFICAAT = "certificaat", _("Certificate")


class MiddelStatus(models.TextChoices):
    """A means is active until its end date (then it reads as expired) or until revoked."""

    ACTIEF = "actief", _("Active")
    VERLOPEN = "verlopen", _("Expired")
    INGETROKKEN = "ingetrokken", _("Revoked")


class MiddelAanvraagStatus(models.TextChoices):
    INGEDIEND = "ingediend", _("Submitted")
    UITGEGEVEN = "uitgegeven", _("Issued")
    GEWEIGERD = "geweigerd", _("Refused")


#: The levels a means can be requested or issued at (the manuals' glossary: EH2+, EH3, EH4).
MIDDEL_NIVEAUS = (EHNiveau.EH2_PLUS, EHNiveau.EH3, EHNiveau.EH4)
#: How long a newly issued means is valid.
MIDDEL_GELDIGHEID_JAREN = 3
#: Beheerders are told this many months before a means expires.
MIDDEL_VERLOOP_MAANDEN = 2

"""Choices of the service catalogue."""

from django.db import models
from django.utils.translation import gettext_lazy as _

NAMESPACES = ("urn:etoegang:1.13:service-catalog", "urn:etoegang:1.11:service-catalog")
SAML_NAMESPACE = "urn:oasis:names:tc:SAML:2.0:assertion"


class Intermediation(models.TextChoices):
    """The catalogue's ``ServiceIntermediation/@intermediationAllowed``: may a dienst be used
    through a ketenmachtiging (an intermediair logging in for a client)?"""

    NONE = "noIntermediation", _("Not through a ketenmachtiging")
    GENERAL = "generalAvailable", _("Through any ketenmachtiging")
    SERVICE_PROVIDER_ONLY = (
        "serviceProviderOnly",
        _("Only for intermediairs the service provider designates"),
    )
    REQUIRES_APPROVAL = "requiresApproval", _("After approval by the service provider")


#: Values with which a dienst can be chosen for a ketenmachtiging in this portal.
USABLE_VIA_KETENMACHTIGING = (Intermediation.GENERAL, Intermediation.REQUIRES_APPROVAL)

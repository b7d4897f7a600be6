"""Why a KvK lookup failed, in words fit to show the person who typed the number.

Every error is a ``DomainError``, so a view turns it into a form error. The kind tells the
caller what to suggest: ``KvkInvalidInput`` and ``KvkNotFound`` mean "check the number",
``KvkInactive`` that the company is no longer registered (uitgeschreven), ``KvkUnavailable``
"try again later" (or, for a refused API key, "ask the administrator").
"""

from django.utils.translation import gettext as _

from ketenportal.exceptions import DomainError


class KvkError(DomainError):
    """Base of every KvK lookup error."""


class KvkInvalidInput(KvkError):
    """What was typed is no KvK number or RSIN, or the KvK refused it as malformed."""


class KvkNotFound(KvkError):
    """The Handelsregister has no company with this number."""


class KvkInactive(KvkError):
    """The Handelsregister lists the company as no longer active (uitgeschreven)."""


class KvkUnavailable(KvkError):
    """The KvK could not answer now: unreachable, slow, failing, or our access was refused."""


def not_found(number: str) -> KvkNotFound:
    # A KvK number has 8 digits and an RSIN 9, so the number says which one was asked for.
    if len(number) == 9:
        message = _("No organisation was found with fiscal number (RSIN) %(number)s.")
    else:
        message = _("No company was found with KvK number %(number)s.")
    return KvkNotFound(message % {"number": number}, code="kvk_not_found")


def inactive(naam: str, number: str) -> KvkInactive:
    return KvkInactive(
        _(
            "%(naam)s (%(number)s) is no longer registered in the Handelsregister of the KvK "
            "(uitgeschreven). A ketenmachtiging cannot be requested from a company that no "
            "longer exists; check the number."
        )
        % {"naam": naam, "number": number},
        code="kvk_inactive",
    )


def unavailable() -> KvkUnavailable:
    return KvkUnavailable(
        _("The KvK cannot be reached at the moment; try again later."), code="kvk_unavailable"
    )


def misconfigured() -> KvkUnavailable:
    return KvkUnavailable(
        _(
            "The connection to the KvK is not configured correctly, so companies cannot be "
            "looked up. Please tell the administrator of the portal."
        ),
        code="kvk_misconfigured",
    )


def refused(number: str) -> KvkInvalidInput:
    return KvkInvalidInput(
        _("The KvK did not accept %(number)s as a search; check the number and try again.")
        % {"number": number},
        code="kvk_refused",
    )

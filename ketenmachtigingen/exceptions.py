"""Domain errors of ketenmachtigingen; each message is fit to show to the user."""

from django.utils.translation import gettext as _

from ketenportal.exceptions import DomainError

from .constants import Status


class KetenmachtigingError(DomainError):
    pass


class InvalidTransition(KetenmachtigingError):
    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new
        super().__init__(
            _("A ketenmachtiging with status “%(old)s” cannot become “%(new)s”.")
            % {"old": Status(old).label, "new": Status(new).label},
            code="invalid_transition",
        )


class DuplicateKetenmachtiging(KetenmachtigingError):
    """There is one already; ``bestaande`` is it (when known), for a link to it."""

    def __init__(self, message: str, *, bestaande=None) -> None:
        super().__init__(message, code="duplicate")
        self.bestaande = bestaande


class InvitationLapsed(KetenmachtigingError):
    pass


class AlreadyProcessed(KetenmachtigingError):
    pass


class RenewalRowsInvalid(KetenmachtigingError):
    """Verleng selectie: some chosen rows cannot be renewed as typed; ``rows`` maps the id of
    each such ketenmachtiging to what is wrong with its row."""

    def __init__(self, rows: dict[int, str]) -> None:
        self.rows = dict(rows)
        super().__init__(
            _("Not every renewal can be requested: correct the rows marked below."),
            code="rows",
        )

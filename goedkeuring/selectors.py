"""Reads of the online path: a link by its token, the uploaded form, the timeline."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from ketenmachtigingen.constants import Status
from ketenmachtigingen.models import Ketenmachtiging

from .models import Gebeurtenis, Ondertekening, Uitnodigingslink
from .services import OPEN, token_hash


def link_valid(link: Uitnodigingslink, today: date | None = None) -> bool:
    """Whether the link works now: not revoked, not past its date, of the current invitation,
    and the request still waits for the form. Checked on every request (no sweep needed)."""
    km = link.ketenmachtiging
    today = today or timezone.localdate()
    return (
        link.ingetrokken_op is None
        and link.geldig_tot >= today
        and km.status in OPEN
        and not km.invitation_lapsed(today)
        and km.verstuurd_op is not None
        and link.created_at >= km.verstuurd_op
    )


def link_for_token(token: str) -> Uitnodigingslink | None:
    """The working link with this token, or None (wrong, expired and revoked look the same)."""
    if not token or len(token) > 100:
        return None
    link = (
        Uitnodigingslink.objects.select_related("ketenmachtiging__intermediair")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None or not link_valid(link):
        return None
    return link


def ondertekening_of(km: Ketenmachtiging) -> Ondertekening | None:
    return km.ondertekeningen.order_by("-created_at", "-pk").first()


@dataclass(frozen=True)
class Stap:
    timestamp: datetime
    text: str
    detail: str = ""


def tijdlijn(km: Ketenmachtiging) -> list[Stap]:
    """The path of a request: invitations, the contact's steps online, the decisions."""
    stappen = [
        Stap(g.timestamp, g.get_soort_display(), g.detail)
        for g in Gebeurtenis.objects.filter(ketenmachtiging=km)
    ]
    for w in km.statuswijzigingen.all():
        if w.naar == Status.VERSTUURD:
            stappen.append(Stap(w.timestamp, _("Invitation sent")))
        elif w.actor_id is None:
            continue  # the system or the contact online: its own step is listed
        elif w.naar == Status.ONTVANGEN:
            stappen.append(Stap(w.timestamp, _("Form received by post")))
        elif w.naar in (Status.INCOMPLEET, Status.FOUT, Status.ACTIEF, Status.AFGEWEZEN):
            stappen.append(
                Stap(
                    w.timestamp,
                    _("Back office: %(status)s") % {"status": w.get_naar_display()},
                    w.reden,
                )
            )
    return sorted(stappen, key=lambda s: s.timestamp)

"""The texts of the berichtenbox messages about subscriptions (see ``notifications``),
rendered in the reader's language from the stored values."""

from django.utils.translation import gettext, gettext_noop

from berichtenbox.teksten import datum, register

from .constants import Module


def _values(params: dict) -> dict:
    try:
        module = Module(params.get("module")).label
    except ValueError:
        module = params.get("module", "")
    van, tot = datum(params.get("van")), datum(params.get("tot"))
    periode = (
        gettext("from %(van)s until %(tot)s") % {"van": van, "tot": tot}
        if tot
        else gettext("from %(van)s") % {"van": van}
    )
    return {
        "module": str(module),
        "aangevraagd_op": datum(params.get("aangevraagd_op")),
        "offerte_verstuurd_op": datum(params.get("offerte_verstuurd_op")),
        "offerte_ontvangen_op": datum(params.get("offerte_ontvangen_op")),
        "beeindigd_op": datum(params.get("beeindigd_op")),
        "periode": periode,
        "door": params.get("door") or gettext("a beheerder"),
    }


def register_texts() -> None:
    register(
        "abonnementen.toegang_aangevraagd",
        onderwerp=gettext_noop("Access to %(module)s requested"),
        tekst=gettext_noop(
            "%(door)s requested access to %(module)s for your organisation on "
            "%(aangevraagd_op)s. The back office will send your organisation a quote for the "
            "roll-out of ketenmachtigingen. Once your organisation has returned it signed, you "
            "get access to the ketenmachtiging functions."
        ),
        prepare=_values,
    )
    register(
        "abonnementen.offerte_verstuurd",
        onderwerp=gettext_noop("Quote for %(module)s sent"),
        tekst=gettext_noop(
            "On %(offerte_verstuurd_op)s the quote for the roll-out of ketenmachtigingen was "
            "sent to your organisation. Once your organisation has returned it signed, you get "
            "access to the ketenmachtiging functions."
        ),
        prepare=_values,
    )
    register(
        "abonnementen.offerte_ontvangen",
        onderwerp=gettext_noop("Signed quote for %(module)s received"),
        tekst=gettext_noop(
            "Your organisation's signed quote was received on %(offerte_ontvangen_op)s. You "
            "will get a message as soon as the ketenmachtiging functions are switched on."
        ),
        prepare=_values,
    )
    register(
        "abonnementen.geactiveerd",
        onderwerp=gettext_noop("Subscription for %(module)s active"),
        tekst=gettext_noop(
            "Your organisation's subscription for %(module)s is active %(periode)s. From then "
            "on you can request, register, renew and end ketenmachtigingen."
        ),
        prepare=_values,
    )
    register(
        "abonnementen.beeindigd",
        onderwerp=gettext_noop("Subscription for %(module)s ended"),
        tekst=gettext_noop(
            "Your organisation's subscription for %(module)s ended on %(beeindigd_op)s. Nothing "
            "has been deleted: you can still view and export your ketenmachtigingen, but you "
            "can no longer request, renew, end or change them. To get access again, request it "
            "on the Subscription page."
        ),
        prepare=_values,
    )

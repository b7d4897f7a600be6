"""The texts of the berichtenbox messages about ketenmachtigingen (see ``notifications``).

Registered when the app loads; rendered in the reader's language from the stored values.
"""

from django.utils.translation import gettext, gettext_noop

from berichtenbox.teksten import datum, register


def _label(params: dict) -> dict:
    values = {
        "einddatum": datum(params.get("einddatum")),
        "deadline": datum(params.get("deadline")),
    }
    naam = params.get("relatie", "")
    if params.get("kvk"):
        values["relatie_label"] = f"{naam} ({gettext('KvK')} {params['kvk']})"
    elif params.get("rsin"):
        values["relatie_label"] = f"{naam} ({gettext('RSIN')} {params['rsin']})"
    else:
        values["relatie_label"] = naam
    return values


def _declined(params: dict) -> dict:
    values = _label(params)
    values["reden"] = params.get("reden") or gettext("no reason given")
    return values


def _mail(params: dict) -> dict:
    from outbox.registry import label_of

    values = _label(params)
    values["label"] = label_of(params.get("soort", ""))
    values["fout"] = params.get("fout") or gettext("no reason given")
    return values


def register_texts() -> None:
    register(
        "ketenmachtigingen.uitnodiging_verloopt",
        onderwerp=gettext_noop("Request for %(relatie)s lapses on %(deadline)s"),
        tekst=gettext_noop(
            "The signed form for the ketenmachtiging of %(relatie_label)s (reference "
            "%(kenmerk)s) has not arrived yet. If it does not arrive by %(deadline)s, the request "
            "lapses. Ask your relation to send the form, or send the invitation again."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.ontvangen",
        onderwerp=gettext_noop("Form for %(relatie)s received"),
        tekst=gettext_noop(
            "The signed form for the ketenmachtiging of %(relatie_label)s (reference "
            "%(kenmerk)s) has been received and is being processed."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.incompleet",
        onderwerp=gettext_noop("Form for %(relatie)s is incomplete"),
        tekst=gettext_noop(
            "The form for the ketenmachtiging of %(relatie_label)s (reference %(kenmerk)s) "
            "cannot be processed yet: %(reden)s\n\nYour relation's contact has been e-mailed what "
            "is missing. The complete form must arrive by %(deadline)s."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.fout",
        onderwerp=gettext_noop("Request for %(relatie)s has an error"),
        tekst=gettext_noop(
            "The request for the ketenmachtiging of %(relatie_label)s (reference %(kenmerk)s) "
            "has the status Error: %(reden)s\n\nCorrect what is needed and send the invitation "
            "again from the ketenmachtiging's page, or withdraw the request."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.correctie",
        onderwerp=gettext_noop("Request for %(relatie)s is being processed again"),
        tekst=gettext_noop(
            "The request for the ketenmachtiging of %(relatie_label)s (reference %(kenmerk)s) "
            "had the status Error by mistake. This has been corrected: %(reden)s\n\nThe request "
            "is being processed again; you need not send a new invitation."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.aangevraagd.relatie",
        onderwerp=gettext_noop("%(intermediair)s asks for a ketenmachtiging"),
        tekst=gettext_noop(
            "%(intermediair)s asks your organisation for a ketenmachtiging (reference "
            "%(kenmerk)s), so that its employees can log in with eHerkenning on your behalf. "
            "A beheerder with a means of level EH3 can approve or decline it under "
            "Ketenmachtigingen > afgegeven, To review, until %(deadline)s."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.afgewezen",
        onderwerp=gettext_noop("%(relatie)s declined the ketenmachtiging"),
        tekst=gettext_noop(
            "%(relatie_label)s declined the request for a ketenmachtiging (reference "
            "%(kenmerk)s). Reason given: %(reden)s\n\nContact your relation if you want to "
            "know more; you can send a new request."
        ),
        prepare=_declined,
    )
    register(
        "ketenmachtigingen.goedgekeurd",
        onderwerp=gettext_noop("Ketenmachtiging of %(relatie)s is active"),
        tekst=gettext_noop(
            "The ketenmachtiging of %(relatie_label)s (reference %(kenmerk)s) has been "
            "registered and is active until %(einddatum)s. The linked users can now log in on "
            "behalf of this relation."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.goedgekeurd.relatie",
        onderwerp=gettext_noop("Ketenmachtiging for %(intermediair)s is active"),
        tekst=gettext_noop(
            "The ketenmachtiging you gave %(intermediair)s (reference %(kenmerk)s) has been "
            "registered and is active until %(einddatum)s. You find it under "
            "Ketenmachtigingen > afgegeven."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.beeindigd.relatie",
        onderwerp=gettext_noop("%(intermediair)s ended the ketenmachtiging"),
        tekst=gettext_noop(
            "%(intermediair)s ended the ketenmachtiging you gave (reference %(kenmerk)s). "
            "Its users can no longer log in on behalf of your organisation."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.beeindigd_door_relatie",
        onderwerp=gettext_noop("%(relatie)s ended the ketenmachtiging"),
        tekst=gettext_noop(
            "%(relatie_label)s ended the ketenmachtiging it gave you (reference %(kenmerk)s). "
            "Your users can no longer log in on behalf of this relation. To act for it again, "
            "request a new ketenmachtiging."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.einde_bereikt",
        onderwerp=gettext_noop("Ketenmachtiging of %(relatie)s has ended"),
        tekst=gettext_noop(
            "The ketenmachtiging of %(relatie_label)s (reference %(kenmerk)s) reached the end "
            "date you chose and has ended."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.verlopen",
        onderwerp=gettext_noop("Ketenmachtiging of %(relatie)s has expired"),
        tekst=gettext_noop(
            "The ketenmachtiging of %(relatie_label)s reached its end date and has expired; it "
            "is now under Verlopen. To log in on behalf of this relation again, request a new "
            "ketenmachtiging."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.vervallen",
        onderwerp=gettext_noop("Request for %(relatie)s has lapsed"),
        tekst=gettext_noop(
            "The signed form for the ketenmachtiging of %(relatie_label)s did not arrive within "
            "3 months of the invitation (reference %(kenmerk)s). The request has been removed "
            "from the overview. You can send a new request."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.verlenging_nodig",
        onderwerp=gettext_noop("Ketenmachtiging of %(relatie)s expires on %(einddatum)s"),
        tekst=gettext_noop(
            "The ketenmachtiging of %(relatie_label)s expires on %(einddatum)s. To keep logging "
            "in on behalf of your relation, request a renewal in time: you find it under "
            "Ketenmachtigingen > van relaties, tab Acties. If the renewal is not requested "
            "before the end date, the ketenmachtiging moves to Verlopen and must be requested "
            "again."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.afgegeven",
        onderwerp=gettext_noop("%(relatie)s granted you a ketenmachtiging"),
        tekst=gettext_noop(
            "%(relatie_label)s registered a ketenmachtiging for your organisation: %(scope)s, "
            "until %(einddatum)s. It is active in Ketenmachtigingen van relaties; link the users "
            "who may use it."
        ),
        prepare=_label,
    )
    register(
        "ketenmachtigingen.import_klaar",
        onderwerp=gettext_noop("Import %(bestandsnaam)s is done"),
        tekst=gettext_noop(
            "All requests of %(bestandsnaam)s have been handled: %(aangemaakt)s sent, "
            "%(overgeslagen)s skipped (already active or pending), %(mislukt)s not sent. The "
            "import's page lists every row."
        ),
    )
    register(
        "ketenmachtigingen.mail_niet_bezorgd",
        onderwerp=gettext_noop("E-mail to %(ontvanger)s not delivered"),
        tekst=gettext_noop(
            "The e-mail “%(label)s” to %(ontvanger)s about %(relatie_label)s could not be "
            "delivered: %(fout)s\n\nCheck the e-mail address. On the ketenmachtiging's page you "
            "can send it again."
        ),
        prepare=_mail,
    )

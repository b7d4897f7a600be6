"""EH-middelen: the eHerkenning means issued on behalf of an organisation.

The manuals: "De beheermodule geeft, naast overzicht van alle eHerkenningmiddelen (EH-middelen)
die namens een bedrijf zijn aangeschaft, ook de mogelijkheid om ketenmachtigingen van relaties
aan te vragen en te beheren." A beheerder sees every means of the organisation (holder, level,
second factor, Belastingdienst only, issued on, valid until, status), filters and exports them,
and requests a new means for a colleague. The back office checks the colleague's identity and
issues the means (a new account, a membership and the means; the colleague gets an e-mail to
set a password, and enrols a second factor at the first login) or refuses the request.

The models live in ``accounts.models`` (``EHMiddel``, ``EHMiddelAanvraag``); this package holds
their reads, writes, forms, views and e-mail. Telling beheerders of means that expire soon
(berichtenbox, e-mail, the to-do list) and deactivating a colleague (which touches
ketenmachtigingen and groups) belong to the apps above: ``ketenmachtigingen.jobs`` and
``ketenmachtigingen.services.deactiveren``.
"""

"""Abonnementen: which modules of the beheermodule an organisation may use.

An organisation gets the ketenmachtiging functions only when it has an active subscription for
the module: it asks for access ("Vraag toegang aan"), the back office sends the quote for the
roll-out of ketenmachtigingen (offerte verstuurd), receives it signed (getekende offerte
ontvangen) and switches the module on from a date (actief, optionally until a date); later the
back office may end it. Nothing is deleted when a subscription ends: what the organisation has
stays readable, only changes are refused (``mixins.AbonnementRequiredMixin`` for the pages,
``api.permissions.HasAbonnement`` for the API).

The company side (a company granting a ketenmachtiging to its intermediair) needs no
subscription. This app sits above ``accounts`` and ``berichtenbox`` and below
``ketenmachtigingen``.
"""

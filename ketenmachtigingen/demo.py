"""Demo ketenmachtigingen (called by ``seed_demo``): every tab of the overview has something to
show, one is waiting in the back office, and a client company can grant one."""

import json
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from accounts import services as account_services
from accounts.constants import EHNiveau, Rol
from accounts.models import Organisatie, User
from diensten.models import Dienst, Dienstverlener
from diensten.scope import Scope, scope_save
from groepen.models import Groep

from .constants import Bron, Status
from .models import Ketenmachtiging, StatusWijziging, add_months, add_years

FIRST, SECOND = "30123456", "01098765"
KVK_DATA = Path(__file__).resolve().parent / "data" / "kvk_local.json"


def _bedrijven() -> list[dict]:
    data = json.loads(KVK_DATA.read_text())
    return [b for b in data["bedrijven"] if b.get("kvk_nummer") not in (FIRST, SECOND)]


def _km(
    intermediair: Organisatie,
    bedrijf: dict,
    *,
    status: str,
    dagen_geleden: int = 0,
    looptijd: int = 5,
    **extra,
) -> Ketenmachtiging:
    today = timezone.localdate()
    sent = timezone.now() - timedelta(days=dagen_geleden)
    fields = {
        "intermediair": intermediair,
        "intermediair_naam": intermediair.naam,
        "intermediair_kvk_nummer": intermediair.kvk_nummer,
        "relatie_naam": bedrijf["naam"],
        "relatie_kvk_nummer": bedrijf.get("kvk_nummer", ""),
        "relatie_rsin": bedrijf.get("rsin", ""),
        "relatie_adres": f"{bedrijf.get('straat', '')} {bedrijf.get('huisnummer', '')}".strip(),
        "relatie_postcode_plaats": " ".join(
            p for p in (bedrijf.get("postcode", ""), bedrijf.get("plaats", "")) if p
        ),
        "relatie_organisatie": Organisatie.objects.filter(
            kvk_nummer=bedrijf.get("kvk_nummer") or "-"
        ).first(),
        "looptijd_jaren": looptijd,
        "status": status,
        "algemene_bevoegdheid": True,
        "relatie_contact_email": "contact@example.nl",
        "contact_email": "beheerder@example.nl",
        "contact_telefoon": "+31301234567",
        "verstuurd_op": sent,
        "uitnodiging_geldig_tot": add_months(timezone.localdate(sent), 3),
        "taal": "nl",
    }
    if status != Status.FOUT:
        # The demo's history: the invitation went out when the request was sent.
        fields["uitnodiging_verzonden_op"] = sent
    if status in (Status.ACTIEF, Status.VERLOPEN):
        start = extra.pop("startdatum", today - timedelta(days=dagen_geleden))
        fields.update(
            startdatum=start,
            einddatum=add_years(start, looptijd),
            leverancier="Ketenportal",
            geactiveerd_op=sent,
        )
    fields.update(extra)
    km = Ketenmachtiging.objects.create(**fields)
    StatusWijziging.objects.create(ketenmachtiging=km, van="", naar=status, timestamp=sent)
    return km


def seed(stdout) -> None:
    first = Organisatie.objects.filter(kvk_nummer=FIRST).first()
    second = Organisatie.objects.filter(kvk_nummer=SECOND).first()
    if first is None or second is None or Ketenmachtiging.objects.exists():
        return
    bedrijven = _bedrijven()
    today = timezone.localdate()
    leden = {m.user.username: m for m in first.lidmaatschappen.select_related("user")}
    fiscalisten = Groep.objects.filter(organisatie=first, naam="Fiscalisten").first()
    uwv = Dienstverlener.objects.filter(naam_nl="UWV").first()
    diensten = list(Dienst.objects.usable_via_ketenmachtiging().order_by("naam_nl")[:3])

    actief = [
        _km(first, b, status=Status.ACTIEF, dagen_geleden=30 + 17 * i)
        for i, b in enumerate(bedrijven[:24])
    ]
    for km in actief:
        if "jan.smit" in leden:
            km.gebruikers.add(leden["jan.smit"])
    if fiscalisten:
        actief[0].groepen.add(fiscalisten)
    if uwv:
        actief[1].algemene_bevoegdheid = False
        actief[1].save(update_fields=["algemene_bevoegdheid"])
        scope_save(actief[1], Scope.of(dienstverleners=[uwv.pk]))
    if diensten:
        scope_save(actief[2], Scope.of(diensten=[d.pk for d in diensten]))
    actief[3].referentie = "DOSSIER-2024-117"
    actief[3].save(update_fields=["referentie"])
    # Ending within three months: the Acties tab.
    for i, b in enumerate(bedrijven[24:28]):
        _km(
            first,
            b,
            status=Status.ACTIEF,
            looptijd=5,
            startdatum=add_years(today, -5) + timedelta(days=20 + 15 * i),
        )
    # Waiting: sent, received, incomplete, error.
    _km(first, bedrijven[28], status=Status.VERSTUURD, dagen_geleden=20)
    _km(first, bedrijven[29], status=Status.VERSTUURD, dagen_geleden=80)
    _km(
        first, bedrijven[30], status=Status.ONTVANGEN, dagen_geleden=40, ontvangen_op=timezone.now()
    )
    _km(
        first,
        bedrijven[31],
        status=Status.INCOMPLEET,
        dagen_geleden=35,
        status_reden="De handtekening van de tweede bestuurder ontbreekt.",
    )
    _km(
        first,
        bedrijven[32],
        status=Status.FOUT,
        dagen_geleden=2,
        status_reden="De uitnodiging kon niet worden verstuurd: 550 mailbox unavailable",
    )
    # Expired.
    _km(
        first,
        bedrijven[33],
        status=Status.VERLOPEN,
        looptijd=1,
        startdatum=today - timedelta(days=400),
    )
    _km(
        first,
        bedrijven[34],
        status=Status.VERLOPEN,
        looptijd=1,
        startdatum=today - timedelta(days=500),
    )
    # The second intermediair has a few of its own.
    for i, b in enumerate(bedrijven[35:40]):
        _km(second, b, status=Status.ACTIEF, dagen_geleden=60 + i)
    _km(second, bedrijven[40], status=Status.VERSTUURD, dagen_geleden=5)

    # A client company with a beheerder, to try "afgegeven".
    donald = Organisatie.objects.filter(kvk_nummer="68750110").first()
    if donald and not User.objects.filter(username="bedrijf.beheerder").exists():
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.management.commands.seed_demo import DEMO_PASSWORD, demo_totp_key

        user = User.objects.create_user(
            username="bedrijf.beheerder",
            password=DEMO_PASSWORD,
            email="bedrijf@example.nl",
            voorletters="D.",
            last_name="Duck",
            eh_niveau=EHNiveau.EH3,
        )
        TOTPDevice.objects.create(
            user=user, name="default", confirmed=True, key=demo_totp_key(user.username)
        )
        account_services.lidmaatschap_create(
            actor=None, user=user, organisatie=donald, rol=Rol.BEHEERDER
        )
    total = Ketenmachtiging.objects.filter(bron=Bron.AANGEVRAAGD).count()
    stdout.write(f"Demo ketenmachtigingen: {total}.")

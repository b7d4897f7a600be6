"""Many at once: the spreadsheet import of relaties and the bulk renewal of the Acties tab.

Both do their heavy work in tasks that report progress, and both are safe to run twice: the
import moves a row pointer in the same transaction as the request it sends; the renewal creates
every renewal in one set-based transaction and lets the invitation sweep send them.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.constants import AuditAction, AuditKind
from accounts.context import current_via
from accounts.models import AuditEntry, Lidmaatschap, Organisatie, User
from diensten.scope import Scope
from groepen.models import Groep
from ketenportal.exceptions import DomainError
from ketenportal.utils.tasks import dispatch

from ..constants import UITNODIGING_GELDIG_MAANDEN, Bron, ImportStatus, Status, Tab
from ..exceptions import KetenmachtigingError, RenewalRowsInvalid
from ..models import (
    Import,
    Ketenmachtiging,
    StatusWijziging,
    add_months,
    new_kenmerk,
)
from ..related import RelatedRows
from ..signals import send_status
from .core import Contacten, Relatie, ketenmachtiging_request

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 25


# --- The import ------------------------------------------------------------------------------


def import_create(*, actor: User, organisatie: Organisatie, upload: UploadedFile) -> Import:
    """Check an uploaded spreadsheet, store it and start reading it (by a task, after commit).

    The whole file is checked here, before anything is stored: a file that is refused (not an
    .xlsx, too large, a zip bomb, no header row, too many rows) raises ``ImportFileError`` and
    leaves no file and no record behind, as the page says ("Er is niets opgeslagen"). The task
    then only looks the companies up.
    """
    from ..imports import MAX_IMPORT_BYTES, read_import_file
    from ..tasks import read_import

    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    if upload.size > MAX_IMPORT_BYTES:
        raise DomainError(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    read_import_file(upload, filename=name)
    upload.seek(0)
    with transaction.atomic():
        imp = Import(organisatie=organisatie, created_by=actor, bestandsnaam=name)
        imp.bestand.save("import.xlsx", upload, save=False)
        imp.save()
        dispatch(read_import, imp.pk)
    return imp


def _claim(import_id: int, from_status: str, to_status: str) -> Import | None:
    """Move an import from one status to the next; only one worker wins."""
    claimed = Import.objects.filter(pk=import_id, status=from_status).update(
        status=to_status, updated_at=timezone.now()
    )
    return Import.objects.get(pk=import_id) if claimed else None


def _import_language(import_id: int) -> str:
    """The language of the person who uploaded the import: its row messages and results are
    stored as text, written in their language (a task has no request to take it from)."""
    taal = Import.objects.filter(pk=import_id).values_list("created_by__taal", flat=True).first()
    return taal if taal in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def import_read(*, import_id: int) -> None:
    """Read the file, look every company up and note the rows with problems (the preview), in
    the language of the person who uploaded it."""
    with translation.override(_import_language(import_id)):
        _import_read(import_id=import_id)


def _import_read(*, import_id: int) -> None:
    from ..imports import ImportFileError, read_import_file
    from ..kvk import KvkError, lookup_active

    imp = _claim(import_id, ImportStatus.GELADEN, ImportStatus.LEZEN)
    if imp is None:
        return
    try:
        with imp.bestand.open("rb") as source:
            result = read_import_file(source, filename=imp.bestandsnaam)
    except (ImportFileError, OSError) as exc:
        # The upload was checked before it was stored, so this is a file damaged or lost in
        # storage: nothing of it may stay behind.
        logger.warning("import %s refused while reading: %s", imp.pk, getattr(exc, "code", exc))
        import_delete(imp=imp, reden=str(exc))
        return
    problemen = [{"rij": p.rij, "kvk": p.kvk_nummer, "reden": p.reden} for p in result.problems]
    Import.objects.filter(pk=imp.pk).update(totaal=len(result.rows), verwerkt=0)
    existing = _open_kvk_numbers(imp.organisatie, [r.kvk_nummer for r in result.rows])
    regels = []
    for index, row in enumerate(result.rows, start=1):
        if row.kvk_nummer == imp.organisatie.kvk_nummer:
            problemen.append(
                {
                    "rij": row.rij,
                    "kvk": row.kvk_nummer,
                    "reden": _("This is the KvK number of your own organisation; skipped."),
                }
            )
        elif row.kvk_nummer in existing:
            problemen.append(
                {
                    "rij": row.rij,
                    "kvk": row.kvk_nummer,
                    "reden": _(
                        "%(kvk)s already has an active or pending ketenmachtiging with you; "
                        "skipped."
                    )
                    % {"kvk": row.kvk_nummer},
                }
            )
        else:
            try:
                bedrijf = lookup_active(row.kvk_nummer)
            except KvkError as exc:
                problemen.append({"rij": row.rij, "kvk": row.kvk_nummer, "reden": str(exc)})
            else:
                relatie = Relatie.from_bedrijf(bedrijf)
                regels.append(
                    {
                        "rij": row.rij,
                        "relatie": relatie.__dict__,
                        "voorletters": row.voorletters,
                        "tussenvoegsel": row.tussenvoegsel,
                        "achternaam": row.achternaam,
                        "email": row.email,
                        "telefoon": row.telefoon,
                        "referentie": row.referentie,
                    }
                )
        if index % PROGRESS_EVERY == 0:
            Import.objects.filter(pk=imp.pk).update(verwerkt=index, updated_at=timezone.now())
    problemen.sort(key=lambda p: p["rij"])
    Import.objects.filter(pk=imp.pk).update(
        status=ImportStatus.GELEZEN,
        regels=regels,
        problemen=problemen,
        verwerkt=len(result.rows),
        updated_at=timezone.now(),
    )


def import_delete(*, imp: Import, reden: str, actor: User | None = None) -> None:
    """Delete a refused import: its stored file and its record, with an audit row."""
    with transaction.atomic():
        imp = Import.objects.select_for_update().filter(pk=imp.pk).first()
        if imp is None:
            return
        name = imp.bestand.name
        audit_log(
            actor=actor,
            organisatie=imp.organisatie,
            action=AuditAction.DELETE,
            kind=AuditKind.KETENMACHTIGING,
            obj=imp,
            changes={"bestand": {"old": imp.bestandsnaam, "new": None}},
            message=reden,
        )
        imp.delete()
        if name:
            # After commit: a rollback must not leave a record whose file is gone.
            storage = imp.bestand.storage
            transaction.on_commit(lambda: storage.delete(name))


def _open_kvk_numbers(organisatie: Organisatie, kvk_numbers: list[str]) -> set[str]:
    """KvK numbers among ``kvk_numbers`` with an active or pending ketenmachtiging here."""
    from ..selectors import tab_filter

    today = timezone.localdate()
    qs = Ketenmachtiging.objects.filter(
        intermediair=organisatie, relatie_kvk_nummer__in=set(kvk_numbers)
    ).filter(tab_filter(Tab.ACTIEF, today) | tab_filter(Tab.WACHTEND, today))
    return set(qs.values_list("relatie_kvk_nummer", flat=True))


def import_start_requests(
    *,
    actor: User,
    imp: Import,
    scope: Scope,
    gebruikers: list[Lidmaatschap],
    groepen: list[Groep],
    looptijd_jaren: int,
    referentie: str,
    contacten: dict,
    taal: str,
    persoonlijk_bericht: str,
    akkoord_kosten: bool,
) -> Import:
    """Verzend: store the choices and send one request per company, by a task."""
    from ..tasks import process_import

    if not akkoord_kosten:
        raise KetenmachtigingError(
            _("Agree to the costs of registering this ketenmachtiging to continue."),
            code="akkoord",
        )
    with transaction.atomic():
        imp = Import.objects.select_for_update().get(pk=imp.pk)
        if imp.status != ImportStatus.GELEZEN:
            raise KetenmachtigingError(_("This import has been sent already."), code="already_sent")
        if not imp.regels:
            raise KetenmachtigingError(_("The import has no companies to send."), code="empty")
        imp.keuzes = {
            "scope": {
                "algemeen": scope.algemeen,
                "dienstverleners": sorted(scope.dienstverlener_ids),
                "diensten": sorted(scope.dienst_ids),
            },
            "gebruikers": [m.pk for m in gebruikers],
            "groepen": [g.pk for g in groepen],
            "looptijd": looptijd_jaren,
            "referentie": referentie,
            "contacten": contacten,
            "taal": taal,
            "persoonlijk_bericht": persoonlijk_bericht,
            "actor": actor.pk,
        }
        imp.status = ImportStatus.VERWERKEN
        imp.totaal = len(imp.regels)
        imp.verwerkt = 0
        imp.volgende = 0
        imp.resultaat = {"aangemaakt": [], "overgeslagen": [], "mislukt": []}
        imp.updated_at = timezone.now()
        imp.save()
        dispatch(process_import, imp.pk)
    return imp


def import_process(*, import_id: int) -> None:
    """Send the requests of an import, one company at a time, continuing where it stopped; its
    results are written in the language of the person who uploaded it."""
    with translation.override(_import_language(import_id)):
        _import_process(import_id=import_id)


def _import_process(*, import_id: int) -> None:
    imp = Import.objects.filter(pk=import_id, status=ImportStatus.VERWERKEN).first()
    if imp is None:
        return
    keuzes = imp.keuzes
    actor = User.objects.filter(pk=keuzes.get("actor")).first()
    scope_data = keuzes["scope"]
    scope = (
        Scope.algemene_bevoegdheid()
        if scope_data["algemeen"]
        else Scope.of(
            dienstverleners=scope_data["dienstverleners"], diensten=scope_data["diensten"]
        )
    )
    gebruikers = list(
        Lidmaatschap.objects.filter(organisatie=imp.organisatie, pk__in=keuzes["gebruikers"])
    )
    groepen = list(Groep.objects.filter(organisatie=imp.organisatie, pk__in=keuzes["groepen"]))
    c = keuzes["contacten"]
    while True:
        with transaction.atomic():
            imp = Import.objects.select_for_update().get(pk=import_id)
            if imp.status != ImportStatus.VERWERKEN or imp.volgende >= len(imp.regels):
                break
            regel = imp.regels[imp.volgende]
            naam = regel["relatie"]["naam"]
            try:
                with transaction.atomic():
                    km = ketenmachtiging_request(
                        actor=actor,
                        intermediair=imp.organisatie,
                        relatie=Relatie(**regel["relatie"]),
                        scope=scope,
                        gebruikers=gebruikers,
                        groepen=groepen,
                        looptijd_jaren=keuzes["looptijd"],
                        referentie=regel["referentie"] or keuzes.get("referentie", ""),
                        contacten=Contacten(
                            voorletters=c["voorletters"],
                            tussenvoegsel=c["tussenvoegsel"],
                            achternaam=c["achternaam"],
                            email=c["email"],
                            telefoon=c["telefoon"],
                            relatie_email=regel["email"],
                            relatie_telefoon=regel["telefoon"],
                            relatie_voorletters=regel["voorletters"],
                            relatie_tussenvoegsel=regel["tussenvoegsel"],
                            relatie_achternaam=regel["achternaam"],
                        ),
                        taal=keuzes["taal"],
                        persoonlijk_bericht=keuzes["persoonlijk_bericht"],
                        akkoord_kosten=True,
                    )
                imp.resultaat["aangemaakt"].append(
                    {"rij": regel["rij"], "naam": naam, "kenmerk": km.kenmerk, "id": km.pk}
                )
            except KetenmachtigingError as exc:
                key = "overgeslagen" if exc.code == "duplicate" else "mislukt"
                imp.resultaat[key].append({"rij": regel["rij"], "naam": naam, "reden": str(exc)})
            imp.volgende += 1
            imp.verwerkt = imp.volgende
            if imp.volgende >= len(imp.regels):
                imp.status = ImportStatus.KLAAR
            imp.updated_at = timezone.now()
            imp.save(update_fields=["resultaat", "volgende", "verwerkt", "status", "updated_at"])
            if imp.status == ImportStatus.KLAAR:
                from ..notifications import notify_import_klaar

                notify_import_klaar(imp)


# --- Bulk renewal ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ontvanger:
    """The recipient of a renewal invitation, as edited on the Acties tab."""

    naam: str
    email: str
    taal: str


@dataclass(frozen=True)
class Contactpersoon:
    """The intermediair's own contact person, named in the invitation and on the form."""

    voorletters: str
    tussenvoegsel: str
    achternaam: str
    email: str
    telefoon: str


#: The longest recipient name a row may hold (``relatie_contact_achternaam``).
MAX_ONTVANGER_NAAM = 100


def renewal_row_problem(ontvanger: Ontvanger) -> str | None:
    """What is wrong with one edited row of the Acties tab, if anything."""
    if not ontvanger.email:
        return _("Enter the e-mail address of the recipient.")
    try:
        validate_email(ontvanger.email)
    except ValidationError:
        return _("“%(email)s” is not a valid e-mail address.") % {"email": ontvanger.email}
    if len(ontvanger.naam) > MAX_ONTVANGER_NAAM:
        return _("The name has %(length)s characters; at most %(max)s are allowed.") % {
            "length": len(ontvanger.naam),
            "max": MAX_ONTVANGER_NAAM,
        }
    if ontvanger.taal not in dict(settings.LANGUAGES):
        return _("Choose Dutch or English.")
    return None


def renewal_row_problems(ontvangers: dict[int, Ontvanger]) -> dict[int, str]:
    """The problem of each edited row that has one (see ``renewal_row_problem``)."""
    return {
        pk: problem
        for pk, ontvanger in ontvangers.items()
        if (problem := renewal_row_problem(ontvanger)) is not None
    }


def _recipient_name(km: Ketenmachtiging, ontvanger: Ontvanger | None) -> dict[str, str]:
    """The relatie contact's name fields of the renewal: as before when the row kept the name
    (so initials and infix stay apart), otherwise the typed name as one surname."""
    if ontvanger is None or ontvanger.naam.strip() == km.relatie_contact_naam:
        return {
            "relatie_contact_voorletters": km.relatie_contact_voorletters,
            "relatie_contact_tussenvoegsel": km.relatie_contact_tussenvoegsel,
            "relatie_contact_achternaam": km.relatie_contact_achternaam,
        }
    return {
        "relatie_contact_voorletters": "",
        "relatie_contact_tussenvoegsel": "",
        "relatie_contact_achternaam": ontvanger.naam.strip()[:MAX_ONTVANGER_NAAM],
    }


def ketenmachtigingen_renew(
    *,
    actor: User,
    organisatie: Organisatie,
    ontvangers: dict[int, Ontvanger],
    contact: Contactpersoon,
    akkoord_kosten: bool,
    alle: bool = False,
) -> list[Ketenmachtiging]:
    """Verleng selectie: one renewal request per chosen ketenmachtiging, created set-based in one
    transaction; the invitations are sent by tasks afterwards.

    ``ontvangers`` maps the ids of the chosen (and possibly edited) rows to their recipient;
    with ``alle`` every ketenmachtiging due on the Acties tab is renewed, the unedited ones to
    the recipient of their last invitation. As for one request, the beheerder must agree to the
    costs (``akkoord_kosten``) and ``contact`` is the office's contact person named in every
    invitation. Rows that cannot be renewed as typed raise ``RenewalRowsInvalid`` naming each.
    """
    from ..notifications import Event, notify_rows, row_of
    from ..selectors import ketenmachtigingen_for

    if not akkoord_kosten:
        raise KetenmachtigingError(
            _("Agree to the costs of registering this ketenmachtiging to continue."),
            code="akkoord",
        )
    try:
        validate_email(contact.email)
    except ValidationError as exc:
        raise KetenmachtigingError(
            _("Enter your own e-mail address, so that your relation can contact you."),
            code="contact",
        ) from exc
    now = timezone.now()
    geldig_tot = add_months(timezone.localdate(now), UITNODIGING_GELDIG_MAANDEN)
    with transaction.atomic():
        Organisatie.objects.select_for_update().get(pk=organisatie.pk)
        due = ketenmachtigingen_for(organisatie=organisatie, tab=Tab.ACTIES)
        if not alle:
            due = due.filter(pk__in=list(ontvangers))
        old = list(due)
        _refuse_duplicates(organisatie, old, [] if alle else list(ontvangers))
        if not old:
            raise KetenmachtigingError(
                _("Choose at least one ketenmachtiging to renew."), code="empty"
            )
        # Only rows of this organisation that are due count; anything else posted is ignored.
        ontvangers = {k.pk: ontvangers[k.pk] for k in old if k.pk in ontvangers}
        problems = renewal_row_problems(ontvangers)
        if problems:
            raise RenewalRowsInvalid(problems)
        missing = [
            k.relatie_naam for k in old if k.pk not in ontvangers and not k.relatie_contact_email
        ]
        if missing:
            raise KetenmachtigingError(
                _("Enter an e-mail address for: %(names)s.") % {"names": ", ".join(missing[:10])},
                code="email",
            )
        new = []
        for km in old:
            ontvanger = ontvangers.get(km.pk)
            new.append(
                Ketenmachtiging(
                    kenmerk=new_kenmerk(),
                    bron=Bron.AANGEVRAAGD,
                    status=Status.VERSTUURD,
                    intermediair=organisatie,
                    intermediair_naam=organisatie.naam,
                    intermediair_kvk_nummer=organisatie.kvk_nummer,
                    relatie_organisatie_id=km.relatie_organisatie_id,
                    relatie_naam=km.relatie_naam,
                    relatie_kvk_nummer=km.relatie_kvk_nummer,
                    relatie_rsin=km.relatie_rsin,
                    relatie_adres=km.relatie_adres,
                    relatie_postcode_plaats=km.relatie_postcode_plaats,
                    relatie_land=km.relatie_land,
                    algemene_bevoegdheid=km.algemene_bevoegdheid,
                    looptijd_jaren=km.looptijd_jaren,
                    referentie=km.referentie,
                    contact_voorletters=contact.voorletters.strip(),
                    contact_tussenvoegsel=contact.tussenvoegsel.strip(),
                    contact_achternaam=contact.achternaam.strip(),
                    contact_email=contact.email.strip(),
                    contact_telefoon=contact.telefoon.strip(),
                    **_recipient_name(km, ontvanger),
                    relatie_contact_email=ontvanger.email.strip()
                    if ontvanger
                    else km.relatie_contact_email,
                    relatie_contact_telefoon=km.relatie_contact_telefoon,
                    taal=ontvanger.taal if ontvanger else km.taal,
                    akkoord_kosten_op=now,
                    tarief=settings.KETENMACHTIGING_TARIEF,
                    verstuurd_op=now,
                    uitnodiging_geldig_tot=geldig_tot,
                    vernieuwing_van=km,
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                )
            )
        created = Ketenmachtiging.objects.bulk_create(new, batch_size=2000)
        # Scope, users and groups of the old ones, read as ids: no related manager per row.
        related = RelatedRows.load_ids([k.pk for k in old])
        _copy_links(old, created, related)
        StatusWijziging.objects.bulk_create(
            [
                StatusWijziging(
                    ketenmachtiging=k,
                    van="",
                    naar=Status.VERSTUURD,
                    actor=actor,
                    reden=_("Renewal"),
                    timestamp=now,
                )
                for k in created
            ],
            batch_size=2000,
        )
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    organisatie=organisatie,
                    actor=actor,
                    actor_repr=str(actor)[:200],
                    via=current_via()[:200],
                    timestamp=now,
                    action=AuditAction.CREATE,
                    kind=AuditKind.KETENMACHTIGING,
                    object_type=Ketenmachtiging._meta.label_lower,
                    object_id=str(k.pk),
                    object_repr=str(k)[:300],
                    changes={
                        "vernieuwing_van": {"old": None, "new": o.kenmerk},
                        "status": {"old": None, "new": Status.VERSTUURD},
                        "diensten": {"old": None, "new": related.scope_text_of(o)},
                        "relatie_contact_email": {"old": None, "new": k.relatie_contact_email},
                        "contact_email": {"old": None, "new": k.contact_email},
                        "akkoord_kosten_op": {"old": None, "new": now.isoformat()},
                    },
                    message="renewal",
                )
                for o, k in zip(old, created, strict=True)
            ],
            batch_size=2000,
        )
        send_status([{**row_of(k), "van": "", "naar": Status.VERSTUURD} for k in created])
        notify_rows(
            Event.AANGEVRAAGD,
            [
                {
                    **row_of(k),
                    "relatie_contact_email": k.relatie_contact_email,
                    "taal": k.taal,
                    "verstuurd_op": k.verstuurd_op,
                }
                for k in created
            ],
            key=lambda row: "0",
        )
    return created


def _refuse_duplicates(organisatie: Organisatie, due: list[Ketenmachtiging], chosen: list) -> None:
    """Refuse a renewal that would be a second pending request (call with the organisation
    locked): one chosen whose renewal was requested already (it left the Acties tab, in another
    tab or by a colleague), one whose relatie has a pending request, or one relatie chosen twice.
    The database's constraints would refuse them too, but without saying which."""
    from ..constants import PENDING
    from .core import _lapse_stale

    renewed = list(
        Ketenmachtiging.objects.filter(
            intermediair=organisatie,
            pk__in=[pk for pk in chosen if isinstance(pk, int)],
            vernieuwingen__status__in=[*PENDING, Status.ACTIEF],
        )
        .exclude(pk__in=[k.pk for k in due])
        .order_by("relatie_naam")
        .values_list("relatie_naam", flat=True)
        .distinct()
    )
    if renewed:
        raise KetenmachtigingError(
            _(
                "A renewal has already been requested for: %(names)s. Untick it and renew the "
                "others."
            )
            % {"names": ", ".join(renewed[:10])},
            code="duplicate",
        )

    def key(km) -> tuple[str, str]:
        return (km.relatie_kvk_nummer, "" if km.relatie_kvk_nummer else km.relatie_rsin)

    keys = {key(k) for k in due}
    kvks = {kvk for kvk, _rsin in keys if kvk}
    rsins = {rsin for _kvk, rsin in keys if rsin}
    of_relaties = Ketenmachtiging.objects.filter(intermediair=organisatie).filter(
        Q(relatie_kvk_nummer__in=kvks) | Q(relatie_kvk_nummer="", relatie_rsin__in=rsins)
    )
    _lapse_stale(of_relaties)
    pending = {
        (kvk, "" if kvk else rsin)
        for kvk, rsin in of_relaties.filter(status__in=PENDING).values_list(
            "relatie_kvk_nummer", "relatie_rsin"
        )
    }
    seen: set = set()
    twice = set()
    for k in due:
        if key(k) in seen:
            twice.add(key(k))
        seen.add(key(k))
    blocked = sorted({k.relatie_naam for k in due if key(k) in pending})
    if blocked:
        raise KetenmachtigingError(
            _(
                "A request for %(names)s is already waiting to be processed; a renewal would be "
                "a second one. Untick it and renew the others."
            )
            % {"names": ", ".join(blocked[:10])},
            code="duplicate",
        )
    doubles = sorted({k.relatie_naam for k in due if key(k) in twice})
    if doubles:
        raise KetenmachtigingError(
            _(
                "More than one ketenmachtiging of %(names)s is chosen; one renewal is enough. "
                "Untick the others."
            )
            % {"names": ", ".join(doubles[:10])},
            code="duplicate",
        )


def _copy_links(
    old: list[Ketenmachtiging], new: list[Ketenmachtiging], related: RelatedRows
) -> None:
    """Copy scope, users and groups of each old ketenmachtiging to its renewal, in bulk."""
    model = Ketenmachtiging
    rows: dict[str, list] = {"dienstverleners": [], "diensten": [], "gebruikers": [], "groepen": []}
    for field in rows:
        through = getattr(model, field).through
        fk = getattr(model, field).field.m2m_reverse_field_name()
        for o, n in zip(old, new, strict=True):
            for target_id in related.ids_of(field, o.pk):
                rows[field].append(through(ketenmachtiging_id=n.pk, **{f"{fk}_id": target_id}))
    for field, objs in rows.items():
        getattr(model, field).through.objects.bulk_create(objs, batch_size=5000)

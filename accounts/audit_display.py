"""How an audit row reads: the one place that turns stored machine values into words.

``accounts.audit.audit_log`` stores what changed as machine values (field names, choice values,
ISO dates, counts) so that the rows stay meaningful for years and in every language. This
module renders them at read time, in the reader's active language, for the "overige
wijzigingen" page and its CSV/XLSX export alike:

* a field's label is, in this order, the label in ``FIELD_LABELS`` (per model, then for every
  model), or the explicit ``verbose_name`` of the model's field;
* a value is shown with its choice label, booleans as yes/no, ISO dates as ``dd-mm-jjjj``,
  counted values (years, codes) with their unit, lists joined, known texts translated;
* the row's ``message`` (a machine tag such as ``"members added"``) and its action become one
  sentence (``describe``).

The other apps' models are named here by their label (``"groepen.groep"``) and their choices
by dotted path, resolved when a row is read, so ``accounts`` still imports nothing from the
apps above it.
"""

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone, translation
from django.utils.module_loading import import_string
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .constants import AuditAction, AuditKind

EMPTY_VALUE = "–"
HIDDEN_VALUES = {"********", "••••"}

#: Labels of keys that are not model fields, or whose field has no good verbose name.
#: ``"*"`` applies to every model; a model's own entry wins.
FIELD_LABELS: dict[str, dict[str, Any]] = {
    "*": {
        "user": _("User"),
        "rol": _("Role"),
        "naam": _("Name"),
        "status": _("Status"),
        "reden": _("Reason"),
        "relatie": _("Relation"),
        "intermediair": _("Intermediair"),
        "diensten": _("Services"),
        "gebruikers": _("Users"),
        "groepen": _("Groups"),
        "ketenmachtigingen": _("Ketenmachtigingen"),
        "eh_middelen": _("Active eHerkenning means"),
        "is_active": _("Can log in"),
        "leden": _("Members"),
        "looptijd_jaren": _("Term"),
        "kanaal": _("Channel"),
        "einde_gepland_op": _("Ends on"),
        "uitnodiging": _("Invitation sent again to"),
        "email_opnieuw": _("E-mail sent again to"),
        "feiten_gemaild_aan": _("Details e-mailed to"),
        "ondertekenaars": _("Signatories"),
        "bestand": _("File"),
        "password": _("Password"),
        "second_factor": _("Second factor"),
        "passkey": _("Passkey"),
        "backup_phone": _("Backup phone number"),
        "backup_codes": _("Backup codes"),
        "ingetrokken": _("Revoked"),
        "actief": _("Active"),
        "test": _("Test event"),
        "redeliver": _("Event sent again"),
        "omschrijving": _("Description"),
        "events": _("Events"),
        "toegang": _("Access"),
        "geldig_tot": _("Valid until"),
        "email": _("E-mail address"),
        "telefoonnummer": _("Phone number"),
        "telefoon": _("Phone number"),
        "taal": _("Language"),
        "email_berichten": _("E-mail on new messages"),
        "weekoverzicht": _("Weekly overview by e-mail"),
        "voorletters": _("Initials"),
        "tussenvoegsel": _("Infix"),
        "achternaam": _("Surname"),
        "herinneringen": _("Reminders to the relatie"),
        "herinnering_1_dagen": _("First reminder after (days)"),
        "herinnering_2_dagen": _("Second reminder after (days)"),
        "kvk_nummer": _("KvK number"),
        "algemene_bevoegdheid": _("General authority"),
        "vernieuwing_van": _("Renewal of"),
        "contact_email": _("E-mail address of the contact person"),
        "relatie_contact_email": _("E-mail address of the relatie's contact person"),
        "akkoord_kosten_op": _("Costs agreed on"),
    },
    "diensten.dienstverlener": {
        "new": _("New services"),
        "changed": _("Changed services"),
        "withdrawn": _("Withdrawn services"),
    },
    "ketenmachtigingen.import": {"bestand": _("Uploaded file")},
}

#: Keys whose values are choice values of a choices class that is not the model field's own.
VALUE_CHOICES: dict[str, str] = {
    "second_factor": "accounts.constants.SecondFactorUsed",
    "events": "api.constants.WebhookEvent",
    "toegang": "api.constants.Toegang",
    "rol": "accounts.constants.Rol",
}


def _years(value: Any) -> str:
    return ngettext("%(count)s year", "%(count)s years", value) % {"count": value}


def _codes(value: Any) -> str:
    return ngettext("%(count)s code", "%(count)s codes", value) % {"count": value}


def _hidden(value: Any) -> str:
    return str(_("(hidden)"))


#: Values with a unit or a special form, per key.
VALUE_FORMATTERS: dict[str, Callable[[Any], str]] = {
    "looptijd_jaren": _years,
    "backup_codes": _codes,
    "password": _hidden,
}

#: What the stored ``message`` tag of a row means, as a sentence.
MESSAGES: dict[str, Any] = {
    "sweep": _("Changed automatically by the portal"),
    "members added": _("Members added to the group"),
    "member removed": _("Member removed from the group"),
    "password changed": _("Password changed"),
    "password reset": _("Password reset with a link sent by e-mail"),
    "second factor added": _("Second factor added"),
    "passkey added": _("Passkey added"),
    "passkey renamed": _("Passkey renamed"),
    "passkey removed": _("Passkey removed"),
    "backup phone removed": _("Backup phone number removed"),
    "backup codes regenerated": _("New backup codes generated"),
    "invitation sent again": _("Invitation sent again"),
    "EH means requested": _("New eHerkenning means requested"),
    "account created for an EH means": _("Account created for a new eHerkenning means"),
    "EH means issued": _("eHerkenning means issued"),
    "deactivated": _("Colleague deactivated"),
    "linked": _("Users or groups linked"),
    "unlinked": _("Link removed"),
    "renewal": _("Renewal requested"),
    "duplicate ended by migration": _("Ended as a duplicate (one-off clean-up)"),
    "end scheduled": _("End date set"),
    "answered by the relatie": _("Answered by the relatie"),
    "granted": _("Ketenmachtiging granted"),
    "granted to us": _("Ketenmachtiging granted to this organisation"),
    "ended by the relatie": _("Ended by the relatie"),
    "ended by the intermediair": _("Ended by the intermediair"),
    "details e-mailed": _("Details e-mailed"),
    "e-mail sent again": _("E-mail sent again"),
    "revoked": _("API key revoked"),
    "test event queued": _("Test event sent"),
    "redelivery queued": _("Event sent again"),
    "catalogue imported": _("Service catalogue imported"),
    "signed form uploaded online": _("Signed form uploaded online"),
    "import file deleted after the retention period": _(
        "Import file deleted after the retention period"
    ),
    "refused upload": _("Refused upload deleted"),
    "correction": _("Status corrected"),
    "admin": _("Changed by platform staff (management environment)"),
}

#: Messages with a number in them: (pattern, the sentence for that number).
MESSAGE_PATTERNS = [
    (
        re.compile(r"^webhook endpoint disabled after (\d+) failed attempts in a row$"),
        lambda count: ngettext(
            "Webhook endpoint disabled after %(count)s failed attempt in a row",
            "Webhook endpoint disabled after %(count)s failed attempts in a row",
            count,
        ),
    ),
]

#: The sentence of a row without a known message: per (model, action), else per action.
SENTENCES: dict[tuple[str, str], Any] = {
    ("accounts.lidmaatschap", AuditAction.CREATE): _("Person added to the organisation"),
    ("accounts.lidmaatschap", AuditAction.UPDATE): _("Role changed"),
    ("accounts.lidmaatschap", AuditAction.DELETE): _("Person removed from the organisation"),
    ("accounts.user", AuditAction.UPDATE): _("Personal details changed"),
    ("accounts.organisatie", AuditAction.CREATE): _("Organisation registered"),
    ("accounts.organisatie", AuditAction.UPDATE): _("Organisation details changed"),
    ("groepen.groep", AuditAction.CREATE): _("Group created"),
    ("groepen.groep", AuditAction.UPDATE): _("Group changed"),
    ("groepen.groep", AuditAction.DELETE): _("Group deleted"),
    ("ketenmachtigingen.ketenmachtiging", AuditAction.CREATE): _("Ketenmachtiging added"),
    ("ketenmachtigingen.ketenmachtiging", AuditAction.UPDATE): _("Ketenmachtiging changed"),
    ("ketenmachtigingen.ketenmachtiging", AuditAction.TRANSITION): _("Status changed"),
    ("ketenmachtigingen.afzenderinstellingen", AuditAction.CREATE): _("Sender settings saved"),
    ("ketenmachtigingen.afzenderinstellingen", AuditAction.UPDATE): _("Sender settings changed"),
    ("ketenmachtigingen.import", AuditAction.DELETE): _("Import deleted"),
    ("api.apikey", AuditAction.CREATE): _("API key created"),
    ("api.apikey", AuditAction.UPDATE): _("API key changed"),
    ("api.webhookendpoint", AuditAction.CREATE): _("Webhook endpoint added"),
    ("api.webhookendpoint", AuditAction.UPDATE): _("Webhook endpoint changed"),
    ("api.webhookendpoint", AuditAction.DELETE): _("Webhook endpoint deleted"),
}
ACTION_SENTENCES: dict[str, Any] = {
    AuditAction.CREATE: _("%(object)s created"),
    AuditAction.UPDATE: _("%(object)s changed"),
    AuditAction.DELETE: _("%(object)s deleted"),
    AuditAction.TRANSITION: _("Status changed"),
}

#: Free texts that writers stored in their own language or in Dutch (status reasons of the
#: sweeps, scope summaries): shown in the reader's language when they match.
KNOWN_TEXTS = [
    _("Withdrawn: replaced by a new request"),
    _("Invitation sent again"),
    _("Request withdrawn"),
    _("Ended at once"),
    _("Ended by the relatie"),
    _("Renewal"),
    _("General authority: all services"),
]
#: The sweeps store their reasons in Dutch.
DUTCH_TEXTS = {
    "Einddatum bereikt": _("The end date was reached"),
    "Gekozen einddatum bereikt": _("The chosen end date was reached"),
    "Formulier niet binnen 3 maanden ontvangen": _("Form not received within 3 months"),
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


class ChangeLine(NamedTuple):
    field: str
    old: str
    new: str


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_label(object_type: str, name: str) -> str:
    """The label of field ``name`` of a row about ``object_type``, in the active language."""
    for table in (FIELD_LABELS.get(object_type, {}), FIELD_LABELS["*"]):
        if name in table:
            return str(table[name])
    field = _field(_model(object_type), name)
    # Only an explicit verbose name: Django's default is the field's name with spaces.
    if field is not None and getattr(field, "_verbose_name", None):
        return capfirst(str(field.verbose_name))
    if ": " in name:
        # The admin's inline rows: "<model> <object>: <field>".
        prefix, _sep, inner = name.rpartition(": ")
        return f"{prefix}: {field_label(object_type, inner)}"
    return capfirst(name.replace("_", " "))


@cache
def _choices_of(path: str) -> dict[str, Any]:
    try:
        return dict(import_string(path).choices)
    except ImportError:
        return {}


def _choice_labels(object_type: str, name: str) -> dict[str, Any]:
    field = _field(_model(object_type), name)
    if field is not None and field.choices:
        return dict(field.flatchoices)
    if name in VALUE_CHOICES:
        return _choices_of(VALUE_CHOICES[name])
    return {}


@cache
def _known_texts() -> dict[str, Any]:
    """Every known text by its English msgid and by its Dutch translation."""
    known: dict[str, Any] = dict(DUTCH_TEXTS)
    for text in KNOWN_TEXTS:
        for language in ("en", "nl"):
            with translation.override(language):
                known[str(text)] = text
    return known


def value_text(object_type: str, name: str, value: Any) -> str:
    """One stored value of field ``name`` as people read it, in the active language."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY_VALUE
    if isinstance(value, list | tuple):
        return ", ".join(value_text(object_type, name, item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {value_text(object_type, key, v)}" for key, v in value.items())
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if name in VALUE_FORMATTERS and not (isinstance(value, str) and value in HIDDEN_VALUES):
        return VALUE_FORMATTERS[name](value)
    if isinstance(value, str) and value in HIDDEN_VALUES:
        return str(_("(hidden)"))
    choices = _choice_labels(object_type, name)
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if isinstance(value, str):
        if value in _known_texts():
            return str(_known_texts()[value])
        if _ISO_DATE.match(value):
            try:
                return formats.date_format(date.fromisoformat(value), "d-m-Y")
            except ValueError:
                return value
        if _ISO_DATETIME.match(value):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "d-m-Y H:i")
    return str(value)


def change_lines(entry_or_changes: Any, object_type: str = "") -> list[ChangeLine]:
    """``{field: {"old": …, "new": …}}`` as readable lines, tolerant of odd stored shapes.

    The JSON was written by ``accounts.audit.diff``, but rows are kept for years and older
    writers may have stored other shapes: they are shown, not allowed to break the page.
    """
    changes = entry_or_changes
    if hasattr(entry_or_changes, "changes"):
        changes, object_type = entry_or_changes.changes, entry_or_changes.object_type
    if not isinstance(changes, Mapping):
        if changes in (None, "", [], {}):
            return []
        return [ChangeLine("", EMPTY_VALUE, value_text(object_type, "", changes))]
    lines = []
    # Sorted: PostgreSQL stores JSON objects with its own key order.
    for name, change in sorted(changes.items()):
        if isinstance(change, Mapping) and ("old" in change or "new" in change):
            old, new = change.get("old"), change.get("new")
        else:
            old, new = None, change
        lines.append(
            ChangeLine(
                field_label(object_type, str(name)),
                value_text(object_type, str(name), old),
                value_text(object_type, str(name), new),
            )
        )
    return lines


def _message_sentence(message: str) -> str | None:
    if message in MESSAGES:
        return str(MESSAGES[message])
    for pattern, text in MESSAGE_PATTERNS:
        if match := pattern.match(message):
            count = int(match.group(1))
            return text(count) % {"count": count}
    return None


def _object_noun(object_type: str) -> str:
    model = _model(object_type)
    return capfirst(str(model._meta.verbose_name)) if model is not None else object_type


def describe(entry: Any) -> str:
    """What happened, as one sentence in the active language."""
    if entry.message and (sentence := _message_sentence(entry.message)) is not None:
        return sentence
    if (entry.object_type, entry.action) in SENTENCES:
        return str(SENTENCES[(entry.object_type, entry.action)])
    template = ACTION_SENTENCES.get(entry.action)
    if template is None:
        return str(entry.action)
    return str(template) % {"object": _object_noun(entry.object_type)}


def extra_message(entry: Any) -> str:
    """A free-text message that ``describe`` did not already say (a refused import's reason)."""
    if not entry.message or _message_sentence(entry.message) is not None:
        return ""
    return entry.message


def actor_text(entry: Any) -> str:
    """Who did it; rows written by the portal itself say so in the reader's language."""
    if entry.actor_id is None and entry.actor_repr in ("systeem", ""):
        return str(_("The portal (automatic)"))
    return entry.actor_repr


#: A membership's name as it was stored ends in its role, in the writer's language:
#: "R. Jansen – Kantoor B.V. (Beheerder)".
_ROLE_AT_END = re.compile(r"\((Beheerder|Gebruiker|Administrator|User)\)$")
_ROLE_WORDS = {"Beheerder": "beheerder", "Administrator": "beheerder"} | {
    "Gebruiker": "gebruiker",
    "User": "gebruiker",
}


def object_text(entry: Any) -> str:
    """The object's name as stored, with a membership's role in the reader's language."""
    text = entry.object_repr
    if entry.object_type == "accounts.lidmaatschap" and (match := _ROLE_AT_END.search(text)):
        from .constants import Rol

        label = Rol(_ROLE_WORDS[match.group(1)]).label
        text = f"{text[: match.start()]}({label})"
    return text


def kind_text(entry: Any) -> str:
    return str(dict(AuditKind.choices).get(entry.kind, entry.kind))


def changes_text(entry: Any) -> str:
    """The changes of one row on one line, for the export's "Changes" column."""
    parts = [
        f"{line.field}: {line.old} → {line.new}" if line.field else f"{line.old} → {line.new}"
        for line in change_lines(entry)
    ]
    if message := extra_message(entry):
        parts.append(message)
    return "; ".join(parts)

"""The overview's table rows as HTML, written in Python (issue 17).

A page shows 50 rows (up to 250), each a disclosure with its details, its linked users and
groups (each with a "Verwijder" form) and its actions. Through the template engine that cost
half a millisecond a row, a third of the page's time at 20,000 ketenmachtigingen; here it is a
tenth of that. Every value goes through ``format_html`` or ``escape``: nothing a person typed
is written unescaped. The markup is the one the template had; ``overzicht.html`` places the
tabs' rows (``{{ rows_html }}``), the Acties form's rows (``{{ verleng_rijen_html }}``) and the
filter lists' options (``options_html``) inside its own table and select elements.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .constants import Status, Tab
from .rows import Row


def _date(value: date | datetime | None) -> str:
    """As the template filter ``date:"d-m-Y"``: a moment in local time, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return value.strftime("%d-%m-%Y")


class _Words:
    """The row's fixed words, translated once per page in the language of the request."""

    def __init__(self) -> None:
        self.rsin = _("RSIN")
        self.show = _("Show details")
        self.end_date = _("End date")
        self.valid_until = _("Valid until")
        self.scope = _("Authorisations")
        self.reason = _("Reason")
        self.missing = _("What is missing")
        self.users = _("Users")
        self.group = _("Group")
        self.remove = _("Remove")
        self.no_users = _("No users are linked yet.")
        self.add_user = _("Add user")
        self.renew = _("Request renewal")
        self.view_renewal = _("View the renewal")
        self.again = _("Request again")
        self.details = _("All details and history")
        self.renewal_requested = _("Renewal requested")


def options_html(options: Iterable[tuple[int, str]], current: str) -> SafeString:
    """``<option>`` elements for a filter's list: (value, label) pairs, the one whose value is
    ``current`` (as in the query string) selected."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (pk, mark_safe(" selected") if str(pk) == current else "", label)
            for pk, label in options
        ),
    )


def rows_html(rows: Iterable[Row], *, tab: str, csrf_token: str, page_path: str) -> SafeString:
    """The ``<tr>`` of each row, for the overview's table body."""
    words = _Words()
    csrf = escape(csrf_token)
    next_path = escape(page_path)
    return mark_safe("".join(_row(row, tab, words, csrf, next_path) for row in rows))


def _row(row: Row, tab: str, w: _Words, csrf: str, next_path: str) -> str:
    km = row.km
    sub = []
    if row.days_left is not None:
        sub.append(
            escape(
                ngettext("%(counter)s day left", "%(counter)s days left", row.days_left)
                % {"counter": row.days_left}
            )
        )
    if row.verlenging_text:
        sub.append(escape(row.verlenging_text))
    title_sub = format_html('<span class="kp-row__sub">{}</span>', mark_safe(" · ".join(sub)))

    details = []
    if km.einddatum:
        details.append(format_html("<dt>{}</dt><dd>{}</dd>", w.end_date, _date(km.einddatum)))
    if km.is_pending and km.uitnodiging_geldig_tot:
        details.append(
            format_html("<dt>{}</dt><dd>{}</dd>", w.valid_until, _date(km.uitnodiging_geldig_tot))
        )
    details.append(format_html("<dt>{}</dt><dd>{}</dd>", w.scope, row.scope))
    if km.status == Status.FOUT and km.status_reden:
        details.append(
            format_html('<dt>{}</dt><dd class="kp-error-text">{}</dd>', w.reason, km.status_reden)
        )
    elif km.status == Status.INCOMPLEET and km.status_reden:
        details.append(format_html("<dt>{}</dt><dd>{}</dd>", w.missing, km.status_reden))

    linked = [
        format_html(
            '<li class="kp-linked__item"><span>{}{}</span>'
            '<form method="post" action="{}" class="kp-inline-form">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="next" value="{}">'
            '<button type="submit" class="utrecht-button utrecht-button--subtle">{}'
            '<span class="kp-visually-hidden"> {}</span></button></form></li>',
            f"{w.group}: " if item.is_groep else "",
            item.naam,
            item.remove_url,
            mark_safe(csrf),
            mark_safe(next_path),
            w.remove,
            item.naam,
        )
        for item in row.linked
    ] or [format_html('<li class="kp-muted">{}</li>', w.no_users)]

    actions = []
    if row.gebruikers_url:
        actions.append(
            format_html(
                '<a class="utrecht-button-link utrecht-button utrecht-button--secondary-action" '
                'href="{}">{}</a>',
                row.gebruikers_url,
                w.add_user,
            )
        )
    if row.opnieuw_url:
        actions.append(
            format_html(
                '<form method="post" action="{}" class="kp-inline-form">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<button type="submit" class="utrecht-button utrecht-button--primary-action">{}'
                '<span class="kp-visually-hidden"> {}</span></button></form>',
                row.opnieuw_url,
                mark_safe(csrf),
                w.again,
                km.relatie_naam,
            )
        )
    if row.verlenging:
        actions.append(
            format_html(
                '<a class="utrecht-link" href="{}">{}</a>', row.verlenging_url, w.view_renewal
            )
        )
    elif row.renewal_due:
        actions.append(
            format_html(
                '<form method="post" action="{}" class="kp-inline-form">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<button type="submit" class="utrecht-button utrecht-button--primary-action">{}'
                "</button></form>",
                row.verleng_url,
                mark_safe(csrf),
                w.renew,
            )
        )
    actions.append(
        format_html('<a class="utrecht-link" href="{}">{}</a>', row.detail_url, w.details)
    )

    if km.relatie_kvk_nummer:
        identifier = escape(km.relatie_kvk_nummer)
    else:
        identifier = format_html("{} {}", w.rsin, km.relatie_rsin)
    status = [
        format_html(
            '<span class="kp-badge kp-badge--{}">{}</span>', row.status_css, row.status_label
        )
    ]
    if row.verlenging:
        status.append(format_html(' <span class="kp-marker">{}</span>', w.renewal_requested))
    if row.vernieuwing_van_kenmerk:
        status.append(
            format_html(
                ' <a class="kp-marker utrecht-link" href="{}">{}</a>',
                row.vernieuwing_van_url,
                _("Renewal of %(kenmerk)s") % {"kenmerk": row.vernieuwing_van_kenmerk},
            )
        )

    return format_html(
        '<tr class="kp-row"><td><details><summary>'
        '<span class="kp-row__title">{}{}</span>'
        '<span class="kp-visually-hidden">{}</span></summary>'
        '<div class="kp-row__body"><dl class="kp-dl">{}</dl>'
        '<h3 class="utrecht-heading-3 kp-section">{}</h3>'
        '<ul class="kp-linked">{}</ul>'
        '<div class="kp-actions">{}</div>'
        "</div></details></td>"
        '<td class="kp-cell-fit">{}</td>'
        '<td class="kp-cell-fit">{}</td>'
        '<td class="kp-cell-fit">{}</td>'
        '<td class="kp-cell-fit">{}</td>'
        '<td class="kp-cell-fit">{}</td></tr>\n',
        km.relatie_naam,
        title_sub if sub else "",
        w.show,
        mark_safe("".join(details)),
        w.users,
        mark_safe("".join(linked)),
        mark_safe("".join(actions)),
        # The columns in the order of the sortable headers (``listing.sort_headers``, ``Sort``).
        identifier,
        "" if tab == Tab.WACHTEND else _date(km.einddatum),
        _date(km.updated_at),
        km.referentie,
        mark_safe("".join(status)),
    )


def acties_rows_html(rijen: Iterable) -> SafeString:
    """The ``<tr>`` of each row of the Acties tab's renewal form (``views.overzicht.VerlengRij``:
    ticked or not, the recipient as stored or as just typed, what is wrong with it)."""
    kvk = _("KvK")
    renew = _("Request renewal")
    return mark_safe("".join(_actie(rij, kvk, renew) for rij in rijen))


def _actie(rij, kvk: str, renew: str) -> str:
    km = rij.km
    pk = km.pk
    naam = km.relatie_naam
    invalid = format_html(' aria-invalid="true" aria-describedby="fout-{}"', pk) if rij.fout else ""
    return format_html(
        '<tr id="rij-{pk}"{row_class}>'
        '<td class="kp-cell-fit"><input type="checkbox" '
        'class="utrecht-checkbox utrecht-checkbox--html-input" id="sel-{pk}" name="selectie" '
        'value="{pk}"{checked}{described}></td>'
        '<td><label for="sel-{pk}">{naam}</label><span class="kp-row__sub">{kvk} {identifier}'
        "</span>{fout}</td>"
        '<td><input type="text" class="utrecht-textbox utrecht-textbox--html-input" '
        'name="naam-{pk}" value="{ontvanger}" aria-label="{label_naam}" maxlength="100"{invalid}>'
        "</td>"
        '<td><input type="email" class="utrecht-textbox utrecht-textbox--html-input" '
        'name="email-{pk}" value="{email}" aria-label="{label_email}" maxlength="254"{invalid}>'
        "</td>"
        '<td><select class="utrecht-select utrecht-select--html-select" name="taal-{pk}" '
        'aria-label="{label_taal}"><option value="nl"{nl}>NL</option>'
        '<option value="en"{en}>EN</option></select></td>'
        '<td class="kp-cell-fit">{einddatum}</td>'
        '<td class="kp-cell-fit"><button type="submit" formaction="{verleng_url}" '
        'class="utrecht-button utrecht-button--subtle">{renew}'
        '<span class="kp-visually-hidden"> {naam}</span></button></td></tr>\n',
        pk=pk,
        row_class=mark_safe(' class="kp-row--invalid"') if rij.fout else "",
        checked=mark_safe(" checked") if rij.gekozen else "",
        described=format_html(' aria-describedby="fout-{}"', pk) if rij.fout else "",
        naam=naam,
        kvk=kvk,
        identifier=km.relatie_identifier,
        fout=format_html(
            '<p class="utrecht-form-field-error-message" id="fout-{}">{}</p>', pk, rij.fout
        )
        if rij.fout
        else "",
        ontvanger=rij.naam,
        label_naam=_("Name of recipient at %(naam)s") % {"naam": naam},
        email=rij.email,
        label_email=_("E-mail address of recipient at %(naam)s") % {"naam": naam},
        invalid=invalid,
        label_taal=_("Language for %(naam)s") % {"naam": naam},
        nl=mark_safe(" selected") if rij.taal == "nl" else "",
        en=mark_safe(" selected") if rij.taal == "en" else "",
        einddatum=_date(km.einddatum),
        verleng_url=rij.verleng_url,
        renew=renew,
    )

"""The service picker: one reusable, server-rendered component to choose a scope.

Include ``templates/includes/dienst_picker.html`` with the context from ``picker_context``. The
choice posts as ``<prefix>-algemeen``, ``<prefix>-dienstverleners`` and ``<prefix>-diensten``;
``ScopePickerForm`` validates it into a ``Scope``. Without JavaScript the search is a submit button
(``name="picker_action" value="search"``) that re-renders the page keeping the choices; with htmx
the results refresh as you type (``diensten:picker``) and the picker opens as a dialog.
"""

from dataclasses import dataclass

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Dienst, Dienstverlener
from .scope import Scope, scope_text
from .selectors import CatalogueSearch, diensten_search

PICKER_SEARCH_ACTION = "search"
#: The picker's own "Voeg machtiging(en) toe" button, where the picker is not the whole form.
PICKER_CONFIRM_ACTION = "confirm"


class ScopePickerForm(forms.Form):
    algemeen = forms.BooleanField(label=_("General authority"), required=False)
    dienstverleners = forms.ModelMultipleChoiceField(
        queryset=Dienstverlener.objects.filter(aangeboden=True),
        required=False,
        error_messages={
            "invalid_choice": _("One of the chosen service providers does not exist (any more)."),
            "invalid_pk_value": _("One of the chosen service providers does not exist."),
        },
    )
    diensten = forms.ModelMultipleChoiceField(
        queryset=Dienst.objects.usable_via_ketenmachtiging(),
        required=False,
        error_messages={
            "invalid_choice": _(
                "One of the chosen services cannot be used through a ketenmachtiging (any more)."
            ),
            "invalid_pk_value": _("One of the chosen services does not exist."),
        },
    )
    q = forms.CharField(
        label=_("Search by service or service provider"), required=False, max_length=100
    )

    def __init__(self, *args, require_choice: bool = True, **kwargs) -> None:
        kwargs.setdefault("prefix", "scope")
        super().__init__(*args, **kwargs)
        self.require_choice = require_choice

    def clean(self):
        cleaned = super().clean()
        if self.require_choice and not self.errors and self.scope.is_empty:
            raise forms.ValidationError(
                _("Choose general authority, a service provider or at least one service."),
                code="empty",
            )
        return cleaned

    @property
    def scope(self) -> Scope:
        data = self.cleaned_data
        if data.get("algemeen"):
            return Scope.algemene_bevoegdheid()
        return Scope.of(
            dienstverleners=[d.pk for d in data.get("dienstverleners") or []],
            diensten=[d.pk for d in data.get("diensten") or []],
        )


def _ids(values) -> set[int]:
    result = set()
    for value in values:
        try:
            result.add(int(value))
        except (TypeError, ValueError):
            continue
    return result


@dataclass
class PickerContext:
    id: str
    prefix: str
    q: str
    search: CatalogueSearch
    algemeen: bool
    dienstverlener_ids: set[int]
    dienst_ids: set[int]
    hidden_dienstverlener_ids: list[int]
    hidden_dienst_ids: list[int]
    search_url: str
    summary: str
    errors: list[str]
    allow_algemeen: bool = True


def picker_context(
    *,
    data=None,
    initial: Scope | None = None,
    prefix: str = "scope",
    picker_id: str = "dienst-picker",
    errors: list[str] | None = None,
    allow_algemeen: bool = True,
) -> PickerContext:
    """What the picker template needs: the current choice (from posted ``data`` or the
    ``initial`` scope), the search results, and the chosen items the results do not show."""
    if data is not None:
        algemeen = data.get(f"{prefix}-algemeen") in ("on", "true", "1", "True")
        dv_ids = _ids(data.getlist(f"{prefix}-dienstverleners"))
        dienst_ids = _ids(data.getlist(f"{prefix}-diensten"))
        q = (data.get(f"{prefix}-q") or "").strip()
    else:
        initial = initial or Scope()
        algemeen = initial.algemeen
        dv_ids = set(initial.dienstverlener_ids)
        dienst_ids = set(initial.dienst_ids)
        q = ""
    search = diensten_search(q=q)
    shown_dv = {g.dienstverlener.pk for g in search.groups}
    shown_diensten = {d.pk for g in search.groups for d in g.diensten}
    scope = (
        Scope.algemene_bevoegdheid()
        if algemeen
        else Scope.of(dienstverleners=dv_ids, diensten=dienst_ids)
    )
    return PickerContext(
        id=picker_id,
        prefix=prefix,
        q=q,
        search=search,
        algemeen=algemeen,
        dienstverlener_ids=dv_ids,
        dienst_ids=dienst_ids,
        hidden_dienstverlener_ids=sorted(dv_ids - shown_dv),
        hidden_dienst_ids=sorted(dienst_ids - shown_diensten),
        search_url=reverse("diensten:picker"),
        summary="" if scope.is_empty else scope_text(scope),
        errors=errors or [],
        allow_algemeen=allow_algemeen,
    )


def is_picker_search(request) -> bool:
    return request.POST.get("picker_action") == PICKER_SEARCH_ACTION


def is_picker_confirm(request) -> bool:
    return request.POST.get("picker_action") == PICKER_CONFIRM_ACTION

"""Views of the service catalogue: the catalogue page and the picker's search fragment."""

from django.views.generic import TemplateView

from accounts.mixins import BeheerderRequiredMixin

from .picker import picker_context
from .selectors import CATALOGUE_LIMIT, catalogue_counts, diensten_search


class CatalogusView(BeheerderRequiredMixin, TemplateView):
    """Machtigingen (the menu item and the page have one name, the manuals'): every offered
    dienst of the catalogue, searchable, read-only."""

    template_name = "diensten/catalogus.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "")
        context["search"] = diensten_search(q=q, limit=CATALOGUE_LIMIT)
        context["counts"] = catalogue_counts()
        return context


class PickerResultsView(BeheerderRequiredMixin, TemplateView):
    """The picker's results for a search, keeping the current choice (htmx fragment)."""

    template_name = "includes/dienst_picker_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        prefix = params.get("prefix", "scope")
        if not prefix.isidentifier():
            prefix = "scope"
        picker_id = params.get("picker_id", "dienst-picker")
        if not all(c.isalnum() or c in "-_" for c in picker_id):
            picker_id = "dienst-picker"
        context["picker"] = picker_context(
            data=params,
            prefix=prefix,
            picker_id=picker_id,
            allow_algemeen=params.get("allow_algemeen", "1") == "1",
        )
        # The count goes to the picker's status line (out of band), which a screen reader
        # announces instead of reading the whole list.
        context["oob"] = True
        return context

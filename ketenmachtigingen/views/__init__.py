"""Views of ketenmachtigingen, by area."""

from .aanvraag import AanvraagAnnuleerView, AanvraagView, GoedgekeurdView, VersturenView
from .afgegeven import (
    AfgegevenBeeindigView,
    AfgegevenDetailView,
    AfgegevenView,
    AfgevenView,
)
from .backoffice import BackofficeActieView, BackofficeDetailView, BackofficeView
from .beoordelen import TeBeoordelenDetailView, TeBeoordelenView
from .deactiveren import GebruikerDeactiveerView
from .export import ExportView
from .home import BackofficeStartView, HomeView
from .importeren import ImportDetailView, ImportView, TemplateDownloadView
from .instellingen import AfzenderView
from .overzicht import (
    BeeindigView,
    DetailView,
    FormulierView,
    GebruikerOntkoppelView,
    GebruikerToevoegenView,
    GroepOntkoppelView,
    MailOpnieuwView,
    OpnieuwAanvragenView,
    OpnieuwVersturenView,
    OverzichtView,
    VerlengSelectieView,
    VerlengView,
)

__all__ = [
    "GebruikerDeactiveerView",
    "AanvraagAnnuleerView",
    "AanvraagView",
    "AfgegevenBeeindigView",
    "AfgegevenDetailView",
    "AfgegevenView",
    "AfgevenView",
    "AfzenderView",
    "BackofficeActieView",
    "BackofficeDetailView",
    "BackofficeStartView",
    "BackofficeView",
    "BeeindigView",
    "DetailView",
    "ExportView",
    "FormulierView",
    "GebruikerOntkoppelView",
    "GebruikerToevoegenView",
    "GoedgekeurdView",
    "GroepOntkoppelView",
    "HomeView",
    "ImportDetailView",
    "ImportView",
    "MailOpnieuwView",
    "OpnieuwAanvragenView",
    "OpnieuwVersturenView",
    "OverzichtView",
    "TeBeoordelenDetailView",
    "TeBeoordelenView",
    "TemplateDownloadView",
    "VerlengSelectieView",
    "VerlengView",
    "VersturenView",
]

from django.urls import path

from . import views

app_name = "ketenmachtigingen"

VR = "ketenmachtigingen/van-relaties/"

urlpatterns = [
    path(
        "gebruikers/<int:pk>/deactiveer/",
        views.GebruikerDeactiveerView.as_view(),
        name="gebruiker_deactiveer",
    ),
    path(VR, views.OverzichtView.as_view(), name="van_relaties"),
    path(f"{VR}export/", views.ExportView.as_view(), name="export"),
    path(f"{VR}import/", views.ImportView.as_view(), name="import"),
    path(f"{VR}import/sjabloon.xlsx", views.TemplateDownloadView.as_view(), name="import_template"),
    path(f"{VR}import/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path(f"{VR}verleng-selectie/", views.VerlengSelectieView.as_view(), name="verleng_selectie"),
    path(f"{VR}nieuw/", views.AanvraagView.as_view(), name="nieuw"),
    path(f"{VR}nieuw/versturen/", views.VersturenView.as_view(), name="versturen"),
    path(f"{VR}nieuw/goedgekeurd/", views.GoedgekeurdView.as_view(), name="goedgekeurd"),
    path(f"{VR}nieuw/annuleren/", views.AanvraagAnnuleerView.as_view(), name="annuleren"),
    path(f"{VR}<int:pk>/", views.DetailView.as_view(), name="detail"),
    path(f"{VR}<int:pk>/gebruikers/", views.GebruikerToevoegenView.as_view(), name="gebruikers"),
    path(
        f"{VR}<int:pk>/gebruikers/<int:lid>/verwijder/",
        views.GebruikerOntkoppelView.as_view(),
        name="gebruiker_verwijder",
    ),
    path(
        f"{VR}<int:pk>/groepen/<int:groep>/verwijder/",
        views.GroepOntkoppelView.as_view(),
        name="groep_verwijder",
    ),
    path(f"{VR}<int:pk>/beeindig/", views.BeeindigView.as_view(), name="beeindig"),
    path(f"{VR}<int:pk>/verleng/", views.VerlengView.as_view(), name="verleng"),
    path(
        f"{VR}<int:pk>/opnieuw-aanvragen/",
        views.OpnieuwAanvragenView.as_view(),
        name="opnieuw_aanvragen",
    ),
    path(
        f"{VR}<int:pk>/opnieuw-versturen/",
        views.OpnieuwVersturenView.as_view(),
        name="opnieuw_versturen",
    ),
    path(
        f"{VR}<int:pk>/e-mail/<int:mail>/opnieuw/",
        views.MailOpnieuwView.as_view(),
        name="mail_opnieuw",
    ),
    path(f"{VR}<int:pk>/formulier.pdf", views.FormulierView.as_view(), name="formulier"),
    path("ketenmachtigingen/afgegeven/", views.AfgegevenView.as_view(), name="afgegeven"),
    path("ketenmachtigingen/afgegeven/nieuw/", views.AfgevenView.as_view(), name="afgeven"),
    path(
        "ketenmachtigingen/afgegeven/te-beoordelen/",
        views.TeBeoordelenView.as_view(),
        name="te_beoordelen",
    ),
    path(
        "ketenmachtigingen/afgegeven/te-beoordelen/<int:pk>/",
        views.TeBeoordelenDetailView.as_view(),
        name="te_beoordelen_detail",
    ),
    path(
        "ketenmachtigingen/afgegeven/<int:pk>/",
        views.AfgegevenDetailView.as_view(),
        name="afgegeven_detail",
    ),
    path(
        "ketenmachtigingen/afgegeven/<int:pk>/beeindig/",
        views.AfgegevenBeeindigView.as_view(),
        name="afgegeven_beeindig",
    ),
    path("instellingen/afzender/", views.AfzenderView.as_view(), name="afzender"),
    path("backoffice/", views.BackofficeView.as_view(), name="backoffice"),
    path("backoffice/start/", views.BackofficeStartView.as_view(), name="backoffice_start"),
    path("backoffice/<int:pk>/", views.BackofficeDetailView.as_view(), name="backoffice_detail"),
    path(
        "backoffice/<int:pk>/<str:actie>/",
        views.BackofficeActieView.as_view(),
        name="backoffice_actie",
    ),
]

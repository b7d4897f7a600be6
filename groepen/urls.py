from django.urls import path

from . import views

app_name = "groepen"

urlpatterns = [
    path("groepen/", views.GroepenView.as_view(), name="lijst"),
    path("groepen/nieuw/", views.GroepCreateView.as_view(), name="nieuw"),
    path("groepen/<int:pk>/", views.GroepDetailView.as_view(), name="detail"),
    path("groepen/<int:pk>/wijzig/", views.GroepRenameView.as_view(), name="wijzig"),
    path("groepen/<int:pk>/verwijder/", views.GroepDeleteView.as_view(), name="verwijder"),
    path("groepen/<int:pk>/gebruikers/", views.GroepLedenView.as_view(), name="leden"),
    path(
        "groepen/<int:pk>/gebruikers/<int:lid>/verwijder/",
        views.GroepLidRemoveView.as_view(),
        name="lid_verwijder",
    ),
    path("groepen/<int:pk>/diensten/", views.GroepDienstenView.as_view(), name="diensten"),
]

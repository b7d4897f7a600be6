"""``/api/v1/``: the REST API, its schema and its reference page."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import docs, views

app_name = "api"

router = SimpleRouter()
router.register("ketenmachtigingen", views.KetenmachtigingViewSet, basename="ketenmachtiging")
router.register("relaties", views.RelatieViewSet, basename="relatie")
router.register("diensten", views.DienstViewSet, basename="dienst")
router.register("dienstverleners", views.DienstverlenerViewSet, basename="dienstverlener")
router.register("gebruikers", views.GebruikerViewSet, basename="gebruiker")
router.register("groepen", views.GroepViewSet, basename="groep")
router.register("berichten", views.BerichtViewSet, basename="bericht")

urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.ReferenceView.as_view(), name="docs"),
    path("", include(router.urls)),
]

from django.urls import path

from . import views

app_name = "abonnementen"

BO = "backoffice/abonnementen/"

urlpatterns = [
    path("abonnement/", views.ToegangView.as_view(), name="toegang"),
    path("abonnement/toegang-aanvragen/", views.ToegangAanvragenView.as_view(), name="aanvragen"),
    path(BO, views.BackofficeLijstView.as_view(), name="backoffice_lijst"),
    path(f"{BO}nieuw/", views.BackofficeNieuwView.as_view(), name="backoffice_nieuw"),
    path(f"{BO}<int:pk>/", views.BackofficeDetailView.as_view(), name="backoffice_detail"),
    path(
        f"{BO}<int:pk>/<str:actie>/",
        views.BackofficeActieView.as_view(),
        name="backoffice_actie",
    ),
]

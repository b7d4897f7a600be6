from django.urls import path

from . import views

app_name = "berichtenbox"

urlpatterns = [
    path("berichtenbox/", views.BerichtenView.as_view(), name="lijst"),
    path("berichtenbox/<int:pk>/", views.BerichtView.as_view(), name="bericht"),
    path("berichtenbox/alles-gelezen/", views.AllesGelezenView.as_view(), name="alles_gelezen"),
]

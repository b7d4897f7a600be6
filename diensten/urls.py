from django.urls import path

from . import views

app_name = "diensten"

urlpatterns = [
    path("machtigingen/", views.CatalogusView.as_view(), name="catalogus"),
    path("diensten/kiezer/", views.PickerResultsView.as_view(), name="picker"),
]

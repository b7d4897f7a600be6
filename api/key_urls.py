from django.urls import path

from . import key_views

app_name = "api_keys"

urlpatterns = [
    path("instellingen/api/", key_views.ApiKeysView.as_view(), name="lijst"),
    path("instellingen/api/nieuw/", key_views.ApiKeyCreateView.as_view(), name="nieuw"),
    path(
        "instellingen/api/<int:pk>/intrekken/",
        key_views.ApiKeyRevokeView.as_view(),
        name="intrekken",
    ),
]

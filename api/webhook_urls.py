"""``/instellingen/webhooks/``: the organisation's webhook endpoints (``webhook_views``)."""

from django.urls import path

from . import webhook_views as views

app_name = "webhooks"

urlpatterns = [
    path("instellingen/webhooks/", views.WebhookListView.as_view(), name="lijst"),
    path("instellingen/webhooks/nieuw/", views.WebhookCreateView.as_view(), name="nieuw"),
    path("instellingen/webhooks/<int:pk>/", views.WebhookDetailView.as_view(), name="detail"),
    path(
        "instellingen/webhooks/<int:pk>/wijzig/",
        views.WebhookUpdateView.as_view(),
        name="wijzig",
    ),
    path(
        "instellingen/webhooks/<int:pk>/uitschakelen/",
        views.WebhookDisableView.as_view(),
        name="uitschakelen",
    ),
    path(
        "instellingen/webhooks/<int:pk>/inschakelen/",
        views.WebhookEnableView.as_view(),
        name="inschakelen",
    ),
    path(
        "instellingen/webhooks/<int:pk>/verwijder/",
        views.WebhookDeleteView.as_view(),
        name="verwijder",
    ),
    path("instellingen/webhooks/<int:pk>/test/", views.WebhookTestView.as_view(), name="test"),
    path(
        "instellingen/webhooks/<int:pk>/afleveringen/<int:delivery>/",
        views.WebhookDeliveryView.as_view(),
        name="aflevering",
    ),
    path(
        "instellingen/webhooks/<int:pk>/afleveringen/<int:delivery>/opnieuw/",
        views.WebhookRedeliverView.as_view(),
        name="opnieuw",
    ),
]

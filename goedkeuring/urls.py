from django.urls import path
from django.views.decorators.cache import never_cache

from . import views

app_name = "goedkeuring"

urlpatterns = [
    path("uitnodiging/klaar/", never_cache(views.KlaarView.as_view()), name="klaar"),
    path("uitnodiging/<str:token>/", never_cache(views.StartView.as_view()), name="start"),
    path(
        "uitnodiging/<str:token>/code-sturen/",
        never_cache(views.CodeSendView.as_view()),
        name="code_sturen",
    ),
    path("uitnodiging/<str:token>/code/", never_cache(views.CodeView.as_view()), name="code"),
    path(
        "uitnodiging/<str:token>/goedkeuren/",
        never_cache(views.GoedkeurenView.as_view()),
        name="goedkeuren",
    ),
    path(
        "uitnodiging/<str:token>/afwijzen/",
        never_cache(views.AfwijzenView.as_view()),
        name="afwijzen",
    ),
    path(
        "uitnodiging/<str:token>/formulier/",
        never_cache(views.FormulierView.as_view()),
        name="formulier",
    ),
    path("backoffice/ondertekend/<int:pk>/", views.UploadDownloadView.as_view(), name="upload"),
]

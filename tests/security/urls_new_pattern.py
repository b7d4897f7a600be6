"""The project's URLs plus one new page that nobody gave a sample or an access class: the
walkers must refuse it (security row 5). Used by test_walker's self-test only."""

from django.urls import path
from django.views.generic import TemplateView

from ketenportal.urls import urlpatterns as project_urlpatterns


class NieuwePaginaView(TemplateView):
    template_name = "placeholder.html"


urlpatterns = [
    *project_urlpatterns,
    path("nieuwe-pagina/<int:pk>/", NieuwePaginaView.as_view(), name="nieuwe_pagina"),
]

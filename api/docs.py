"""The schema and the reference page: public (no key needed), like any published API.

The reference page is Swagger UI from drf-spectacular-sidecar (static files, no CDN), with its
start script as a file of its own (``SpectacularSwaggerSplitView``): the strict CSP holds.
"""

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from .base import ApiViewMixin


class SchemaView(ApiViewMixin, SpectacularAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    schema = None  # the schema's own address is not part of the schema

    def dispatch(self, request, *args, **kwargs):
        # One schema for everyone, in the language its descriptions are written in (English):
        # not Dutch choice labels among English descriptions for a Dutch Accept-Language.
        # Rendered inside the override, after DRF has chosen the renderer.
        with translation.override("en"):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        return response


class ReferenceView(ApiViewMixin, SpectacularSwaggerSplitView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"

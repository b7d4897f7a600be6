"""The schema and the reference page: public (no key needed), like any published API.

The reference page is Swagger UI from drf-spectacular-sidecar (static files, no CDN), with its
start script as a file of its own (``SpectacularSwaggerSplitView``): the strict CSP holds.
"""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from .base import ApiViewMixin


class SchemaView(ApiViewMixin, SpectacularAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []


class ReferenceView(ApiViewMixin, SpectacularSwaggerSplitView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"

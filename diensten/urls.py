from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.mixins import BeheerderRequiredMixin
from accounts.views import PlaceholderView

app_name = "diensten"


class CatalogusView(BeheerderRequiredMixin, PlaceholderView):
    title = _("Service catalogue")


urlpatterns = [
    path("machtigingen/", CatalogusView.as_view(), name="catalogus"),
]

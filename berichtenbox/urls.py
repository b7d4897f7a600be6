from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.mixins import BeheerderRequiredMixin
from accounts.views import PlaceholderView

app_name = "berichtenbox"


class BerichtenboxView(BeheerderRequiredMixin, PlaceholderView):
    title = _("Berichtenbox")


urlpatterns = [
    path("berichtenbox/", BerichtenboxView.as_view(), name="lijst"),
]

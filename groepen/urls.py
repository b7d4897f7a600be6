from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.mixins import BeheerderRequiredMixin
from accounts.views import PlaceholderView

app_name = "groepen"


class GroepenView(BeheerderRequiredMixin, PlaceholderView):
    title = _("Groups")


urlpatterns = [
    path("groepen/", GroepenView.as_view(), name="lijst"),
]

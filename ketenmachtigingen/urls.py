from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.mixins import BeheerderRequiredMixin, KetenmachtigingAccessMixin, StaffRequiredMixin
from accounts.views import PlaceholderView

app_name = "ketenmachtigingen"


class VanRelatiesView(KetenmachtigingAccessMixin, PlaceholderView):
    title = _("Ketenmachtigingen from relations")


class AfgegevenView(KetenmachtigingAccessMixin, PlaceholderView):
    title = _("Ketenmachtigingen granted")


class OverigeWijzigingenView(BeheerderRequiredMixin, PlaceholderView):
    title = _("Other changes")


class AfzenderView(BeheerderRequiredMixin, PlaceholderView):
    title = _("Sender settings")


class BackofficeView(StaffRequiredMixin, PlaceholderView):
    title = _("Back office")


urlpatterns = [
    path("ketenmachtigingen/van-relaties/", VanRelatiesView.as_view(), name="van_relaties"),
    path("ketenmachtigingen/afgegeven/", AfgegevenView.as_view(), name="afgegeven"),
    path("overige-wijzigingen/", OverigeWijzigingenView.as_view(), name="overige_wijzigingen"),
    path("instellingen/afzender/", AfzenderView.as_view(), name="afzender"),
    path("backoffice/", BackofficeView.as_view(), name="backoffice"),
]

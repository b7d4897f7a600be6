"""The API's resources (a first cut: helpers extend this)."""

from rest_framework import mixins, serializers, viewsets

from ketenmachtigingen import selectors
from ketenmachtigingen.models import Ketenmachtiging

from .base import ApiViewMixin


class KetenmachtigingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ketenmachtiging
        fields = ["id", "kenmerk", "status", "relatie_naam", "relatie_kvk_nummer", "einddatum"]


class KetenmachtigingViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = KetenmachtigingSerializer
    queryset = Ketenmachtiging.objects.none()  # for the schema; get_queryset scopes it

    def get_queryset(self):
        return selectors.ketenmachtigingen_for(organisatie=self.organisatie).order_by("pk")

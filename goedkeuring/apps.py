from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoedkeuringConfig(AppConfig):
    name = "goedkeuring"
    verbose_name = _("Online approval")

    def ready(self) -> None:
        from .emails import register_kinds

        register_kinds()

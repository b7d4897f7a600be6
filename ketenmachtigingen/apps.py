from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KetenmachtigingenConfig(AppConfig):
    name = "ketenmachtigingen"
    verbose_name = _("Ketenmachtigingen")

    def ready(self) -> None:
        from accounts.management.commands.seed_demo import DEMO_SEEDERS

        from .berichten import register_texts
        from .demo import seed
        from .ehmiddelen import register_texts as register_ehmiddel_texts
        from .emails import register_kinds
        from .weekoverzicht import register_kind as register_weekoverzicht

        if seed not in DEMO_SEEDERS:
            DEMO_SEEDERS.append(seed)
        register_texts()
        register_ehmiddel_texts()
        register_kinds()
        register_weekoverzicht()

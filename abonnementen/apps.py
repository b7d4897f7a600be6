from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AbonnementenConfig(AppConfig):
    name = "abonnementen"
    verbose_name = _("Subscriptions")

    def ready(self) -> None:
        from accounts.management.commands.seed_demo import DEMO_SEEDERS

        from .berichten import register_texts
        from .demo import seed
        from .emails import register_kinds

        if seed not in DEMO_SEEDERS:
            DEMO_SEEDERS.append(seed)
        register_texts()
        register_kinds()

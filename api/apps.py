from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The webhook outbox listens to the lifecycle's signals (ketenmachtigingen.signals).
        from . import berichten, webhooks  # noqa: F401

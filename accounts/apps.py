from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        from two_factor.plugins.registry import registry

        from . import signals, sms  # noqa: F401  (connects the receivers)
        from .ehmiddelen.emails import register_kinds as register_ehmiddel_kinds
        from .emails import register_kinds
        from .two_factor import SmsMethod

        register_kinds()
        register_ehmiddel_kinds()
        sms.install()
        # Our SMS method validates that the number is a Dutch mobile number.
        registry.unregister("sms")
        registry.register(SmsMethod())

"""``manage.py demo_code USERNAME``: print a demo account's current TOTP code (not production)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo account."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("demo_code is not available with production settings.")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"No authenticator device for {username!r}.")
        self.stdout.write(f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}")

"""Texts of Django itself that its Dutch catalogue lacks (new in Django 5.2), written out here so
``make messages`` keeps them in ours. Never called."""

from django.utils.translation import ngettext


def _django_texts() -> None:
    # django.contrib.auth.password_validation.MinimumLengthValidator.get_error_message
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        0,
    )

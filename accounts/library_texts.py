"""Texts of django-two-factor-auth, django-otp and django-axes that people see but that those
libraries have no Dutch for (django-otp and django-axes ship no Dutch catalogue at all; the
two-factor one lacks its newer texts). Written out here so ``make messages`` keeps them in our
catalogue, which Django prefers over the libraries' own (``LOCALE_PATHS``). Never called.

``tests/i18n/test_complete.py`` fails when one of them shows in English on a Dutch page."""

from django.utils.translation import gettext, ngettext


def _library_texts() -> None:
    # django_otp.forms.OTPAuthenticationFormMixin: the code step of the login and of the
    # verification of a session.
    gettext("Please enter your OTP token.")
    gettext("Error generating challenge: {0}")
    gettext("The selected OTP device is not interactive")
    gettext("OTP Challenge: {0}")
    gettext("Invalid token. Please make sure you have entered it correctly.")
    ngettext(
        "Verification temporarily disabled because of %(failure_count)d failed attempt, please "
        "try again soon.",
        "Verification temporarily disabled because of %(failure_count)d failed attempts, please "
        "try again soon.",
        0,
    )
    gettext("Verification of the token is currently disabled")
    gettext("Please select a device.")
    # django_otp.plugins.otp_email (codes by e-mail: not offered, but its model is in the admin)
    gettext("Token generation cooldown period has not expired yet. Next generation allowed %s.")
    gettext("Token generation is not allowed at this time")
    gettext("sent by email")
    # django_otp's admin login template (the admin uses the two-factor login instead)
    gettext("OTP Device:")
    gettext("OTP Token:")
    gettext("Get OTP Challenge")

    # two_factor: the code field of every form, and methods we do not offer.
    gettext("Token")
    gettext("TOTP Secret:")
    gettext("WebAuthn")
    gettext("WebAuthn Token")
    gettext("YubiKey")

    # axes: the lock-out message and its admin (back-office staff see the attempts and logs).
    gettext("Account locked: too many login attempts. Please try again later.")
    gettext("Account locked: too many login attempts. Contact an admin to unlock your account.")
    gettext("Locked Out")
    gettext("Form Data")
    gettext("Meta Data")
    gettext("Clean up expired attempts")
    gettext("Cleaned up {count} expired access attempts.")
    gettext("Not set")
    gettext("Attempt Remaining")
    gettext("User Agent")
    gettext("IP Address")
    gettext("HTTP Accept")
    gettext("Path")
    gettext("Attempt Time")
    gettext("Access lock out")
    gettext("access failure")
    gettext("access failures")
    gettext("GET Data")
    gettext("POST Data")
    gettext("Failed Logins")
    gettext("access attempt")
    gettext("access attempts")
    gettext("Access Attempt")
    gettext("Expires At")
    gettext("The time when access attempt expires and is no longer valid.")
    gettext("access attempt expiration")
    gettext("access attempt expirations")
    gettext("Logout Time")
    gettext("Session key hash (sha256)")
    gettext("access log")
    gettext("access logs")

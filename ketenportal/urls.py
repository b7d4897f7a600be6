"""The addresses of Ketenportal. They are stable: people bookmark them."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from two_factor import views as two_factor_views

from accounts import passkeys as account_passkeys
from accounts import two_factor as account_two_factor
from accounts import views as account_views
from accounts.middleware import second_factor_enrolment
from ketenmachtigingen.views import home as ketenmachtigingen_views
from ketenportal import views as site_views


@login_not_required
def admin_login(request):
    """The admin has no login of its own: everyone passes the two-factor login."""
    return redirect(f"{reverse('two_factor:login')}?next={reverse('admin:index')}")


admin.site.login = admin_login
admin.site.site_header = _("Ketenportal administration")

# django-two-factor-auth's pages, listed one by one: there is deliberately no page to switch the
# second factor off, and the setup pages are open to a person without a device, or to a verified
# person who entered the password again (accounts.two_factor).
two_factor_patterns = (
    [
        path("account/login/", account_views.LoginView.as_view(), name="login"),
        path(
            "account/two_factor/setup/",
            second_factor_enrolment(account_two_factor.SetupView.as_view()),
            name="setup",
        ),
        path(
            "account/two_factor/qrcode/",
            second_factor_enrolment(account_two_factor.QRGeneratorView.as_view()),
            name="qr",
        ),
        path(
            "account/two_factor/setup/complete/",
            two_factor_views.SetupCompleteView.as_view(),
            name="setup_complete",
        ),
        path(
            "account/two_factor/backup/tokens/",
            account_two_factor.BackupTokensView.as_view(),
            name="backup_tokens",
        ),
        path(
            "account/two_factor/reservenummer/",
            account_two_factor.BackupPhoneSetupView.as_view(),
            name="phone_create",
        ),
        path(
            "account/two_factor/reservenummer/<int:pk>/verwijder/",
            account_two_factor.BackupPhoneDeleteView.as_view(),
            name="phone_delete",
        ),
        path("account/two_factor/", two_factor_views.ProfileView.as_view(), name="profile"),
    ],
    "two_factor",
)

# django-otp-webauthn's ceremonies under the library's names (its scripts' configuration reverses
# them), with Ketenportal's views: a passkey is a second factor only (accounts.passkeys).
otp_webauthn_patterns = (
    [
        path(
            "account/passkey/registratie/begin/",
            account_passkeys.RegistrationBeginView.as_view(),
            name="credential-registration-begin",
        ),
        path(
            "account/passkey/registratie/klaar/",
            account_passkeys.RegistrationCompleteView.as_view(),
            name="credential-registration-complete",
        ),
        path(
            "account/passkey/inloggen/begin/",
            account_passkeys.AuthenticationBeginView.as_view(),
            name="credential-authentication-begin",
        ),
        path(
            "account/passkey/inloggen/klaar/",
            account_passkeys.AuthenticationCompleteView.as_view(),
            name="credential-authentication-complete",
        ),
        path(
            "account/passkey/jsi18n/",
            login_not_required(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])),
            name="js-i18n-catalog",
        ),
    ],
    "otp_webauthn",
)

urlpatterns = [
    path("", ketenmachtigingen_views.HomeView.as_view(), name="home"),
    path("", include(otp_webauthn_patterns)),
    path("", include(two_factor_patterns)),
    path("", include("accounts.urls")),
    path("", include("diensten.urls")),
    path("", include("groepen.urls")),
    path("", include("berichtenbox.urls")),
    path("", include("abonnementen.urls")),
    path("", include("ketenmachtigingen.urls")),
    path("", include("goedkeuring.urls")),
    path("", include("api.key_urls")),
    path("", include("api.webhook_urls")),
    path("api/v1/", include("api.urls")),
    path("health/", account_views.HealthView.as_view(), name="health"),
    path(".well-known/security.txt", site_views.security_txt, name="security_txt"),
    path("admin/", admin.site.urls),
]

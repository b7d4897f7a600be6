from django.urls import path

from . import passkeys, views, views_audit

app_name = "accounts"

urlpatterns = [
    path("account/verifieer/", views.VerifyView.as_view(), name="verify"),
    path("account/certificaat/", views.CertificaatLoginView.as_view(), name="certificaat_login"),
    path("account/uitloggen/", views.LogoutView.as_view(), name="logout"),
    path("account/bevestig-wachtwoord/", views.ReauthView.as_view(), name="reauth"),
    path("account/wachtwoord-vergeten/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "account/wachtwoord-vergeten/verstuurd/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "account/wachtwoord-herstellen/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/wachtwoord-herstellen/klaar/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "account/gebruikersnaam-vergeten/",
        views.UsernameRecoveryView.as_view(),
        name="username_recovery",
    ),
    path(
        "account/gebruikersnaam-vergeten/verstuurd/",
        views.UsernameRecoveryDoneView.as_view(),
        name="username_recovery_done",
    ),
    path("profiel/", views.ProfielView.as_view(), name="profiel"),
    path("profiel/passkeys/", passkeys.PasskeysView.as_view(), name="passkeys"),
    path("profiel/wachtwoord/", views.PasswordChangeView.as_view(), name="password_change"),
    path("gebruikers/", views.GebruikersView.as_view(), name="gebruikers"),
    path("gebruikers/<int:pk>/", views.GebruikerDetailView.as_view(), name="gebruiker"),
    path("gebruikers/<int:pk>/rol/", views.GebruikerRolView.as_view(), name="gebruiker_rol"),
    path(
        "gebruikers/<int:pk>/verwijder/",
        views.GebruikerVerwijderView.as_view(),
        name="gebruiker_verwijder",
    ),
    path("organisatie/wissel/", views.organisatie_switch, name="organisatie_switch"),
    path("taal/", views.taal, name="taal"),
    path("overige-wijzigingen/", views_audit.AuditLogView.as_view(), name="overige_wijzigingen"),
    path(
        "overige-wijzigingen/export/",
        views_audit.AuditExportView.as_view(),
        name="overige_wijzigingen_export",
    ),
]

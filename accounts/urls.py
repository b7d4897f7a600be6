from django.urls import path

from . import passkeys, views, views_audit
from .ehmiddelen import views as ehmiddelen

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
    path("eh-middelen/", ehmiddelen.EHMiddelenView.as_view(), name="ehmiddelen"),
    path("eh-middelen/export/", ehmiddelen.EHMiddelExportView.as_view(), name="ehmiddelen_export"),
    path(
        "eh-middelen/aanvragen/",
        ehmiddelen.EHMiddelAanvragenView.as_view(),
        name="ehmiddel_aanvragen",
    ),
    path("eh-middelen/<int:pk>/", ehmiddelen.EHMiddelDetailView.as_view(), name="ehmiddel"),
    path(
        "backoffice/eh-middelen/",
        ehmiddelen.BackofficeAanvragenView.as_view(),
        name="backoffice_ehmiddelen",
    ),
    path(
        "backoffice/eh-middelen/<int:pk>/",
        ehmiddelen.BackofficeAanvraagView.as_view(),
        name="backoffice_ehmiddel",
    ),
    path(
        "backoffice/eh-middelen/<int:pk>/uitgeven/",
        ehmiddelen.BackofficeUitgevenView.as_view(),
        name="backoffice_ehmiddel_uitgeven",
    ),
    path(
        "backoffice/eh-middelen/<int:pk>/weigeren/",
        ehmiddelen.BackofficeWeigerenView.as_view(),
        name="backoffice_ehmiddel_weigeren",
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

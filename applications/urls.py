from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .views import accounts, appeals, applications, case, copies, journal, organisations

urlpatterns = [
    # Accounts: registration is ours; log-in, log-out and password reset are Django's views.
    path("konto/registrer/", accounts.register, name="register"),
    path("konto/registrert/", accounts.register_done, name="register_done"),
    path("konto/bekreft/<uidb64>/<token>/", accounts.verify_email, name="verify_email"),
    path(
        "konto/logg-inn/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("konto/logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "konto/glemt-passord/",
        auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "konto/glemt-passord/sendt/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"
    ),
    path(
        "konto/nytt-passord/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path(
        "konto/nytt-passord/ferdig/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The public journal (offentlig journal)
    path("journal/", journal.journal_index, name="journal_index"),
    path("journal/<slug:slug>/", journal.journal, name="journal"),
    path("journal/<slug:slug>/journal.csv", journal.journal_csv, name="journal_csv"),
    path("journal/<slug:slug>/journal.json", journal.journal_json, name="journal_json"),
    # Organisations
    path("organisasjoner/", organisations.organisation_list, name="organisations"),
    path("organisasjoner/ny/", organisations.organisation_register, name="organisation_register"),
    path("organisasjoner/bli-med/", organisations.organisation_join, name="organisation_join"),
    path(
        "organisasjoner/foresporsel/<int:pk>/",
        organisations.organisation_join_decide,
        name="organisation_join_decide",
    ),
    # Applications
    path("utlysninger/<int:call_pk>/sok/", applications.application_start, name="application_start"),
    path("soknader/", applications.my_applications, name="my_applications"),
    path("soknader/<int:pk>/", applications.application_detail, name="application_detail"),
    path("soknader/<int:pk>/steg/<slug:step>/", applications.application_step, name="application_step"),
    path("soknader/<int:pk>/vedlegg/", applications.attachment_upload, name="attachment_upload"),
    path(
        "soknader/<int:pk>/vedlegg/<int:attachment_pk>/fjern/",
        applications.attachment_remove,
        name="attachment_remove",
    ),
    path("soknader/<int:pk>/send-inn/", applications.application_submit, name="application_submit"),
    path("soknader/<int:pk>/kvittering/", applications.application_receipt, name="application_receipt"),
    path("soknader/<int:pk>/soknad.pdf", copies.application_copy, name="application_copy"),
    path("soknader/<int:pk>/trekk/", applications.application_withdraw, name="application_withdraw"),
    path("soknader/<int:pk>/meldinger/", case.case_message_post, name="case_message_post"),
    path(
        "soknader/<int:pk>/ettersending/<int:request_pk>/",
        case.supplement_answer_view,
        name="supplement_answer",
    ),
    path("soknader/<int:pk>/klage/", appeals.appeal_lodge_view, name="appeal_lodge"),
    path("vedlegg/<int:pk>/", applications.attachment_download, name="attachment_download"),
    path("brev/<int:pk>/", applications.letter_download, name="letter_download"),
]

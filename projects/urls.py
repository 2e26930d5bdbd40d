from django.urls import path

from . import views, views_privacy

urlpatterns = [
    # The grant holder's pages (Mine tilsagn).
    path("tilsagn/", views.my_grants, name="my_grants"),
    path("tilsagn/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("tilsagn/<int:pk>/aksepter/", views.grant_accept, name="grant_accept"),
    path("tilsagn/<int:pk>/frist/", views.deadline_extension_new, name="deadline_extension_new"),
    path("tilsagn/<int:pk>/utbetaling/ny/", views.payout_request, name="payout_request"),
    path("tilsagn/<int:pk>/utbetaling/<int:payout_pk>/", views.payout_detail, name="payout_detail"),
    path("tilsagn/<int:pk>/resultater/ny/", views.result_report_new, name="result_report_new"),
    path(
        "tilsagn/<int:pk>/sluttrapport/",
        views.result_report_new,
        {"is_final": True},
        name="final_report_new",
    ),
    path(
        "tilsagn/<int:pk>/resultater/<int:report_pk>/",
        views.result_report_detail,
        name="result_report_detail",
    ),
    path("utbetalingsvedlegg/<int:pk>/", views.payout_attachment_download, name="payout_attachment_download"),
    # A person's own data: download everything held about her, close her account.
    path("konto/personvern/", views_privacy.my_data, name="my_data"),
    path(
        "konto/personvern/uttrekk/", views_privacy.personal_data_export_new, name="personal_data_export_new"
    ),
    path(
        "konto/personvern/uttrekk/<int:pk>/",
        views_privacy.personal_data_export_download,
        name="personal_data_export_download",
    ),
    path("konto/slett/", views_privacy.account_close_view, name="account_close"),
    # Public: every granted project, and the same list as open data.
    path("tildelte-prosjekter/", views.public_grant_list, name="public_grants"),
    path("tildelte-prosjekter/tilsagn.csv", views.public_grant_csv, name="public_grants_csv"),
    path("tildelte-prosjekter/tilsagn.json", views.public_grant_json, name="public_grants_json"),
]

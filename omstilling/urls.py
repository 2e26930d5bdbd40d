from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import health, views

admin.site.site_header = _("Omstilling – saksbehandling")
admin.site.site_title = "Omstilling"
admin.site.index_title = _("Omstillingsprogrammer")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("personvern/", views.privacy_statement, name="privacy"),
    path("tilgjengelighet/", views.accessibility_statement, name="accessibility"),
    path("readyz", health.readyz, name="readyz"),
    # Strings, not imports: the root urlconf lives in the programmes app, which imports no app above it.
    path("", include("projects.urls_public")),
    path("", include("applications.urls")),
    path("", include("projects.urls")),
]

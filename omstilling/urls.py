from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("Omstilling – saksbehandling")
admin.site.site_title = "Omstilling"
admin.site.index_title = _("Omstillingsprogrammer")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("", views.front_page, name="front_page"),
    path("", include("applications.urls")),
    path("", include("projects.urls")),
]

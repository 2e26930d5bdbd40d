from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OmstillingConfig(AppConfig):
    name = "omstilling"
    verbose_name = _("Omstillingsprogrammer")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import files
        from .roles import role_groups_on_post_migrate

        files.connect()

        post_migrate.connect(
            role_groups_on_post_migrate, sender=self, dispatch_uid="omstilling.roles.role_groups_sync"
        )

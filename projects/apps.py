from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Tilsagn og prosjekter")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from applications.board.money import register

        from .board_side import ProjectsGrantSide

        register(ProjectsGrantSide())

from django.contrib import admin

from omstilling.admin_mixins import ProgrammeScopedAdmin, plain_column, stored_file_name

from .models import ReportJob

job_year = plain_column(ReportJob, "year")


@admin.register(ReportJob)
class ReportJobAdmin(ProgrammeScopedAdmin):
    """Export jobs. A job is requested through the report service, which queues its Celery task;
    a row added here would never run, so there is no add form, and the task alone fills it in.
    """

    str_select_related = ("programme",)
    list_display = (
        "kind",
        "programme",
        job_year,
        "state",
        "progress",
        "attempts",
        "requested_by",
        "created_at",
        "finished_at",
    )
    list_select_related = ("programme", "requested_by")
    list_filter = ("state", "kind", "programme", "year")
    search_fields = ("programme__name", "programme__short_name", "task_id", "sha256", "error")
    date_hierarchy = "created_at"
    fields = (
        "programme",
        job_year,
        "kind",
        "state",
        "progress",
        "attempts",
        "task_id",
        stored_file_name,
        "sha256",
        "error",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

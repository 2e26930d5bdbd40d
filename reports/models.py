"""Report jobs: a requested export is a row that a Celery task fills in."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omstilling.models import Programme


class ReportJob(models.Model):
    class Kind(models.TextChoices):
        ANNUAL_PLAN_PDF = "annual_plan_pdf", _("Omstillingsplan/årsrapport (PDF)")
        ANNUAL_APPENDIX_PDF = "annual_appendix_pdf", _("Vedlegg til omstillingsplanen: tilsagn (PDF)")
        ANNUAL_REPORT_JSON = "annual_report_json", _("Omstillingsplan/årsrapport, alle tabeller (JSON)")
        ANNUAL_REPORT_CSV_ZIP = (
            "annual_report_csv_zip",
            _("Omstillingsplan/årsrapport, alle tabeller (CSV i ZIP)"),
        )
        GRANT_TABLE_CSV = "grant_table_csv", _("Tilsagnstabeller (CSV)")
        GRANT_TABLE_JSON = "grant_table_json", _("Tilsagnstabeller (JSON)")

    class State(models.TextChoices):
        QUEUED = "queued", _("I kø")
        RUNNING = "running", _("Lages")
        DONE = "done", _("Ferdig")
        FAILED = "failed", _("Feilet")

    TRANSITIONS = {
        State.QUEUED: (State.RUNNING, State.FAILED),
        # A worker lost mid-run hands the job back to the queue.
        State.RUNNING: (State.DONE, State.FAILED, State.QUEUED),
        State.DONE: (),
        State.FAILED: (State.QUEUED,),
    }

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.PROTECT, related_name="report_jobs"
    )
    year = models.PositiveSmallIntegerField(_("år"))
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    state = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("fremdrift (%)"), default=0)
    file = models.FileField(_("fil"), upload_to="reports/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("feilmelding"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("forsøk"), default=0)
    task_id = models.CharField(_("oppgave-id"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bestilt av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="report_jobs",
    )
    # What the annual plan PDF printed: {place: version number} of the narrative sections, and
    # whether the board had adopted the year's plan (and when) at the time of the build.
    narrative_versions = models.JSONField(_("tekstversjoner brukt"), default=dict, blank=True)
    plan_adopted = models.BooleanField(_("vedtatt av styret"), null=True, blank=True)
    plan_adopted_on = models.DateField(_("vedtatt dato"), null=True, blank=True)
    created_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    started_at = models.DateTimeField(_("startet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("ferdig"), null=True, blank=True)

    class Meta:
        verbose_name = _("rapportjobb")
        verbose_name_plural = _("rapportjobber")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_job_progress_0_100"),
            models.CheckConstraint(
                condition=~Q(state="done") | ~Q(sha256=""), name="report_job_done_has_checksum"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.programme.short_name or self.programme.slug} {self.year}"

import os

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from omstilling.admin_mixins import ProgrammeScopedAdmin, plain_column, stored_file_name
from omstilling.exceptions import ServiceError
from omstilling.models import AnnualPlan, Programme
from omstilling.policies import Refused, as_permission_denied
from omstilling.roles import programmes_for_board, programmes_for_staff, programmes_visible_to

from .annual import annual_report_html
from .forms import AnnualReportRequestForm, NarrativeForm
from .models import ReportJob
from .policies import can_download_report, can_edit_narrative, can_order_report
from .selectors import report_year_refusal
from .services import narrative_section_save, report_job_request, report_job_retry

job_year = plain_column(ReportJob, "year")

CONTENT_TYPES = {
    ReportJob.Kind.ANNUAL_PLAN_PDF: "application/pdf",
    ReportJob.Kind.ANNUAL_APPENDIX_PDF: "application/pdf",
    ReportJob.Kind.ANNUAL_REPORT_JSON: "application/json",
    ReportJob.Kind.ANNUAL_REPORT_CSV_ZIP: "application/zip",
    ReportJob.Kind.GRANT_TABLE_CSV: "text/csv; charset=utf-8",
    ReportJob.Kind.GRANT_TABLE_JSON: "application/json",
}


def _report_programmes(user):
    """The programmes whose reports the user may order, follow and download (``reports.policies``:
    their own as staff, every one for a superuser; never the board's)."""
    return Programme.objects.all() if user.is_superuser else programmes_for_staff(user)


def _allowed(reason):
    """Raise the permission-denied page with ``reason``, the answer of a policy, when there is one."""
    if reason:
        raise PermissionDenied(reason)


@admin.register(ReportJob)
class ReportJobAdmin(ProgrammeScopedAdmin):
    """Export jobs. A job is requested through the report service, which queues its Celery task;
    a row added here would never run, so there is no add form: the "Årsrapport/omstillingsplan"
    page orders one, the job page follows it and offers the download.

    The jobs are the programme staff's working documents (``reports.policies``): the list shows the
    jobs of the programmes the user is staff of, and is closed to anyone who is staff of none (the
    board and observers); a job's own pages answer 404 outside the programmes the user sees in the
    admin and the permission-denied page, with the reason, to the programme's board and observers.
    """

    change_list_template = "reports/admin/reportjob_change_list.html"
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
        "job_page",
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
        "narrative_versions",
        "plan_adopted",
        "plan_adopted_on",
        "error",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def _has_report_programmes(self, request):
        """Whether the user may have the jobs of some programme: a site admin always."""
        cached = getattr(request, "_has_report_programmes", None)
        if cached is None:
            user = request.user
            cached = user.is_superuser or programmes_for_staff(user).exists()
            request._has_report_programmes = cached
        return cached

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._has_report_programmes(request)

    def has_module_permission(self, request):
        return super().has_module_permission(request) and self._has_report_programmes(request)

    def changelist_view(self, request, extra_context=None):
        self._refuse_the_board(request)
        return super().changelist_view(request, extra_context)

    def _refuse_the_board(self, request):
        """A board member or observer who asks for the report pages is told why they are refused."""
        if not self._has_report_programmes(request):
            board = programmes_for_board(request.user).first()
            if board is not None:
                _allowed(can_order_report(request.user, board))

    def scope_queryset(self, queryset, request):
        if request.user.is_superuser:
            return queryset
        return queryset.filter(programme__in=programmes_for_staff(request.user))

    @admin.display(description=gettext_lazy("jobbside"))
    def job_page(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:reports_reportjob_job", args=[obj.pk]), _("Åpne")
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("bestill/", view(self.request_view), name="reports_reportjob_request"),
            path(
                "tekster/<int:programme_pk>/<int:year>/",
                view(self.narrative_view),
                name="reports_reportjob_narrative",
            ),
            path(
                "forhandsvis/<int:programme_pk>/<int:year>/",
                view(self.preview_view),
                name="reports_reportjob_preview",
            ),
            path("<int:pk>/jobb/", view(self.job_view), name="reports_reportjob_job"),
            path("<int:pk>/status/", view(self.status_view), name="reports_reportjob_status"),
            path("<int:pk>/last-ned/", view(self.download_view), name="reports_reportjob_download"),
            path("<int:pk>/prov-igjen/", view(require_POST(self.retry_view)), name="reports_reportjob_retry"),
            *super().get_urls(),
        ]

    # A job belongs to a programme; outside the programmes the user sees in the admin it is a 404,
    # not a 403, so that job numbers of other programmes are not confirmed. The programme's board
    # sees the programme, and is told why it may not have the job.
    def _visible_job(self, request, pk, policy=can_download_report):
        job = get_object_or_404(
            ReportJob.objects.select_related("programme"),
            pk=pk,
            programme__in=programmes_visible_to(request.user),
        )
        _allowed(policy(request.user, job))
        return job

    def _programme_and_year(self, request, programme_pk, year, policy):
        programme = get_object_or_404(_report_programmes(request.user), pk=programme_pk)
        _allowed(policy(request.user, programme))
        return programme, year

    def narrative_view(self, request, programme_pk, year):
        """The programme leader's texts of the year's report; every save is kept as a version."""
        programme, year = self._programme_and_year(request, programme_pk, year, can_edit_narrative)
        refusal = report_year_refusal(programme, year)
        plan = AnnualPlan.objects.filter(programme=programme, year=year).first()
        sections = {section.place: section for section in plan.sections.all()} if plan else {}
        form = NarrativeForm(request.POST or None, sections=sections)
        if request.method == "POST" and not refusal and form.is_valid():
            saved = 0
            try:
                for place, body in form.cleaned_data.items():
                    if narrative_section_save(
                        programme, actor=request.user, year=year, place=place, body=body
                    ):
                        saved += 1
            except Refused as exc:
                raise as_permission_denied(exc) from exc
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("%(count)d tekster lagret som ny versjon.") % {"count": saved})
                return redirect("admin:reports_reportjob_narrative", programme.pk, year)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Tekster i omstillingsplanen %(year)d – %(programme)s")
            % {"year": year, "programme": programme.short_name or programme.name},
            "form": form,
            "refusal": refusal,
            "programme": programme,
            "year": year,
        }
        return TemplateResponse(request, "reports/admin/narrative_form.html", context)

    def preview_view(self, request, programme_pk, year):
        """The whole report as HTML, from the same template and data as the PDF."""
        programme, year = self._programme_and_year(request, programme_pk, year, can_order_report)
        refusal = report_year_refusal(programme, year)
        if refusal:
            raise Http404(refusal)
        return HttpResponse(annual_report_html(programme, year))

    def request_view(self, request):
        programmes = _report_programmes(request.user)
        if not programmes.exists():
            # On a board, the person is told why; anyone else finds nothing here.
            self._refuse_the_board(request)
            raise Http404
        # The Programme page links here with ?programme=<pk>; anything else in the link is ignored.
        initial = {}
        if request.GET.get("programme", "").isdigit():
            chosen = programmes.filter(pk=request.GET["programme"]).first()
            if chosen:
                initial["programme"] = chosen.pk
        form = AnnualReportRequestForm(request.POST or None, programmes=programmes, initial=initial)
        if (
            request.method == "POST"
            and form.is_valid()
            and ("preview" in request.POST or "narrative" in request.POST)
        ):
            target = "preview" if "preview" in request.POST else "narrative"
            return redirect(
                f"admin:reports_reportjob_{target}",
                form.cleaned_data["programme"].pk,
                form.cleaned_data["year"],
            )
        if request.method == "POST" and form.is_valid():
            try:
                job = report_job_request(
                    form.cleaned_data["programme"],
                    actor=request.user,
                    year=form.cleaned_data["year"],
                    kind=form.kind,
                )
            except Refused as exc:
                raise as_permission_denied(exc) from exc
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("admin:reports_reportjob_job", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Årsrapport/omstillingsplan"),
            "form": form,
        }
        return TemplateResponse(request, "reports/admin/request_form.html", context)

    def job_view(self, request, pk):
        job = self._visible_job(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(job),
            "job": job,
            "finished": job.state in (ReportJob.State.DONE, ReportJob.State.FAILED),
            "can_retry": job.state == ReportJob.State.FAILED and can_order_report(request.user, job) is None,
        }
        return TemplateResponse(request, "reports/admin/job.html", context)

    def status_view(self, request, pk):
        job = self._visible_job(request, pk)
        return JsonResponse(
            {"state": job.state, "state_label": job.get_state_display(), "progress": job.progress}
        )

    def download_view(self, request, pk):
        job = self._visible_job(request, pk)
        if job.state != ReportJob.State.DONE or not job.file:
            raise Http404
        response = FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=os.path.basename(job.file.name),
            content_type=CONTENT_TYPES.get(job.kind, "application/octet-stream"),
        )
        response["X-Content-SHA256"] = job.sha256
        return response

    def retry_view(self, request, pk):
        job = self._visible_job(request, pk, policy=can_order_report)
        try:
            report_job_retry(job, actor=request.user)
        except Refused as exc:
            raise as_permission_denied(exc) from exc
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("admin:reports_reportjob_job", job.pk)

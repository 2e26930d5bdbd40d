"""The Celery task that builds a requested report and the builders it can call.

A builder takes the running job and a ``progress(percent)`` callback and returns
``(content: bytes, filename)``; it raises :class:`ServiceError` when the report cannot be made
from the data (no retry helps), anything else when it might work on another try.
"""

import csv
import io
import json

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from omstilling.csvsafe import spreadsheet_safe
from omstilling.exceptions import ServiceError
from omstilling.models import Category

from . import services
from .annual import annual_appendix_pdf, annual_report_pdf_with_provenance
from .exports import annual_report_csv_zip, annual_report_json
from .models import ReportJob
from .services import (
    HARD_TIME_LIMIT,
    MAX_ATTEMPTS,
    SOFT_TIME_LIMIT,
    report_job_fail,
    report_job_finish,
    report_job_progress,
    report_job_start,
)
from .tables import grant_table


def _grant_table(job):
    return grant_table(job.programme, job.year)


def _category_label(value):
    return Category(value).label if value in Category.values else value


def _focus_area_name(focus_area):
    return getattr(focus_area, "name", focus_area)


def _grant_table_rows(table):
    return [
        {
            "category": row.category,
            "category_label": str(_category_label(row.category)),
            "focus_area": _focus_area_name(row.focus_area),
            "granted_count": row.granted_count,
            "active_count": row.active_count,
            "granted_amount": row.granted_amount,
            "active_amount": row.active_amount,
        }
        for row in table.rows
    ]


def build_grant_table_json(job, progress):
    table = _grant_table(job)
    progress(50)
    document = {
        "programme": job.programme.slug,
        "year": job.year,
        "rows": _grant_table_rows(table),
        "total_granted_amount": table.total_granted_amount,
    }
    content = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
    return content, f"tilsagn-{job.programme.slug}-{job.year}.json"


def build_grant_table_csv(job, progress):
    table = _grant_table(job)
    progress(50)
    out = io.StringIO()
    # Semicolons, because Norwegian spreadsheets read the comma as the decimal separator.
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Kategori"),
            _("Innsatsområde"),
            _("Antall bevilget"),
            _("Antall aktive"),
            _("Bevilget beløp"),
            _("Bevilget aktive"),
        ]
    )
    for row in _grant_table_rows(table):
        writer.writerow(
            [
                row["category_label"],
                spreadsheet_safe(row["focus_area"]),
                row["granted_count"],
                row["active_count"],
                row["granted_amount"],
                row["active_amount"],
            ]
        )
    writer.writerow([_("Sum"), "", "", "", table.total_granted_amount, ""])
    # With a byte order mark, Excel opens the file as UTF-8 and shows æøå correctly.
    return out.getvalue().encode("utf-8-sig"), f"tilsagn-{job.programme.slug}-{job.year}.csv"


def build_annual_plan_pdf(job, progress):
    """``(pdf, filename, provenance)``: the job keeps which texts and which adoption it printed."""
    return annual_report_pdf_with_provenance(job.programme, job.year, progress=progress)


def build_annual_appendix_pdf(job, progress):

    return annual_appendix_pdf(job.programme, job.year, progress=progress)


def build_annual_report_json(job, progress):

    return annual_report_json(job.programme, job.year, progress=progress)


def build_annual_report_csv_zip(job, progress):

    return annual_report_csv_zip(job.programme, job.year, progress=progress)


BUILDERS = {
    ReportJob.Kind.ANNUAL_PLAN_PDF: build_annual_plan_pdf,
    ReportJob.Kind.ANNUAL_APPENDIX_PDF: build_annual_appendix_pdf,
    ReportJob.Kind.ANNUAL_REPORT_JSON: build_annual_report_json,
    ReportJob.Kind.ANNUAL_REPORT_CSV_ZIP: build_annual_report_csv_zip,
    ReportJob.Kind.GRANT_TABLE_JSON: build_grant_table_json,
    ReportJob.Kind.GRANT_TABLE_CSV: build_grant_table_csv,
}


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_ATTEMPTS - 1,
    # Below the broker's visibility timeout (settings.base), so a slow job is never delivered twice;
    # report_jobs_requeue_stale relies on the hard limit to know a build is no longer running.
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=HARD_TIME_LIMIT,
)
def report_job_run(self, job_id):
    """Build the job's file. Safe to run twice: a job that is already done is left alone, and
    only the task the job was last queued under (``job.task_id``) can start, advance or finish it."""
    job = ReportJob.objects.select_related("programme").get(pk=job_id)
    task_id = self.request.id
    if job.task_id and task_id != job.task_id:
        # A late delivery of a task the job has since been retried under; the new task owns it.
        return
    if not report_job_start(job, task_id=task_id):
        return
    job.refresh_from_db()
    builder = BUILDERS.get(job.kind)
    if builder is None:
        message = _("«%(kind)s» er ikke tilgjengelig ennå.") % {"kind": job.get_kind_display()}
        report_job_fail(job, error=message, task_id=task_id)
        return
    try:
        content, filename, *provenance = builder(
            job, lambda percent: report_job_progress(job, percent=percent, task_id=task_id)
        )
    except SoftTimeLimitExceeded:
        report_job_fail(job, error=_("Rapporten tok for lang tid å lage og ble stoppet."), task_id=task_id)
        return
    except ServiceError as exc:
        report_job_fail(job, error=exc.message, task_id=task_id)
        return
    except Exception as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
        report_job_fail(
            job, error=_("Rapporten kunne ikke lages: %(error)s") % {"error": exc}, task_id=task_id
        )
        return
    report_job_finish(
        job,
        content=content,
        filename=filename,
        task_id=task_id,
        provenance=provenance[0] if provenance else None,
    )


@shared_task(ignore_result=True)
def report_jobs_requeue_stale():
    """Periodic (settings.CELERY_BEAT_SCHEDULE): re-enqueue report jobs the database says are
    unfinished but that no live task is building; see ``services.report_jobs_requeue_stale``."""
    return services.report_jobs_requeue_stale()

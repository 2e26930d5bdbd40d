"""Writes for report jobs: a requested export is a row that a Celery task moves to done or failed.

The task only ever touches the row through these services, so the row is the state of record
whatever the broker or the worker does: a redelivered task finds the job already done and stops.
Each service decides on a fresh, locked copy of the row and returns it (``report_job_start``
returns whether there was anything to start); the caller's instance is left as it was.
"""

import hashlib
import logging
import os
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from omstilling.audit import audit_log, full_clean_or_refuse, locked, transition
from omstilling.exceptions import ServiceError

from .models import ReportJob

logger = logging.getLogger(__name__)

# A job is tried at most this many times, whether the task retried or its worker was lost.
MAX_ATTEMPTS = 4


def _enqueue(job_id, task_id):
    from .tasks import report_job_run

    try:
        report_job_run.apply_async(args=[job_id], task_id=task_id)
    except Exception as exc:
        # Whatever the broker raised (or an in-process task let through), a job nobody will run
        # must not look queued or running for ever: failed, it can be retried.
        logger.exception("Report job %s could not be run", job_id)
        job = ReportJob.objects.get(pk=job_id)
        if job.state == ReportJob.State.QUEUED:
            report_job_fail(
                job, _("Jobben kunne ikke legges i kø (%(error)s). Prøv igjen senere.") % {"error": exc}
            )
        elif job.state == ReportJob.State.RUNNING:
            report_job_fail(job, _("Jobben stoppet uventet (%(error)s). Prøv igjen senere.") % {"error": exc})


def _enqueue_on_commit(job):
    job_id, task_id = job.pk, job.task_id
    transaction.on_commit(lambda: _enqueue(job_id, task_id))


def report_job_request(programme, year, kind, actor):
    """Order an export; the work starts once the order is committed."""
    with transaction.atomic():
        job = ReportJob(
            programme=programme,
            year=year,
            kind=kind,
            requested_by=actor if actor is not None and actor.is_authenticated else None,
            task_id=uuid.uuid4().hex,
        )
        full_clean_or_refuse(job)
        job.save()
        audit_log(
            actor=actor,
            obj=job,
            action="state:queued",
            to_state=ReportJob.State.QUEUED,
            data={"kind": kind, "year": year},
        )
        _enqueue_on_commit(job)
    return job


def report_job_start(job):
    """Mark the job running and return True, or return False if there is nothing to do.

    A job that is done (or failed and not retried) is left alone: with late acknowledgement a
    task may be delivered again after it finished. A job found running was interrupted (worker
    lost, or the task is being retried) and goes back to the queue before it starts again.
    """
    with transaction.atomic():
        locked_job = locked(job)
        if locked_job.state in (ReportJob.State.DONE, ReportJob.State.FAILED):
            return False
        if locked_job.state == ReportJob.State.RUNNING:
            if locked_job.attempts >= MAX_ATTEMPTS:
                locked_job.error = _("Jobben ble avbrutt %(attempts)d ganger og er stoppet.") % {
                    "attempts": locked_job.attempts
                }
                locked_job.finished_at = timezone.now()
                transition(
                    locked_job,
                    ReportJob.State.FAILED,
                    actor=None,
                    reason=locked_job.error,
                    extra_fields=["error", "finished_at"],
                )
                return False
            transition(
                locked_job,
                ReportJob.State.QUEUED,
                actor=None,
                reason=_("Forsøk %(attempt)d ble avbrutt.") % {"attempt": locked_job.attempts},
            )
        locked_job.attempts += 1
        locked_job.started_at = timezone.now()
        locked_job.progress = 0
        transition(
            locked_job,
            ReportJob.State.RUNNING,
            actor=None,
            extra_fields=["attempts", "started_at", "progress"],
            data={"attempt": locked_job.attempts},
        )
    return True


def report_job_progress(job, percent):
    """Record progress; it only ever grows, so a late, smaller report is ignored."""
    percent = max(0, min(100, int(percent)))
    with transaction.atomic():
        locked_job = locked(job)
        if locked_job.state != ReportJob.State.RUNNING or percent <= locked_job.progress:
            return locked_job
        locked_job.progress = percent
        locked_job.save(update_fields=["progress"])
    return locked_job


def report_job_finish(job, content, filename):
    """Store the finished file with its checksum and mark the job done."""
    if not isinstance(content, bytes):
        raise TypeError("report content must be bytes")
    with transaction.atomic():
        locked_job = locked(job)
        if locked_job.state != ReportJob.State.RUNNING:
            raise ServiceError(
                _("Rapportjobben har status «%(state)s» og kan ikke fullføres.")
                % {"state": locked_job.get_state_display()}
            )
        locked_job.file.save(get_valid_filename(os.path.basename(filename)), ContentFile(content), save=False)
        stored_name = locked_job.file.name
        try:
            locked_job.sha256 = hashlib.sha256(content).hexdigest()
            locked_job.progress = 100
            locked_job.error = ""
            locked_job.finished_at = timezone.now()
            transition(
                locked_job,
                ReportJob.State.DONE,
                actor=None,
                extra_fields=["file", "sha256", "progress", "error", "finished_at"],
                data={"sha256": locked_job.sha256, "size": len(content)},
            )
        except BaseException:
            # A file no row points to would never be found or cleaned up.
            locked_job.file.storage.delete(stored_name)
            raise
    return locked_job


def report_job_fail(job, error):
    """Mark the job failed with a message the person who ordered it can read."""
    with transaction.atomic():
        locked_job = locked(job)
        locked_job.error = str(error)
        locked_job.finished_at = timezone.now()
        transition(
            locked_job,
            ReportJob.State.FAILED,
            actor=None,
            reason=locked_job.error,
            extra_fields=["error", "finished_at"],
        )
    return locked_job


def report_job_retry(job, actor):
    """Put a failed job back in the queue and start it again once committed.

    A person's retry is a fresh run with a fresh budget of attempts; the audit log keeps the
    earlier ones. The new task id makes a late redelivery of the old task a no-op.
    """
    with transaction.atomic():
        locked_job = locked(job)
        locked_job.attempts = 0
        locked_job.progress = 0
        locked_job.error = ""
        locked_job.finished_at = None
        locked_job.task_id = uuid.uuid4().hex
        transition(
            locked_job,
            ReportJob.State.QUEUED,
            actor=actor,
            extra_fields=["attempts", "progress", "error", "finished_at", "task_id"],
            from_states=[ReportJob.State.FAILED],
        )
        _enqueue_on_commit(locked_job)
    return locked_job

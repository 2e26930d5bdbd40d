"""Writes for report jobs: a requested export is a row that a Celery task moves to done or failed.

The task only ever touches the row through these services, so the row is the state of record
whatever the broker or the worker does: a redelivered task finds the job already done and stops.
Each service decides on a fresh, locked copy of the row and returns it (``report_job_start``
returns whether there was anything to start); the caller's instance is left as it was.

A person orders a job and retries a failed one, under the policy of :mod:`reports.policies` (the
programme's staff only); everything else here is run by the system — the report task and the
requeue of stale jobs (:func:`omstilling.policies.system_service`).
"""

import hashlib
import logging
import os
import uuid
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from omstilling.audit import audit_log, full_clean_or_refuse, locked, transition
from omstilling.celery import registered_task
from omstilling.exceptions import ServiceError
from omstilling.models import AnnualPlan, NarrativeSection, Programme
from omstilling.policies import guarded, system_service
from omstilling.services import narrative_section_write

from .models import ReportJob
from .policies import can_edit_narrative, can_order_report
from .selectors import report_jobs_stale, report_year_refusal

logger = logging.getLogger(__name__)

# A job is tried at most this many times, whether the task retried or its worker was lost.
MAX_ATTEMPTS = 4
# The report task's time limits (seconds). At the hard limit the worker kills the task, so a build
# that started longer ago than that is certainly not running any more.
SOFT_TIME_LIMIT = 8 * 60
HARD_TIME_LIMIT = 9 * 60
# An unfinished job with no sign of life for this long has no live task (see report_jobs_requeue_stale).
STALE_AFTER = timedelta(seconds=HARD_TIME_LIMIT + 60)


def _owned_by(job, task_id):
    """Whether the task ``task_id`` (None: whoever asks) may act on the job: only the task the job
    was last queued under may, so a late or duplicate delivery of an older task changes nothing."""
    return task_id is None or not job.task_id or job.task_id == task_id


def _enqueue(job_id, task_id, fail_if_refused=True):
    try:
        registered_task("reports.tasks.report_job_run").apply_async(args=[job_id], task_id=task_id)
    except Exception as exc:
        # Whatever the broker raised (or an in-process task let through), a job nobody will run
        # must not look queued or running for ever: failed, it can be retried. (A re-enqueue
        # leaves it queued instead: the next run of report_jobs_requeue_stale tries again.)
        logger.exception("Report job %s could not be run", job_id)
        if not fail_if_refused:
            return
        job = ReportJob.objects.get(pk=job_id)
        if job.state == ReportJob.State.QUEUED:
            report_job_fail(
                job, error=_("Jobben kunne ikke legges i kø (%(error)s). Prøv igjen senere.") % {"error": exc}
            )
        elif job.state == ReportJob.State.RUNNING:
            report_job_fail(
                job, error=_("Jobben stoppet uventet (%(error)s). Prøv igjen senere.") % {"error": exc}
            )


def _enqueue_on_commit(job, fail_if_refused=True):
    job_id, task_id = job.pk, job.task_id
    transaction.on_commit(lambda: _enqueue(job_id, task_id, fail_if_refused))


@guarded(can_order_report)
def report_job_request(programme: Programme, *, actor: User, year: int, kind: str) -> ReportJob:
    """Order an export; the work starts once the order is committed. Only a year of the programme's
    status period has a report (:func:`reports.selectors.report_year_refusal`)."""
    refusal = report_year_refusal(programme, year)
    if refusal:
        raise ServiceError(refusal, field="year")
    with transaction.atomic():
        job = ReportJob(
            programme=programme,
            year=year,
            kind=kind,
            requested_by=actor,
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


@guarded(can_edit_narrative)
def narrative_section_save(
    programme: Programme, *, actor: User, year: int, place: str, body: str
) -> NarrativeSection | None:
    """The programme leader saves the text at ``place`` of the ``year`` report, as a new version
    (every saved edit is kept); None when the text is unchanged. Only a year of the status period."""
    refusal = report_year_refusal(programme, year)
    if refusal:
        raise ServiceError(refusal, field="year")
    if place not in NarrativeSection.Place.values:
        raise ServiceError(_("Ukjent plass i rapporten: «%(place)s».") % {"place": place})
    with transaction.atomic():
        plan, _created = AnnualPlan.objects.get_or_create(programme=programme, year=year)
        return narrative_section_write(plan, place=place, body=body, actor=actor)


@system_service
def report_job_start(job: ReportJob, *, task_id: str | None = None) -> bool:
    """Mark the job running and return True, or return False if there is nothing to do.

    A job that is done (or failed and not retried) is left alone: with late acknowledgement a
    task may be delivered again after it finished. A job found running was interrupted (worker
    lost, or the task is being retried) and goes back to the queue before it starts again.
    A task the job no longer belongs to (``task_id`` given and not the job's) starts nothing.
    """
    with transaction.atomic():
        locked_job = locked(job)
        if locked_job.state in (ReportJob.State.DONE, ReportJob.State.FAILED):
            return False
        if not _owned_by(locked_job, task_id):
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


@system_service
def report_job_progress(job: ReportJob, *, percent: int, task_id: str | None = None) -> ReportJob:
    """Record progress; it only ever grows, so a late, smaller report is ignored (and so is one
    from a task the job no longer belongs to)."""
    percent = max(0, min(100, int(percent)))
    with transaction.atomic():
        locked_job = locked(job)
        if (
            locked_job.state != ReportJob.State.RUNNING
            or percent <= locked_job.progress
            or not _owned_by(locked_job, task_id)
        ):
            return locked_job
        locked_job.progress = percent
        locked_job.save(update_fields=["progress"])
    return locked_job


@system_service
def report_job_finish(
    job: ReportJob,
    *,
    content: bytes,
    filename: str,
    task_id: str | None = None,
    provenance: dict | None = None,
) -> ReportJob | None:
    """Store the finished file with its checksum and mark the job done.

    ``provenance`` (the annual plan PDF) is what the file printed: ``narrative_versions``
    ({place: version}), ``plan_adopted`` and ``plan_adopted_on``; the job keeps it.

    With ``task_id``, a task the job no longer belongs to (it was re-enqueued under a new id while
    this one was presumed lost) stores nothing and gets None: the job's owner makes the one file.
    """
    if not isinstance(content, bytes):
        raise TypeError("report content must be bytes")
    with transaction.atomic():
        locked_job = locked(job)
        if not _owned_by(locked_job, task_id):
            logger.warning("Report job %s: result of superseded task %s dropped", locked_job.pk, task_id)
            return None
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
            extra_fields = ["file", "sha256", "progress", "error", "finished_at"]
            if provenance is not None:
                locked_job.narrative_versions = provenance.get("narrative_versions", {})
                locked_job.plan_adopted = provenance.get("plan_adopted")
                locked_job.plan_adopted_on = provenance.get("plan_adopted_on")
                extra_fields += ["narrative_versions", "plan_adopted", "plan_adopted_on"]
            transition(
                locked_job,
                ReportJob.State.DONE,
                actor=None,
                extra_fields=extra_fields,
                data={
                    "sha256": locked_job.sha256,
                    "size": len(content),
                    **({"narrative_versions": locked_job.narrative_versions} if provenance else {}),
                },
            )
        except BaseException:
            # A file no row points to would never be found or cleaned up.
            locked_job.file.storage.delete(stored_name)
            raise
    return locked_job


@system_service
def report_job_fail(job: ReportJob, *, error: str, task_id: str | None = None) -> ReportJob | None:
    """Mark the job failed with a message the person who ordered it can read.

    With ``task_id``, a task the job no longer belongs to changes nothing and gets None.
    """
    with transaction.atomic():
        locked_job = locked(job)
        if not _owned_by(locked_job, task_id):
            return None
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


@guarded(can_order_report)
def report_job_retry(job: ReportJob, *, actor: User) -> ReportJob:
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


@system_service
def report_job_requeue(
    job: ReportJob, *, older_than: timedelta = STALE_AFTER, now: datetime | None = None
) -> str | None:
    """Hand an unfinished job with no live task to a new task; return the job's new state, or None
    if it turned out not to be stale (finished, or touched by someone else meanwhile).

    The job gets a new task id, so the lost task, should its message ever turn up again (Redis
    hands an unacknowledged message out again after its visibility timeout), finds the job is no
    longer its own and does nothing; only the new task can start, progress or finish it. A running
    job counts as an interrupted attempt: after ``MAX_ATTEMPTS`` it fails instead.
    """
    with transaction.atomic():
        current = locked(job)
        # Decide again under the lock: a concurrent run of the requeue already gave it a new task
        # (its audit entry is fresh), or the job finished meanwhile.
        if not report_jobs_stale(older_than, now).filter(pk=current.pk).exists():
            return None
        if current.state == ReportJob.State.RUNNING and current.attempts >= MAX_ATTEMPTS:
            report_job_fail(
                current,
                error=_("Jobben ble avbrutt %(attempts)d ganger og er stoppet.")
                % {"attempts": current.attempts},
            )
            return ReportJob.State.FAILED
        old_task_id = current.task_id
        current.task_id = uuid.uuid4().hex
        reason = _("Ingen oppgave arbeidet med jobben; den er lagt i kø på nytt.")
        data = {"old_task_id": old_task_id, "task_id": current.task_id}
        if current.state == ReportJob.State.RUNNING:
            current.progress = 0
            transition(
                current,
                ReportJob.State.QUEUED,
                actor=None,
                action="requeue",
                reason=reason,
                extra_fields=["task_id", "progress"],
                data=data,
            )
        else:
            current.save(update_fields=["task_id"])
            audit_log(actor=None, obj=current, action="requeue", reason=reason, data=data)
        _enqueue_on_commit(current, fail_if_refused=False)
    return ReportJob.State.QUEUED


@system_service
def report_jobs_requeue_stale(*, older_than: timedelta = STALE_AFTER, now: datetime | None = None) -> dict:
    """Re-enqueue every unfinished report job that no live task is working on; return
    ``{"requeued": [ids], "failed": [ids]}``. Run every few minutes (Celery beat) and by the
    ``requeue_report_jobs`` command; running it again, or twice at once, re-enqueues nothing twice.

    *How a job with no live task is recognised.* The database is the state of record; the broker is
    not asked, since what is lost is precisely what the broker forgot (Redis restarted or flushed, a
    worker killed with its task unacknowledged for the visibility timeout of an hour), and a worker
    busy with a task cannot be relied on to answer ``inspect``. Instead every step of a job leaves an
    audit entry — queued, re-queued, started — and a job is stale when it is still queued or running
    and its latest entry is older than ``older_than``:

    - *running*: the task's hard time limit (``HARD_TIME_LIMIT``, 9 minutes) kills any build that
      runs longer, so with ``older_than`` above it (``STALE_AFTER``, 10 minutes) the build that
      started it is certainly dead. (This relies on the worker enforcing time limits, which the
      default prefork pool does.)
    - *queued*: a message that should have been taken within minutes is presumed lost. Should it
      only have been late, the new task id makes it a no-op when it arrives, so the job still runs
      once.

    A done or failed job is never touched. ``older_than`` may be shortened by someone who knows no
    worker is running a job (e.g. right after restarting every worker); with 0, every unfinished job
    counts as lost each time this runs — still built once, since only its newest task id can build.
    A task that retries after an error keeps its id, and one whose retry is overtaken by a requeue
    finds the job no longer its own.
    """
    result = {"requeued": [], "failed": []}
    for job in report_jobs_stale(older_than, now):
        outcome = report_job_requeue(job, older_than=older_than, now=now)
        if outcome == ReportJob.State.QUEUED:
            result["requeued"].append(job.pk)
        elif outcome == ReportJob.State.FAILED:
            result["failed"].append(job.pk)
    return result

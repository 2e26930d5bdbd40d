"""Report jobs the database knows are unfinished but no live task builds are re-enqueued — by the
periodic task and by ``manage.py requeue_report_jobs`` — once, and a finished job never runs again.

These run the task in-process (the test settings are eager); tests/reliability/test_worker_faults.py
does the same with a real worker killed mid-build and a real Redis restarted under queued jobs.
"""

import hashlib
import io
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from omstilling.models import AuditEntry
from reports import tasks
from reports.models import ReportJob
from reports.services import (
    MAX_ATTEMPTS,
    STALE_AFTER,
    report_job_finish,
    report_job_request,
    report_job_start,
    report_jobs_requeue_stale,
)
from tests.factories import GrantFactory, ProgrammeFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db

J = ReportJob.State


def entries(job, action=None):
    found = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ReportJob), object_id=str(job.pk)
    )
    return found.filter(action=action) if action else found


@pytest.fixture
def programme():
    programme = ProgrammeFactory(slug="vestre-toten")
    GrantFactory(decision__application__programme=programme, year=2012)
    return programme


@pytest.fixture
def lost_job(programme, django_capture_on_commit_callbacks):
    """A job ordered while the broker lost its message: the row says queued, no task exists."""
    with django_capture_on_commit_callbacks(execute=False):
        job = report_job_request(
            programme,
            year=2012,
            kind=ReportJob.Kind.GRANT_TABLE_JSON,
            actor=StaffMembershipFactory(programme=programme).user,
        )
    return job


def requeue(capture, *args):
    out = io.StringIO()
    with capture(execute=True):
        call_command("requeue_report_jobs", *args, stdout=out)
    return out.getvalue()


def test_a_lost_queued_job_is_requeued_by_the_command_and_built_once(
    lost_job, django_capture_on_commit_callbacks
):
    old_task_id = lost_job.task_id

    output = requeue(django_capture_on_commit_callbacks, "--older-than", "0")

    lost_job.refresh_from_db()
    assert "Lagt i kø på nytt: 1." in output
    assert lost_job.state == J.DONE
    assert lost_job.task_id != old_task_id
    assert lost_job.attempts == 1
    assert lost_job.sha256 == hashlib.sha256(lost_job.file.read()).hexdigest()
    assert entries(lost_job, "requeue").count() == 1
    assert entries(lost_job, "state:done").count() == 1

    # Running it again finds nothing: the job is done and is never built again.
    output = requeue(django_capture_on_commit_callbacks, "--older-than", "0")
    assert "Lagt i kø på nytt: 0." in output
    assert entries(lost_job, "state:running").count() == 1


def test_a_job_queued_within_the_threshold_is_left_alone(lost_job, django_capture_on_commit_callbacks):
    output = requeue(django_capture_on_commit_callbacks)  # default: above the task's hard time limit

    lost_job.refresh_from_db()
    assert "Lagt i kø på nytt: 0." in output
    assert lost_job.state == J.QUEUED
    assert not entries(lost_job, "requeue").exists()


def test_the_periodic_task_requeues_only_after_the_threshold(lost_job, django_capture_on_commit_callbacks):
    """The beat schedule names reports.tasks.report_jobs_requeue_stale; it uses STALE_AFTER."""
    with django_capture_on_commit_callbacks(execute=True):
        tasks.report_jobs_requeue_stale.delay()
    lost_job.refresh_from_db()
    assert lost_job.state == J.QUEUED

    later = timezone.now() + STALE_AFTER + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        result = report_jobs_requeue_stale(now=later)
    lost_job.refresh_from_db()
    assert result == {"requeued": [lost_job.pk], "failed": []}
    assert lost_job.state == J.DONE


def test_a_running_job_is_requeued_only_after_the_hard_time_limit(
    lost_job, django_capture_on_commit_callbacks
):
    assert report_job_start(lost_job, task_id=lost_job.task_id)  # a worker started it, then died

    just_inside = timezone.now() + STALE_AFTER - timedelta(seconds=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert report_jobs_requeue_stale(now=just_inside) == {"requeued": [], "failed": []}
    lost_job.refresh_from_db()
    assert lost_job.state == J.RUNNING

    later = timezone.now() + STALE_AFTER + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert report_jobs_requeue_stale(now=later)["requeued"] == [lost_job.pk]
    lost_job.refresh_from_db()
    assert (lost_job.state, lost_job.attempts) == (J.DONE, 2)
    assert entries(lost_job, "state:done").count() == 1


def test_the_lost_task_turning_up_later_changes_nothing(lost_job, django_capture_on_commit_callbacks):
    """Redis hands an unacknowledged message out again after its visibility timeout: by then the job
    belongs to the task it was re-enqueued under, so the old one neither starts nor finishes it."""
    old_task_id = lost_job.task_id
    assert report_job_start(lost_job, task_id=old_task_id)
    with django_capture_on_commit_callbacks(execute=False):
        report_jobs_requeue_stale(older_than=timedelta(0))
    lost_job.refresh_from_db()
    assert lost_job.state == J.QUEUED and lost_job.task_id != old_task_id

    # The old build, still finishing somewhere, stores nothing …
    assert report_job_finish(lost_job, content=b"{}", filename="gammel.json", task_id=old_task_id) is None
    # … and its redelivered message starts nothing.
    tasks.report_job_run.apply_async(args=[lost_job.pk], task_id=old_task_id)
    lost_job.refresh_from_db()
    assert (lost_job.state, lost_job.file.name) == (J.QUEUED, "")
    assert entries(lost_job, "state:running").count() == 1


@pytest.mark.parametrize("state", [J.DONE, J.FAILED])
def test_finished_jobs_are_never_requeued(lost_job, state, django_capture_on_commit_callbacks):
    ReportJob.objects.filter(pk=lost_job.pk).update(state=state, sha256="0" * 64)

    output = requeue(django_capture_on_commit_callbacks, "--older-than", "0")

    lost_job.refresh_from_db()
    assert "Lagt i kø på nytt: 0." in output
    assert lost_job.state == state
    assert not entries(lost_job, "requeue").exists()


def test_a_job_interrupted_too_often_fails_instead_of_looping(lost_job, django_capture_on_commit_callbacks):
    assert report_job_start(lost_job, task_id=lost_job.task_id)
    ReportJob.objects.filter(pk=lost_job.pk).update(attempts=MAX_ATTEMPTS)

    output = requeue(django_capture_on_commit_callbacks, "--older-than", "0")

    lost_job.refresh_from_db()
    assert "Stoppet etter for mange forsøk: 1." in output
    assert lost_job.state == J.FAILED
    assert f"avbrutt {MAX_ATTEMPTS} ganger" in lost_job.error


def test_a_broker_that_refuses_the_requeue_leaves_the_job_queued_for_the_next_run(
    lost_job, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionError("Redis er borte")

    monkeypatch.setattr(tasks.report_job_run, "apply_async", refuse)
    requeue(django_capture_on_commit_callbacks, "--older-than", "0")
    lost_job.refresh_from_db()
    assert lost_job.state == J.QUEUED

    monkeypatch.undo()
    requeue(django_capture_on_commit_callbacks, "--older-than", "0")
    lost_job.refresh_from_db()
    assert lost_job.state == J.DONE


def test_dry_run_lists_the_lost_job_and_changes_nothing(lost_job, django_capture_on_commit_callbacks):
    output = requeue(django_capture_on_commit_callbacks, "--older-than", "0", "--dry-run")

    lost_job.refresh_from_db()
    assert f"jobb {lost_job.pk}" in output
    assert lost_job.state == J.QUEUED
    assert not entries(lost_job, "requeue").exists()

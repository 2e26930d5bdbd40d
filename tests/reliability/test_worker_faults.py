"""Faults with real processes: a Celery worker killed mid-build, and Redis restarted (losing its
queue) while report jobs wait in it. Each job still ends done exactly once, with one file whose
sha256 is the one recorded. The lost work is found by ``manage.py requeue_report_jobs`` (the same
service the periodic task ``reports.tasks.report_jobs_requeue_stale`` runs every five minutes).
"""

import hashlib
import io
import os

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from omstilling.models import AuditEntry
from reports.models import ReportJob
from reports.services import report_job_request
from tests.db_sessions import wait_until_alone
from tests.factories import GrantFactory, ProgrammeFactory, StaffMembershipFactory

from .workers import PrivateRedis, Publisher, Worker, forget_queue, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

J = ReportJob.State
TIMEOUT = 60


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def queue(request, settings):
    name = f"reliability-{os.getpid()}-{request.node.name[:40]}"
    yield name
    forget_queue(settings.CELERY_BROKER_URL, name)


@pytest.fixture
def start_worker(media_root, tmp_path):
    workers = []

    def start(broker, queue, pause=0.0):
        worker = Worker(broker, queue, media_root, tmp_path / "worker.log", pause=pause)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()
    # A killed worker's PostgreSQL session ends a moment after it: wait, or the run's database could
    # not be dropped at the end (tests/db_sessions.py).
    assert not wait_until_alone(), "a worker's database session outlived it"


@pytest.fixture
def programme():
    programme = ProgrammeFactory(slug="vestre-toten")
    GrantFactory(decision__application__programme=programme, year=2012)
    return programme


def state_entries(job, state):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ReportJob),
        object_id=str(job.pk),
        action=f"state:{state}",
    )


def requeue_lost_jobs():
    out = io.StringIO()
    # Every worker was restarted, so nothing is building: no need to wait for the hard time limit.
    call_command("requeue_report_jobs", "--older-than", "0", stdout=out)
    return out.getvalue()


def assert_built_once(job, media_root):
    job.refresh_from_db()
    assert job.state == J.DONE, (job.state, job.error)
    content = (media_root / job.file.name).read_bytes()
    assert hashlib.sha256(content).hexdigest() == job.sha256
    assert state_entries(job, "done").count() == 1


def test_a_worker_killed_mid_build_leaves_a_job_that_is_finished_once_after_restart(
    settings, queue, start_worker, programme, media_root
):
    broker = settings.CELERY_BROKER_URL
    publisher = Publisher(broker, queue)
    try:
        first = start_worker(broker, queue, pause=60)
        job = report_job_request(
            programme,
            year=2012,
            kind=ReportJob.Kind.GRANT_TABLE_JSON,
            actor=StaffMembershipFactory(programme=programme).user,
        )

        def building():
            job.refresh_from_db()
            return job.state == J.RUNNING and job.progress == 50

        wait_for(building, TIMEOUT, lambda: f"{job.state} {job.progress}\n{first.output()[-3000:]}")
        first.kill()  # SIGKILL, in the middle of the build

        second = start_worker(broker, queue)
        job.refresh_from_db()
        # The killed task's message stays unacknowledged in Redis for the visibility timeout (an hour):
        # on its own the restarted worker does not see it.
        assert (job.state, job.attempts, job.file.name) == (J.RUNNING, 1, "")

        output = requeue_lost_jobs()
        assert "Lagt i kø på nytt: 1." in output

        def finished():
            job.refresh_from_db()
            return job.state in (J.DONE, J.FAILED)

        wait_for(finished, TIMEOUT, lambda: f"{job.state}\n{second.output()[-3000:]}")
    finally:
        publisher.restore()

    assert_built_once(job, media_root)
    assert job.attempts == 2
    assert len(list((media_root / "reports").iterdir())) == 1
    assert state_entries(job, "running").count() == 2


def test_jobs_queued_when_redis_restarts_are_requeued_and_each_built_once(
    queue, start_worker, programme, media_root
):
    server = PrivateRedis()
    publisher = Publisher(server.url, queue)
    try:
        actor = StaffMembershipFactory(programme=programme).user
        jobs = [
            report_job_request(programme, year=2012, kind=kind, actor=actor)
            for kind in (ReportJob.Kind.GRANT_TABLE_JSON, ReportJob.Kind.GRANT_TABLE_CSV)
        ]
        # No worker yet: both messages wait in the private Redis …
        assert server.client().llen(queue) == 2

        server.restart()  # … which restarts without persistence: the queue is gone.
        assert server.client().llen(queue) == 0

        worker = start_worker(server.url, queue)
        for job in jobs:
            job.refresh_from_db()
            assert job.state == J.QUEUED  # and would stay so for ever

        output = requeue_lost_jobs()
        assert "Lagt i kø på nytt: 2." in output

        def finished():
            return not ReportJob.objects.filter(state__in=[J.QUEUED, J.RUNNING]).exists()

        wait_for(finished, TIMEOUT, lambda: worker.output()[-3000:])
        # A second run finds nothing left to do and builds nothing again.
        assert "Lagt i kø på nytt: 0." in requeue_lost_jobs()
    finally:
        publisher.restore()
        server.stop()

    for job in jobs:
        assert_built_once(job, media_root)
        assert job.attempts == 1
        assert state_entries(job, "running").count() == 1
    assert len(list((media_root / "reports").iterdir())) == 2

"""The annual report built by a real Celery worker process, through Redis and PostgreSQL.

The worker runs the production shape (``REDIS_URL`` set, so nothing is eager) against this test's
database, which ``transaction=True`` commits so the worker can read it. It uses the test settings'
Redis database (``REDIS_URL``, db 15 unless set) and listens on a queue of its own, so no other
test run or worker takes the task; the worker and the publishing side are the ones in
tests/reliability/workers.py. (Switching this process to another Redis database at run time
is not reliable once a test has published: kombu keeps the first broker connection.)
"""

import hashlib
import io
import os
import time

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from omstilling import roles
from omstilling.models import Programme
from reports.models import ReportJob
from reports.services import report_job_request
from tests.db_sessions import wait_until_alone
from tests.factories import StaffMembershipFactory, UserFactory
from tests.projects.vestre_toten import SHIPPED_CSV
from tests.reliability.workers import Publisher, Worker, forget_queue

QUEUE = f"report-e2e-{os.getpid()}"
TIMEOUT = 90


@pytest.fixture
def worker(settings, tmp_path):
    # From the test settings, not from the app's configuration, which a test run earlier in this
    # process may have read while it overrode the settings. MEDIA_ROOT is this test's own
    # (tests/conftest.py), so the worker writes the report where the download view reads it.
    broker = settings.CELERY_BROKER_URL
    worker = Worker(broker, QUEUE, settings.MEDIA_ROOT, tmp_path / "worker.log")
    publisher = Publisher(broker, QUEUE)
    try:
        yield worker
    finally:
        publisher.restore()
        worker.stop()
        forget_queue(broker, QUEUE)
        # Its database session too (else the run's test database could not be dropped at the end).
        assert not wait_until_alone(), "the worker's database session outlived it"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_report_the_leader_downloads(worker, client):
    call_command("seed_programmes", stdout=io.StringIO())
    call_command("import_grants", str(SHIPPED_CSV), programme="vestre-toten", stdout=io.StringIO())
    programme = Programme.objects.get(slug="vestre-toten")
    leader = UserFactory(email="leder@vestre-toten.no", is_staff=True)
    leader.groups.add(Group.objects.get(name=roles.PROGRAMME_LEADER))
    StaffMembershipFactory(programme=programme, user=leader)

    job = report_job_request(programme, year=2012, kind=ReportJob.Kind.ANNUAL_PLAN_PDF, actor=leader)

    seen = set()
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add((job.state, job.progress))
        if job.state in (ReportJob.State.DONE, ReportJob.State.FAILED) or worker.process.poll() is not None:
            break
        time.sleep(0.05)
    assert job.state == ReportJob.State.DONE, f"{job.state} {job.error}\n{worker.output()[-3000:]}"
    assert any(state == ReportJob.State.RUNNING and 0 < progress < 100 for state, progress in seen), seen
    assert job.attempts == 1

    client.force_login(leader)
    response = client.get(reverse("admin:reports_reportjob_download", args=[job.pk]))
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == job.sha256

"""The annual report built by a real Celery worker process, through Redis and PostgreSQL.

The worker runs the production shape (``REDIS_URL`` set, so nothing is eager) against this test's
database, which ``transaction=True`` commits so the worker can read it. It uses the test settings'
Redis database (``REDIS_URL``, db 15 unless set) and listens on a queue of its own, so no other
test run or worker takes the task. (Switching this process to another Redis database at run time
is not reliable once a test has published: kombu keeps the first broker connection.)
"""

import hashlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from kombu import pools as kombu_pools

from omstilling import celery_app, roles
from omstilling.models import Programme
from reports.models import ReportJob
from reports.services import report_job_request
from tests.factories import StaffMembershipFactory, UserFactory
from tests.projects.vestre_toten import SHIPPED_CSV

ROOT = Path(__file__).resolve().parents[2]
QUEUE = f"report-e2e-{os.getpid()}"
TIMEOUT = 90


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _forget_connections():
    """Make the app read its broker and queue settings again: the connection pools and the AMQP
    helper (queues, router) are built on first use and cached."""
    kombu_pools.reset()
    celery_app._after_fork()
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def worker(media_root, settings):
    # From the test settings, not from the app's configuration, which a test run earlier in this
    # process may have read while it overrode the settings.
    broker = settings.CELERY_BROKER_URL
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "omstilling.settings.dev",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": broker,
        "MEDIA_ROOT": str(media_root),
    }
    log = open(media_root.parent / "worker.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "omstilling",
            "worker",
            "--pool",
            "solo",
            "-Q",
            QUEUE,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    conf = celery_app.conf
    saved = {
        key: conf[key] for key in ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    }
    conf.update(task_always_eager=False, broker_url=broker, result_backend=broker, task_default_queue=QUEUE)
    _forget_connections()
    try:
        yield process, log
    finally:
        conf.update(saved)
        _forget_connections()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        redis.Redis.from_url(broker).delete(QUEUE)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_report_the_leader_downloads(worker, client):
    process, log = worker
    call_command("seed_programmes", stdout=io.StringIO())
    call_command("import_grants", str(SHIPPED_CSV), programme="vestre-toten", stdout=io.StringIO())
    programme = Programme.objects.get(slug="vestre-toten")
    leader = UserFactory(email="leder@vestre-toten.no", is_staff=True)
    leader.groups.add(Group.objects.get(name=roles.PROGRAMME_LEADER))
    StaffMembershipFactory(programme=programme, user=leader)

    job = report_job_request(programme, 2012, ReportJob.Kind.ANNUAL_PLAN_PDF, leader)

    seen = set()
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add((job.state, job.progress))
        if job.state in (ReportJob.State.DONE, ReportJob.State.FAILED) or process.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    assert job.state == ReportJob.State.DONE, f"{job.state} {job.error}\n{log.read()[-3000:]}"
    assert any(state == ReportJob.State.RUNNING and 0 < progress < 100 for state, progress in seen), seen
    assert job.attempts == 1

    client.force_login(leader)
    response = client.get(reverse("admin:reports_reportjob_download", args=[job.pk]))
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == job.sha256

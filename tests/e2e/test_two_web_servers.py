"""Two web servers, one portal: two gunicorn processes on different ports share PostgreSQL (this
test's database, committed by ``transaction=True``), Redis (caches and the logged-in sessions,
REDIS_URL) and the object store (a bucket on the moto server, tests/s3.py), and one applicant's
requests alternate between them as a load balancer without sticky sessions would send them:

log in on A, save the contact step and upload an attachment on B, submit on A, download the
attachment from B.

The servers run the dev settings with DEBUG off, configured only through the environment
(DATABASE_URL, REDIS_URL, SECRET_KEY, AWS_*), as a production host is; the generated settings file
adds only what a test needs: tasks in-process (no worker here) and the tests' fast password hasher.
"""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Attachment, OrganisationMembership
from tests.factories import (
    CallFactory,
    FocusAreaFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    PlanPeriodFactory,
    ProgrammeFactory,
    UserFactory,
)
from tests.portal.conftest import make_complete, make_draft
from tests.portal.files import PDF
from tests.s3 import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-word-123"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

SETTINGS = """
from omstilling.settings.dev import *  # noqa: F403

DEBUG = False
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
"""


class WebServer:
    """``gunicorn omstilling.wsgi`` (one worker, two threads) on a port of its own."""

    def __init__(self, name, env, work):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = work / f"{name}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "omstilling.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "2",
                "--worker-class",
                "gthread",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            # Its own process group: stop() ends the master and its worker together, so no orphaned
            # worker keeps a database session open after the test (the run must drop its database).
            start_new_session=True,
        )

    def wait_ready(self, timeout=45):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn on {self.port} did not answer:\n{self.output()}")

    def output(self):
        return self.log_path.read_text()[-3000:]

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # The worker may outlive the master by a moment; the group is gone when nothing answers.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        self.log.close()


@pytest.fixture
def two_servers(tmp_path, settings, s3_bucket):
    (tmp_path / "two_web_settings.py").write_text(SETTINGS)
    db = connection.settings_dict
    env = {
        **os.environ,
        **s3_bucket.environment(),
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "two_web_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": f"two-servers-{uuid.uuid4().hex}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(tmp_path / "no-local-media"),
    }
    servers = [WebServer(name, env, tmp_path) for name in ("web-a", "web-b")]
    try:
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


def csrf(response):
    match = CSRF.search(response.text)
    assert match, f"no CSRF token on {response.url} ({response.status_code})"
    return match.group(1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_applicant_alternating_between_two_web_servers_logs_in_saves_uploads_submits_and_downloads(
    two_servers, s3_bucket, settings, tmp_path
):
    a, b = two_servers
    programme = ProgrammeFactory()
    area = FocusAreaFactory(plan_period=PlanPeriodFactory(programme=programme), number=1)
    call = CallFactory(programme=programme)
    call.focus_areas.set([area])
    applicant = UserFactory(email="kari@to-servere.no", email_verified_at=timezone.now())
    organisation = OrganisationFactory(name="To Servere AS")
    OrganisationMembershipFactory(
        organisation=organisation, user=applicant, role=OrganisationMembership.Role.ADMIN
    )
    draft = make_complete(make_draft(call, organisation, applicant))

    # One browser (one cookie jar for 127.0.0.1, whichever port answers).
    browser = requests.Session()

    def follow(server, path, **kwargs):
        response = browser.get(f"{server.base}{path}", timeout=30, **kwargs)
        assert response.status_code == 200, (path, response.status_code, server.output())
        return response

    def post(server, path, data, files=None, expect=302):
        response = browser.post(
            f"{server.base}{path}", data=data, files=files, allow_redirects=False, timeout=30
        )
        assert response.status_code == expect, (path, response.status_code, response.text[:2000])
        return response

    # Log in on A.
    login = reverse("login")
    post(
        a,
        login,
        {"csrfmiddlewaretoken": csrf(follow(a, login)), "username": applicant.email, "password": PASSWORD},
    )
    session_key = browser.cookies["sessionid"]
    shared = redis.Redis.from_url(settings.REDIS_URL)
    assert any(shared.scan_iter(f"*{session_key}*")), "the session is not in the shared Redis"

    # Save the contact step on B: B knows the session A started.
    contact = reverse("application_step", args=[draft.pk, "kontakt"])
    post(
        b,
        contact,
        {
            "csrfmiddlewaretoken": csrf(follow(b, contact)),
            "contact_name": "Kari Kontakt",
            "contact_email": "kontakt@to-servere.no",
            "contact_phone": "61 00 00 00",
        },
    )
    draft.refresh_from_db()
    assert draft.contact_name == "Kari Kontakt"

    # Upload an attachment on B: it goes to the shared bucket, not to B's disk.
    content = PDF + f"% {uuid.uuid4().hex}\n".encode()
    page = follow(b, reverse("application_step", args=[draft.pk, "vedlegg"]))
    post(
        b,
        reverse("attachment_upload", args=[draft.pk]),
        {"csrfmiddlewaretoken": csrf(page), "kind": "project_plan"},
        files={"file": ("prosjektplan.pdf", content, "application/pdf")},
    )
    attachment = Attachment.objects.get(application=draft)
    assert s3_bucket.keys() == [attachment.file.name]
    assert s3_bucket.read(attachment.file.name) == content
    assert not (tmp_path / "no-local-media").exists()

    # Submit on A.
    summary = follow(a, reverse("application_step", args=[draft.pk, "oppsummering"]))
    receipt = post(
        a,
        reverse("application_submit", args=[draft.pk]),
        {"csrfmiddlewaretoken": csrf(summary), "confirmed": "on"},
    )
    assert Application.objects.get(pk=draft.pk).state == Application.State.SUBMITTED
    assert draft.reference in follow(a, receipt.headers["Location"]).text

    # Download the attachment from B, through the access-checked view.
    download = follow(b, reverse("attachment_download", args=[attachment.pk]))
    assert download.content == content
    assert download.headers["Content-Disposition"] == 'attachment; filename="prosjektplan.pdf"'

    # Someone else's browser gets nothing from either server.
    stranger = requests.Session()
    for server in (a, b):
        refused = stranger.get(
            f"{server.base}{reverse('attachment_download', args=[attachment.pk])}", timeout=30
        )
        assert content not in refused.content

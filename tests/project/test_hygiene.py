"""Small things a newcomer notices: the icon, each log line once, no deprecated settings, https by default."""

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.forms import modelform_factory

from omstilling.models import Programme
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def test_the_browser_s_favicon_request_gets_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")


@pytest.mark.django_db
def test_portal_error_and_admin_pages_link_the_svg_icon(client, settings):
    icon = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    assert icon in client.get("/").content.decode()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert icon in client.get("/admin/").content.decode()
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200
    assert b"<svg" in b"".join(svg.streaming_content)


def test_error_pages_link_the_icon_too():
    assert "{% static 'favicon.svg' %}" in (ROOT / "templates" / "error_base.html").read_text()


def test_a_website_typed_without_a_scheme_is_read_as_https():
    form = modelform_factory(Programme, fields=["website"])(data={"website": "elverum.kommune.no"})
    form.is_valid()
    assert form.cleaned_data["website"] == "https://elverum.kommune.no"


def test_no_transitional_setting_is_left_and_our_deprecations_fail_the_suite():
    assert "FORMS_URLFIELD_ASSUME_HTTPS" not in (ROOT / "omstilling" / "settings" / "base.py").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"error::django.utils.deprecation.RemovedInDjango60Warning"' in pyproject
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "omstilling.settings.dev", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_dev_server_prints_each_log_line_once(tmp_path):
    """`make run`'s runserver: the request line and Django's "Not Found" warning, each once."""
    port = free_port()
    log = (tmp_path / "runserver.log").open("w+")
    env = {
        "DJANGO_SETTINGS_MODULE": "omstilling.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PATH": "/usr/bin:/bin",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--nothreading",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _attempt in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "runserver.log").read_text()
                time.sleep(0.1)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/finnes-ikke-17", timeout=5)
        except urllib.error.HTTPError as error:
            assert error.code == 404
        # One request at a time (--nothreading): once this one is answered, the ones before are logged.
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?last", timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
    output = (tmp_path / "runserver.log").read_text()
    assert len(re.findall(r"Not Found: /finnes-ikke-17", output)) == 1, output
    assert len(re.findall(r'"GET /finnes-ikke-17 HTTP/1.1" 404', output)) == 1, output
    assert len(re.findall(r'\] "GET /healthz HTTP/1.1" 200', output)) == 1, output  # with its time

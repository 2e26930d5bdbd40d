"""Liveness (/healthz: touches nothing) and readiness (/readyz: database, Redis and the file store answer)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db

CHECKS = {"database:default", "cache:default", "cache:sessions", "storage:default", "redis"}


def test_liveness_touches_neither_database_nor_session(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_is_200_when_database_redis_and_storage_answer(client, settings):
    assert settings.REDIS_URL  # the test settings run on a real Redis, as production does
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}
    # Through the whole middleware stack: no session is made, nothing is cached, the CSP is there.
    assert "sessionid" not in response.cookies
    assert "no-cache" in response["Cache-Control"]
    assert "Content-Security-Policy" in response


def test_readiness_with_axes_on_and_an_anonymous_client_asking_for_html(client, settings):
    settings.AXES_ENABLED = True
    response = client.get("/readyz", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def dead_redis_caches(settings):
    url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    backend = "omstilling.cache.FailSoftRedisCache"
    settings.CACHES = {
        "default": {"BACKEND": backend, "LOCATION": url, "OPTIONS": options},
        "sessions": {"BACKEND": backend, "LOCATION": url, "OPTIONS": options},
    }
    settings.REDIS_URL = url


def test_readiness_is_503_when_redis_is_down_and_says_only_what_failed(client, settings):
    dead_redis_caches(settings)
    response = client.get("/readyz", HTTP_ACCEPT="text/plain")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {
            "database:default": "ok",
            "cache:default": "unavailable",
            "cache:sessions": "unavailable",
            "storage:default": "ok",
            "redis": "unavailable",
        },
    }
    body = response.content.decode()
    for secret in ("127.0.0.1", ":1", "onnection", "rror", "Traceback"):
        assert secret not in body, secret
    for format_override in ("json", "text", "rss", "openmetrics"):
        leaked = client.get("/readyz", {"format": format_override})
        assert leaked.status_code == 503
        assert "127.0.0.1" not in leaked.content.decode()


def test_readiness_is_503_when_the_file_store_cannot_be_written(client, settings, tmp_path):
    not_a_directory = tmp_path / "media-is-a-file"
    not_a_directory.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(not_a_directory)},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage:default"] == "unavailable"
    assert response.json()["checks"]["database:default"] == "ok"
    assert str(tmp_path) not in response.content.decode()


def run_healthcheck(url):
    env = {"READYZ_URL": url, "ALLOWED_HOSTS": ".localhost,example.no", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "healthcheck.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db(transaction=True)
def test_compose_healthcheck_script_passes_a_ready_server_and_fails_a_broken_one(
    live_server, settings, tmp_path
):
    ready = run_healthcheck(f"{live_server.url}/readyz")
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert ready.stdout.startswith("200 ")

    not_a_directory = tmp_path / "media-is-a-file"
    not_a_directory.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(not_a_directory)},
        },
    }
    broken = run_healthcheck(f"{live_server.url}/readyz")
    assert broken.returncode == 1
    assert broken.stdout.startswith("503 ")

    unreachable = run_healthcheck("http://127.0.0.1:1/readyz")
    assert unreachable.returncode == 1

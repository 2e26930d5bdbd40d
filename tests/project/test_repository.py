"""Repository-level promises: compose file, migrations, lint, README, CI script."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_docker_compose_defines_web_worker_db_and_redis():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "db", "redis"} <= set(services)
    assert services["db"]["image"].startswith("postgres")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["worker"]["command"].startswith("celery -A omstilling worker")
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["web"]["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert services["beat"]["command"].startswith("celery -A omstilling beat")


def test_docker_compose_puts_caddy_in_front_of_a_web_that_publishes_nothing():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    proxy, web = services["proxy"], services["web"]
    assert proxy["image"].startswith("caddy:")
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    caddyfile = next(v.split(":")[0] for v in proxy["volumes"] if v.endswith(":/etc/caddy/Caddyfile:ro"))
    assert "reverse_proxy web:8000" in (ROOT / caddyfile).read_text()
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    # Only Caddy is reachable from outside; nothing else publishes a port.
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]
    # One proxy: the lock-out trusts exactly the X-Forwarded-For entry Caddy writes; the others need none.
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    assert "TRUSTED_PROXY_COUNT" not in services["worker"]["environment"]
    assert web["environment"]["DJANGO_SETTINGS_MODULE"] == "omstilling.settings.prod"


def test_docker_compose_health_checks_web_readiness_with_the_image_s_own_python():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py"]
    assert "/readyz" in (ROOT / "deploy" / "healthcheck.py").read_text()
    for name in ("db", "redis"):
        assert services[name]["healthcheck"]["test"], name


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = {
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if not line.startswith("#")
    }
    assert {".env", ".venv", "media", "db.sqlite3", ".git"} <= ignored
    assert "**/__pycache__" in ignored
    assert ".pytest_cache" in ignored


def test_every_periodic_task_names_a_registered_celery_task(settings):
    """A typo in CELERY_BEAT_SCHEDULE would only show as a KeyError in the worker's log, hours later."""
    from omstilling.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names == {
        "projects.tasks.grants_lapse_overdue",
        "reports.tasks.report_jobs_requeue_stale",
        "applications.tasks.receipts_resend_unsent",
        "projects.tasks.retention_apply",
        "projects.tasks.grant_deadline_reminders",
    }
    assert names <= set(app.tasks), sorted(names - set(app.tasks))


@pytest.mark.django_db
def test_models_and_migrations_are_in_sync():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    head = readme[: readme.index("make test") + 20]
    assert "make run" in head
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_layout_has_the_designed_top_level():
    expected = [
        "manage.py",
        "omstilling",
        "applications",
        "projects",
        "reports",
        "templates",
        "static",
        "tests",
        "requirements.txt",
        "docker-compose.yml",
        "README.md",
        "Makefile",
        ".ci/run",
        "bench",
    ]
    for name in expected:
        assert (ROOT / name).exists(), name

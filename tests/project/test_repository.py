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

"""The settings the issue promises: prod passes check --deploy, dev is embedded, Celery is reliable."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from omstilling.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, settings_module, extra_env=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' live server; a deployment never has it.
    dropped = (
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DEBUG",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    )
    for key in dropped:
        if key not in (extra_env or {}):
            env.pop(key, None)
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PROD_ENV = {
    "SECRET_KEY": "k" * 20 + "-production-secret-with-enough-entropy-0123456789abcdef",
    "ALLOWED_HOSTS": "omstilling.example.no",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_prod_settings_pass_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        settings_module="omstilling.settings.prod",
        extra_env=PROD_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_prod_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in PROD_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", settings_module="omstilling.settings.prod", extra_env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_dev_settings_default_to_sqlite_and_in_process_celery():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "omstilling.settings.dev"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_dev_settings_use_redis_and_a_worker_when_redis_url_is_set():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER)"
    )
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE="omstilling.settings.dev", REDIS_URL="redis://127.0.0.1:6379/3"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://127.0.0.1:6379/3", "False"]


def test_language_and_time_zone_are_norwegian():
    assert settings.LANGUAGE_CODE == "nb"
    assert [code for code, _ in settings.LANGUAGES] == ["nb", "en"]
    assert settings.TIME_ZONE == "Europe/Oslo"
    assert settings.USE_TZ is True


def test_celery_acknowledges_late_and_survives_a_lost_worker():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    # Redis would hand a still-running task to a second worker if this were shorter.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


def test_celery_stores_results_in_redis_the_web_process_can_read():
    assert celery_app.conf.result_backend.startswith("redis://")
    assert celery_app.conf.broker_url.startswith("redis://")


def test_celery_broker_is_reachable():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.connected


def test_check_services_explains_how_to_start_an_unreachable_postgresql():
    result = run_manage(
        "check_services",
        settings_module="omstilling.settings.test",
        extra_env={"DATABASE_URL": "postgres://postgres@127.0.0.1:1/omstilling"},
    )
    assert result.returncode != 0
    assert "PostgreSQL is not reachable at 127.0.0.1:1" in result.stderr
    assert "pg_ctlcluster" in result.stderr


def test_make_run_steps_load_both_programmes_into_sqlite(tmp_path):
    """What `make run` does before serving, on the embedded default (SQLite, no Redis)."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}", "DEBUG": "true"}
    steps = [
        ("migrate", "--noinput"),
        ("seed_programmes",),
        ("import_grants", "data/vestre_toten_2011_2012.csv", "--programme", "vestre-toten"),
        ("seed_demo_users",),
        ("grant_table", "--programme", "vestre-toten", "--year", "2011"),
    ]
    results = [run_manage(*step, settings_module="omstilling.settings.dev", extra_env=env) for step in steps]
    for step, result in zip(steps, results, strict=True):
        assert result.returncode == 0, (step, result.stderr)
    assert "leder@vestre-toten.demo" in results[3].stdout
    assert "styreleder@elverumregionen.demo" in results[3].stdout
    assert '"total_granted_amount": 2600000' in results[4].stdout

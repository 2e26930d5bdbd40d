"""Backup and restore as the README says: ``pg_dump -Fc`` of the database, ``pg_restore`` into a fresh one.

The data must be committed for pg_dump (another session) to see it, hence ``transaction=True``.
"""

import os
import shutil
import subprocess
import uuid
from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from applications.models import Application, Decision
from projects.models import Grant
from tests.factories import GrantFactory

TOOLS = {name: shutil.which(name) for name in ("pg_dump", "pg_restore")}


def libpq(settings_dict, name=None):
    """Command-line options and environment for the PostgreSQL client programs."""
    options = ["-h", settings_dict["HOST"] or "127.0.0.1", "-p", str(settings_dict["PORT"] or 5432)]
    options += ["-U", settings_dict["USER"] or "postgres", "-d", name or settings_dict["NAME"]]
    env = {**os.environ, "PGPASSWORD": settings_dict["PASSWORD"] or ""}
    return options, env


def server(settings_dict, name="postgres"):
    return psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"] or "postgres",
        password=settings_dict["PASSWORD"] or None,
        dbname=name,
        autocommit=True,
    )


TRIGGERS = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"


@pytest.mark.skipif(
    not all(TOOLS.values()), reason="pg_dump/pg_restore not on PATH (apt-get install postgresql-client)"
)
@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_into_a_fresh_database_gives_back_the_application_and_its_grant(tmp_path):
    grant = GrantFactory(
        amount=Decimal("412500"),
        decision__amount=Decimal("412500"),
        decision__application__title="Bioraffineri på Hamar",
    )
    live = connection.settings_dict
    dump = tmp_path / "omstilling.dump"
    options, env = libpq(live)
    subprocess.run([TOOLS["pg_dump"], "-Fc", "--no-owner", *options, "-f", str(dump)], env=env, check=True)
    assert dump.stat().st_size > 0

    fresh = f"{live['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with server(live) as admin:
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        options, env = libpq(live, name=fresh)
        restore = subprocess.run(
            [TOOLS["pg_restore"], "--no-owner", "--exit-on-error", *options, str(dump)],
            env=env,
            capture_output=True,
            text=True,
        )
        assert restore.returncode == 0, restore.stderr

        # Read back on a connection of its own (the test may only use Django's own test database).
        with server(live, name=fresh) as restored:
            row = restored.execute(
                f"SELECT g.reference, g.amount, g.state, a.reference, a.title, d.application_id"
                f" FROM {Grant._meta.db_table} g"
                f" JOIN {Application._meta.db_table} a ON a.id = g.application_id"
                f" JOIN {Decision._meta.db_table} d ON d.id = g.decision_id"
                f" WHERE g.id = %s",
                [grant.pk],
            ).fetchone()
            triggers = restored.execute(TRIGGERS).fetchall()
        assert row == (
            grant.reference,
            Decimal("412500"),
            Grant.State.ACCEPTED,
            grant.application.reference,
            "Bioraffineri på Hamar",
            grant.application.pk,
        )
        # The money invariants the database enforces (triggers) come back with the data.
        with connection.cursor() as cursor:
            cursor.execute(TRIGGERS)
            assert triggers == cursor.fetchall()
        assert triggers
    finally:
        with server(live) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
    with server(live) as admin:
        assert not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [fresh]).fetchone()

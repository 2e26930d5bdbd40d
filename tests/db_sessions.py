"""Other sessions on this test run's database: threads and worker processes a test started.

pytest-django drops ``test_omstilling_gwN`` at the end of the run, and PostgreSQL refuses while any
other session is still connected ("is being accessed by other users"): the database is left behind.
A test that starts threads or processes with connections of their own waits here, in its fixture,
until they are gone; the suite's ``django_db_setup`` (tests/conftest.py) ends any still left at the
end and names them, so the database is always dropped.
"""

import time

from django.db import connection

OTHERS = (
    "SELECT pid, application_name, state, left(query, 120) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def other_sessions():
    with connection.cursor() as cursor:
        cursor.execute(OTHERS)
        return cursor.fetchall()


def wait_until_alone(seconds=30):
    """Wait (bounded) until no other session is connected to this database; answer those left."""
    deadline = time.monotonic() + seconds
    while (left := other_sessions()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def end_other_sessions():
    """pg_terminate_backend every other session on this database; answer what was ended."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 120), pg_terminate_backend(pid)"
            " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[:4] for row in cursor.fetchall()]

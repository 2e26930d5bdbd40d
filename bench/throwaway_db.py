"""A throw-away PostgreSQL database for a benchmark script, dropped and recreated on every run."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def use_throwaway_database(default_name, settings="omstilling.settings.test"):
    """Point Django (``settings``) at BENCH_DATABASE_URL or ``default_name`` on the local server.

    Call before ``django.setup()``; returns the URL.
    """
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_name}")
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    return url


def recreate_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

"""Fixtures for the whole suite, including the browser tests' Playwright + Debian Chromium."""

import os
import sys
from pathlib import Path

import pytest
from celery._state import _set_task_join_will_block
from django.db import connection, connections
from django.utils import translation

from tests.s3 import object_storage, s3_bucket, s3_endpoint  # noqa: F401 - fixtures for every test


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, which it drops at the end only if no other session is connected.

    The tests that start threads or worker processes wait for their connections to end
    (tests/db_sessions.py); anything still connected here is ended and named, so that
    ``make test`` never leaves a ``test_omstilling_gwN`` behind.
    """
    yield
    from tests.db_sessions import end_other_sessions, wait_until_alone

    with django_db_blocker.unblock():
        if wait_until_alone(seconds=10):
            for session in end_other_sessions():
                sys.stderr.write(f"\nended a session still connected to the test database: {session}\n")
        connection.close()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes uploads and reports to its own temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _celery_may_wait_for_results():
    """Each test starts with Celery's process-wide "a task is running here" flag down.

    An eager task raises the flag while it runs and puts back what it found; tasks run eagerly in
    several threads at once (the concurrency tests) can put it back raised, and a later test's
    ``result.get()`` is then refused with "Never call result.get() within a task!".
    """
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _default_language(settings):
    """Each test starts in Norwegian: a request made in English leaves English active in the thread."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium_browser(monkeypatch):
    """Per test: Playwright's sync API keeps an event loop running in the test thread while it is open.

    The test still reads the database synchronously (factories, the outbox), which Django refuses
    while a loop runs unless told otherwise — for this test only, never for the rest of the session
    or the processes other tests start.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not CHROMIUM.exists():
        pytest.skip("Debian Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The ORM calls the test made while Playwright's loop ran opened connections of their own
        # (Django keeps one per async context); close them here, or the database session stays open
        # after the test and the run cannot drop its test database.
        connections.close_all()


@pytest.fixture
def browser_page(chromium_browser):
    context = chromium_browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_dir(tmp_path):
    """Where screenshots go: $E2E_SCREENSHOT_DIR if set (to look at them), else the test's tmp dir."""
    directory = Path(os.environ.get("E2E_SCREENSHOT_DIR") or tmp_path / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory

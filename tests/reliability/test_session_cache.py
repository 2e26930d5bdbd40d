"""Sessions are read from Redis, and the portal stays up, logged in, when Redis cannot be reached."""

import socket

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from omstilling.settings.base import cache_settings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def closed_port():
    """A local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def person(db):
    return UserFactory(email="kari@bedrift.no", password=PASSWORD)


def log_in(client):
    response = client.post(reverse("login"), {"username": "kari@bedrift.no", "password": PASSWORD})
    assert response.status_code == 302


def session_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return [query for query in context.captured_queries if "django_session" in query["sql"]]


def test_a_logged_in_page_reads_the_session_from_redis_not_the_database(client, person):
    log_in(client)
    assert session_queries(client, reverse("my_applications")) == []
    assert client.cookies["sessionid"].value


def test_with_redis_unreachable_the_applicant_stays_logged_in_and_can_log_out(client, person):
    log_in(client)
    dead = cache_settings(f"redis://127.0.0.1:{closed_port()}/0")
    with override_settings(CACHES=dead):
        # The session comes from the database instead.
        assert len(session_queries(client, reverse("my_applications"))) == 1
        assert client.post(reverse("logout")).status_code == 302
        response = client.get(reverse("my_applications"))
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_logout_while_redis_was_unreachable_does_not_outlive_the_cached_copys_cap(client, person):
    """The copy the logout could not delete expires from Redis within ten minutes."""
    log_in(client)
    session_key = client.cookies["sessionid"].value
    sessions = caches[settings.SESSION_CACHE_ALIAS]
    key = sessions.make_and_validate_key(KEY_PREFIX + session_key)
    ttl = sessions._cache.get_client(key).ttl(key)
    # Django asks for the session's whole age (two weeks); the cache keeps it ten minutes at most.
    assert settings.SESSION_COOKIE_AGE > 600
    assert 0 < ttl <= 600

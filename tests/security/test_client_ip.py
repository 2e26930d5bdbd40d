"""Behind the TLS proxy the lock-out must count per real client, and a client cannot forge its address."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse

from omstilling.client_ip import client_ip
from tests.factories import UserFactory

PASSWORD = "pass-word-123"


def request_from(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_socket_address_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("10.0.0.2", "203.0.113.9")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),  # the client, as the proxy saw it
        ("6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged entry in front is ignored
        ("  198.51.100.7 ,", "198.51.100.7"),
        ("", "10.0.0.2"),  # not through the proxy at all: only the socket address is known
    ],
)
def test_behind_one_proxy_the_proxys_entry_counts(settings, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", forwarded)) == expected


def test_two_proxies_take_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("10.0.0.3", "6.6.6.6, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"


def test_production_settings_use_it_for_the_lockout():
    import subprocess
    import sys

    code = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.AXES_CLIENT_IP_CALLABLE, settings.TRUSTED_PROXY_COUNT)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "omstilling.settings.prod",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "example.no",
        "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    # No proxy unless the operator says so (docker-compose.yml sets 1 for its Caddy).
    assert out.stdout.split() == ["omstilling.client_ip.client_ip", "0"]


@pytest.fixture
def locked_owner(db, settings):
    """Axes on; the owner's account has had five wrong passwords from one address."""
    settings.AXES_ENABLED = True
    return UserFactory(email="leder@elverumregionen.no", password=PASSWORD)


def portal_login(client, email, password, **meta):
    return client.post(reverse("login"), {"username": email, "password": password}, **meta)


def test_an_attacker_with_default_settings_cannot_lift_the_lock_out_by_forging_x_forwarded_for(
    locked_owner, settings
):
    assert settings.TRUSTED_PROXY_COUNT == 0  # the shipped default, not set by this test
    attacker = Client(REMOTE_ADDR="192.0.2.50")
    for _attempt in range(5):
        portal_login(attacker, locked_owner.email, "feil")

    refused = portal_login(attacker, locked_owner.email, PASSWORD)
    assert refused.status_code == 429

    for forged in ("203.0.113.7", "198.51.100.1, 203.0.113.7"):
        response = portal_login(attacker, locked_owner.email, PASSWORD, HTTP_X_FORWARDED_FOR=forged)
        assert response.status_code == 429, forged
        assert "_auth_user_id" not in attacker.session
    # Every failure was counted against the socket address, none against a forged one.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.50"}


PROXY = "172.18.0.5"  # Caddy's address on the compose network: every request arrives from it


def test_behind_one_proxy_the_address_the_proxy_appended_is_the_one_locked_out(locked_owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR=PROXY)
    for _attempt in range(5):
        portal_login(attacker, locked_owner.email, "feil", HTTP_X_FORWARDED_FOR="192.0.2.50")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.50"}

    # The attacker writes another address in front; Caddy appends the real one, which still counts.
    forged = portal_login(
        attacker, locked_owner.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7, 192.0.2.50"
    )
    assert forged.status_code == 429
    assert "_auth_user_id" not in attacker.session

    # The owner, through the same proxy from their own address, is not locked out by the attacker.
    owner = Client(REMOTE_ADDR=PROXY)
    response = portal_login(owner, locked_owner.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(locked_owner.pk)

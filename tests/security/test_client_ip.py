"""Behind the TLS proxy the lock-out must count per real client, and a client cannot forge its address."""

import pytest
from django.test import RequestFactory

from omstilling.client_ip import client_ip


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
    assert out.stdout.split() == ["omstilling.client_ip.client_ip", "1"]

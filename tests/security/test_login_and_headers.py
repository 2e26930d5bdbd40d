"""Log-in throttling, password reset that gives nothing away, the production cookie and transport
settings, and the content security policy on every kind of page.

The portal log-in's lock-out and cool-off, and the password reset's same-answer-for-everyone, are in
tests/portal/test_accounts.py; ``manage.py check --deploy --fail-level WARNING`` with the production
settings is tests/project/test_settings.py::test_prod_settings_pass_check_deploy_without_warnings.
"""

import json
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.project.test_settings import PROD_ENV, run_manage

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    return settings


@pytest.fixture
def staff_user():
    return UserFactory(email="leder@elverumregionen.no", is_staff=True, is_superuser=True)


def admin_login(client, username, password, **extra):
    return client.post(reverse("admin:login"), {"username": username, "password": password}, **extra)


def test_the_admin_login_locks_after_five_failures_and_opens_after_the_cool_off(client, axes_on, staff_user):
    for _attempt in range(5):
        admin_login(client, staff_user.email, "feil")

    locked = admin_login(client, staff_user.email, PASSWORD)
    assert locked.status_code == 429
    assert "For mange mislykkede forsøk" in locked.content.decode()

    # Time travel: the failures are now older than the cool-off.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - axes_on.AXES_COOLOFF_TIME - timezone.timedelta(minutes=1)
    )
    opened = admin_login(client, staff_user.email, PASSWORD)
    assert opened.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)


def test_a_lock_is_not_dodged_by_padding_or_recasing_the_address(client, axes_on, staff_user):
    for _attempt in range(5):
        client.post(reverse("login"), {"username": staff_user.email, "password": "feil"})

    for variant in (f" {staff_user.email}", f"{staff_user.email} ", staff_user.email.upper()):
        response = client.post(reverse("login"), {"username": variant, "password": PASSWORD})
        # Locked (429) or simply not logged in (the address is case-sensitive): never through.
        assert response.status_code in (200, 429), variant
        assert "_auth_user_id" not in client.session, variant


def test_the_lock_holds_the_address_and_address_pair_so_an_attacker_cannot_lock_out_the_owner(
    client, axes_on, staff_user
):
    for _attempt in range(5):
        admin_login(client, staff_user.email, "feil", REMOTE_ADDR="203.0.113.9")

    assert admin_login(Client(), staff_user.email, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert admin_login(Client(), staff_user.email, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_password_reset_answers_known_and_unknown_addresses_with_the_same_page(client):
    UserFactory(email="kari@glommen-skog.no")
    UserFactory(email="sovende@glommen-skog.no", is_active=False)

    answers = [
        client.post(reverse("password_reset"), {"email": email}, follow=True)
        for email in ("kari@glommen-skog.no", "ingen@glommen-skog.no", "sovende@glommen-skog.no")
    ]

    assert {(r.status_code, tuple(r.redirect_chain)) for r in answers} == {
        (200, ((reverse("password_reset_done"), 302),))
    }
    pages = {re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode()) for r in answers}
    assert len(pages) == 1
    assert [message.to for message in mail.outbox] == [["kari@glommen-skog.no"]]


# --- The content security policy ----------------------------------------------------------------


def boom(request):
    raise RuntimeError("boom")


def ok(request):
    return HttpResponse("<p>ok</p>")


urlpatterns = [path("boom/", boom), path("", include("omstilling.urls"))]


def assert_strict_csp(response):
    policy = response.get("Content-Security-Policy", "")
    directives = {
        name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_portal_admin_and_error_pages_send_a_csp_without_unsafe_inline(settings, axes_on, staff_user):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    portal = client.get(reverse("my_applications"))
    admin = client.get(reverse("admin:index"))
    not_found = client.get("/finnes-ikke/")
    server_error = client.get("/boom/")
    csrf_failure = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    for _attempt in range(5):
        admin_login(Client(), staff_user.email, "feil")
    locked_out = admin_login(Client(), staff_user.email, PASSWORD)

    for response, status in (
        (portal, 200),
        (admin, 200),
        (not_found, 404),
        (server_error, 500),
        (csrf_failure, 403),
        (locked_out, 429),
        (Client().get(reverse("admin:login")), 200),
    ):
        assert response.status_code == status
        assert_strict_csp(response)


# --- Production settings ------------------------------------------------------------------------

PROBE = """
import json, django
django.setup()
from django.conf import settings as s
from django.test import Client, override_settings
# The manifest of collected static files exists only after collectstatic; the pages need it, the
# headers and cookies under test do not.
plain_storage = "django.contrib.staticfiles.storage.StaticFilesStorage"
plain_static = {**s.STORAGES, "staticfiles": {"BACKEND": plain_storage}}
with override_settings(STORAGES=plain_static):
    response = Client().get("/konto/logg-inn/", secure=True, HTTP_HOST="omstilling.example.no")
    plain = Client().get("/konto/logg-inn/", HTTP_HOST="omstilling.example.no")
csrf = response.cookies[s.CSRF_COOKIE_NAME]
print(json.dumps({
    "debug": s.DEBUG,
    "session": [s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE],
    "csrf_cookie": [csrf["secure"], csrf["httponly"], csrf["samesite"]],
    "hsts": response.get("Strict-Transport-Security"),
    "plain_http": [plain.status_code, plain.get("Location")],
    "nosniff": response.get("X-Content-Type-Options"),
    "frame": response.get("X-Frame-Options"),
    "csp": response.get("Content-Security-Policy"),
}))
"""


def test_production_cookies_are_secure_http_only_same_site_and_https_is_enforced_with_hsts():
    result = run_manage("shell", "-c", PROBE, settings_module="omstilling.settings.prod", extra_env=PROD_ENV)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["debug"] is False
    assert seen["session"] == [True, True, "Lax"]
    assert seen["csrf_cookie"] == [True, True, "Lax"]
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["plain_http"] == [301, "https://omstilling.example.no/konto/logg-inn/"]
    assert seen["nosniff"] == "nosniff"
    assert seen["frame"] == "DENY"
    assert "unsafe-inline" not in seen["csp"] and "script-src 'self'" in seen["csp"]

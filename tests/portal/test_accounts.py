"""Registration with e-mail verification, log-in, password reset and brute-force lock-out."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from omstilling.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Snøhvit-og-Trysil-2027"


def register(client, email="ola@bedrift.no"):
    return client.post(
        reverse("register"),
        {"full_name": "Ola Nordmann", "email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def link_in(message):
    return re.search(r"https?://\S+", message.body).group(0)


def test_registration_sends_a_link_and_the_account_works_only_after_confirming(client):
    response = register(client)

    assert response.status_code == 302 and response.url == reverse("register_done")
    user = User.objects.get(email="ola@bedrift.no")
    assert not user.is_active and user.email_verified_at is None
    assert not client.login(email="ola@bedrift.no", password=NEW_PASSWORD)

    link = link_in(mail.outbox[-1])
    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200  # a page with a button; a mail scanner's GET changes nothing
    assert not User.objects.get(pk=user.pk).is_active

    response = client.post(path)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active and user.email_verified_at is not None
    assert client.get(reverse("my_applications")).status_code == 200
    # The link is single-use.
    client.post(reverse("logout"))
    assert client.post(path).status_code == 400


def test_registering_a_taken_address_says_the_same_and_tells_the_owner_by_email(client):
    UserFactory(email="ola@bedrift.no")

    response = register(client)

    assert response.status_code == 302 and response.url == reverse("register_done")
    assert User.objects.filter(email="ola@bedrift.no").count() == 1
    assert "allerede en konto" in mail.outbox[-1].subject


def test_a_tampered_verification_link_is_refused(client):
    register(client)
    path = link_in(mail.outbox[-1]).split("testserver", 1)[1]

    assert client.post(path[:-3] + "abc/").status_code == 400
    assert not User.objects.get(email="ola@bedrift.no").is_active


def test_login_error_does_not_say_whether_the_address_exists(client):
    UserFactory(email="kari@bedrift.no")

    known = client.post(reverse("login"), {"username": "kari@bedrift.no", "password": "feil"})
    unknown = client.post(reverse("login"), {"username": "ingen@bedrift.no", "password": "feil"})

    def message(response):
        return re.search(r'id="error-summary".*?</div>', response.content.decode(), re.S).group(0)

    assert message(known) == message(unknown)


def test_login_and_logout(client):
    UserFactory(email="kari@bedrift.no")

    response = client.post(reverse("login"), {"username": "kari@bedrift.no", "password": "pass-word-123"})
    assert response.status_code == 302 and response.url == reverse("my_applications")

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("my_applications")).status_code == 302


def test_password_reset_does_not_reveal_whether_the_address_exists(client):
    UserFactory(email="kari@bedrift.no")

    known = client.post(reverse("password_reset"), {"email": "kari@bedrift.no"})
    unknown = client.post(reverse("password_reset"), {"email": "ingen@bedrift.no"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("password_reset_done")
    assert [message.to for message in mail.outbox] == [["kari@bedrift.no"]]


def test_password_reset_link_sets_a_new_password(client):
    UserFactory(email="kari@bedrift.no")
    client.post(reverse("password_reset"), {"email": "kari@bedrift.no"})
    path = link_in(mail.outbox[-1]).split("testserver", 1)[1]

    form_url = client.get(path).url  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert client.login(email="kari@bedrift.no", password=NEW_PASSWORD)


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    yield settings


def test_five_wrong_passwords_lock_the_login_until_the_cool_off_has_passed(client, axes_on):
    UserFactory(email="kari@bedrift.no")
    for _attempt in range(5):
        client.post(reverse("login"), {"username": "kari@bedrift.no", "password": "feil"})

    locked = client.post(reverse("login"), {"username": "kari@bedrift.no", "password": "pass-word-123"})

    assert locked.status_code == 429
    assert "For mange mislykkede forsøk" in locked.content.decode()

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - axes_on.AXES_COOLOFF_TIME - timezone.timedelta(minutes=1)
    )
    response = client.post(reverse("login"), {"username": "kari@bedrift.no", "password": "pass-word-123"})
    assert response.status_code == 302

"""The first admin of a fresh deployment: ``createsuperuser --noinput`` from environment variables.

The e-mail address is the user name (``User.USERNAME_FIELD``), so Django reads DJANGO_SUPERUSER_EMAIL
and DJANGO_SUPERUSER_PASSWORD; compose passes both from .env (README, "First admin").
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from omstilling.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "Furu-og-gran-2027!"


def test_an_operator_creates_the_first_admin_from_the_environment_and_logs_in(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Programleder@Elverumregionen.no")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    call_command("createsuperuser", "--noinput", verbosity=0)

    admin = User.objects.get()
    assert admin.email == "programleder@elverumregionen.no"  # stored as every log-in reads it
    assert admin.is_superuser and admin.is_staff and admin.is_active
    client = Client()
    response = client.post(reverse("admin:login"), {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_running_it_twice_refuses_instead_of_making_a_second_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "programleder@elverumregionen.no")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", verbosity=0)
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "PROGRAMLEDER@elverumregionen.no")

    with pytest.raises(CommandError, match="allerede|already"):
        call_command("createsuperuser", "--noinput", verbosity=0)
    assert User.objects.count() == 1


def test_without_the_e_mail_variable_it_says_which_one_is_missing(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_EMAIL", raising=False)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    with pytest.raises(CommandError, match="email"):
        call_command("createsuperuser", "--noinput", verbosity=0)
    assert not User.objects.exists()

"""``seed_demo_users`` opens an Elverum call like 2018's, so the demo applicant can apply (dev only)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from omstilling.models import Call

pytestmark = pytest.mark.django_db


def test_demo_applicant_finds_an_open_elverum_call_and_can_start(settings, client):
    settings.DEMO_USERS = True
    call_command("seed_programmes", stdout=StringIO())
    call_command("seed_demo_users", stdout=StringIO(), stderr=StringIO())
    call_command("seed_demo_users", stdout=StringIO(), stderr=StringIO())

    template = Call.objects.get(programme__slug="elverumregionen", title="Utlysning 2018")
    demo = Call.objects.get(
        programme__slug="elverumregionen", is_historical=False, deadline__gt=timezone.now()
    )
    assert demo.title == f"Utlysning {demo.year}"
    assert timezone.localtime(demo.deadline).strftime("%d.%m %H:%M") == "15.05 23:59"
    assert demo.budget == template.budget
    assert set(demo.focus_areas.all()) == set(template.focus_areas.all())
    assert Call.objects.filter(programme__slug="elverumregionen").count() == 2

    assert demo.title in client.get(reverse("front_page")).content.decode()
    client.login(email="soker@elverumregionen.demo", password="omstilling-demo")
    assert client.get(reverse("application_start", args=[demo.pk])).status_code == 200

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


def test_the_demo_applicant_has_a_rejected_application_she_can_appeal(
    settings, django_capture_on_commit_callbacks
):
    from applications.models import Application, Letter
    from applications.selectors import appeal_standing
    from applications.services.appeals import appeal_lodge
    from omstilling.models import User

    settings.DEMO_USERS = True
    call_command("seed_programmes", stdout=StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo_users", stdout=StringIO(), stderr=(err := StringIO()))
    call_command("seed_demo_users", stdout=StringIO(), stderr=StringIO())

    rejected = Application.objects.get(title="Demo: Vinterfestival på Terningen")
    assert rejected.state == Application.State.REJECTED
    assert f"Avslått demosøknad søkeren kan klage på: {rejected.reference}" in err.getvalue()
    assert Letter.objects.filter(decision__application=rejected, kind=Letter.Kind.REJECTION_LETTER).exists()
    standing = appeal_standing(rejected)
    assert standing.refusal is None and not standing.late
    applicant = User.objects.get(email="soker@elverumregionen.demo")
    appeal = appeal_lodge(rejected, actor=applicant, reasons="Festivalen gir sesongarbeid for 12 personer.")
    assert appeal.state == "received"
    draft = Application.objects.get(title="Demo: Sykkelturisme i Finnskogen (utkast)")
    assert (draft.state, draft.created_by) == (Application.State.DRAFT, applicant)

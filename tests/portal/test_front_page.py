"""The public front page: programmes, open calls and granted projects."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Decision
from projects.models import Grant
from tests.factories import CallFactory

from .conftest import make_draft

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")


def grant_for(application, amount, year):
    decision = Decision.objects.create(
        application=application, outcome=Decision.Outcome.APPROVED, amount=amount, decided_at=timezone.now()
    )
    return Grant.objects.create(
        application=application,
        decision=decision,
        reference=f"T{year}-{application.pk}",
        year=year,
        amount=amount,
    )


def test_open_call_shows_budget_deadline_in_oslo_time_focus_areas_and_categories(client, call):
    year = timezone.localdate().year + 1
    call.deadline = dt.datetime(year, 5, 15, 23, 59, tzinfo=OSLO)
    call.save()

    page = client.get(reverse("front_page")).content.decode()

    assert "Utlysning 2027" in page
    assert "1\xa0900\xa0000 kr" in page
    assert f"15. mai {year} kl. 23.59" in page
    assert "Reiseliv og opplevelsesnæringer" in page and "Bioøkonomi" in page
    assert "Forstudie, Forprosjekt" in page
    assert reverse("application_start", args=[call.pk]) in page


def test_closed_and_historical_calls_are_not_offered(client, programme):
    closed = CallFactory(
        programme=programme,
        title="Utlysning 2018",
        opens_at=dt.datetime(2018, 1, 1, tzinfo=OSLO),
        deadline=dt.datetime(2018, 5, 15, 23, 59, tzinfo=OSLO),
    )

    page = client.get(reverse("front_page")).content.decode()

    assert closed.title not in page
    assert "ingen åpne utlysninger" in page


def test_granted_projects_are_listed_without_the_application_itself(client, call, organisation):
    application = make_draft(call, organisation, title="Elvesafari", summary="Hemmelig forretningsplan")
    grant_for(application, Decimal(350000), 2026)

    page = client.get(reverse("front_page")).content.decode()

    assert "Elvesafari" in page and "Elverum Reiseliv AS" in page and "350\xa0000 kr" in page
    assert "<td>2026</td>" in page and application.focus_area.name in page
    assert "Hemmelig forretningsplan" not in page
    assert application.reference not in page

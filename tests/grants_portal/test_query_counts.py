"""Each page costs the same number of queries with 2 grants, payouts or lines as with 10 (no N+1)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import CostLine
from projects.models import Payout, PayoutAttachment, ResultFunding, ResultReport
from tests.factories import OrganisationFactory, UserFactory

from .conftest import make_offer

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200, url
    return len(context.captured_queries)


def add_payouts(grant, user, n):
    start = grant.payouts.count()
    for number in range(start + 1, start + n + 1):
        payout = Payout.objects.create(
            grant=grant, number=number, amount=Decimal(100), requested_by=user, progress_note="Underveis."
        )
        for i in range(n):
            PayoutAttachment.objects.create(
                payout=payout,
                file=f"payouts/{payout.pk}/{i}",
                original_name=f"{i}.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
            )


def add_reports(grant, user, n):
    start = 1990 + grant.result_reports.count()
    for year in range(start, start + n):
        report = ResultReport.objects.create(grant=grant, year=year, new_jobs=1, submitted_by=user)
        for i in range(n):
            ResultFunding.objects.create(report=report, source=f"Kilde {i}", amount=Decimal(10))


def add_grants(programme, organisation, officer, applicant, n):
    for i in range(n):
        grant = make_offer(programme, organisation, officer, title=f"Prosjekt {i}", amount=Decimal(1000))
        add_payouts(grant, applicant, 1)


@pytest.fixture
def busy(accepted, applicant):
    """An accepted grant with two payouts, two reports, two cost lines (and two of each inside)."""
    add_payouts(accepted, applicant, 2)
    add_reports(accepted, applicant, 2)
    return accepted


def grow(grant, user, n=8):
    add_payouts(grant, user, n)
    add_reports(grant, user, n)
    for i in range(n):
        CostLine.objects.create(application=grant.application, description=f"Kostnad {i}", amount=Decimal(10))


def test_my_grants(applicant_client, programme, organisation, officer, applicant):
    add_grants(programme, organisation, officer, applicant, 2)
    few = queries(applicant_client, reverse("my_grants"))
    add_grants(programme, organisation, officer, applicant, 8)
    assert queries(applicant_client, reverse("my_grants")) == few


@pytest.mark.parametrize("name", ["grant_detail", "payout_request", "result_report_new", "final_report_new"])
def test_grant_pages(applicant_client, busy, applicant, name):
    url = reverse(name, args=[busy.pk])
    few = queries(applicant_client, url)
    grow(busy, applicant)
    assert queries(applicant_client, url) == few


def test_payout_detail(applicant_client, busy, applicant):
    payout = busy.payouts.first()
    url = reverse("payout_detail", args=[busy.pk, payout.pk])
    few = queries(applicant_client, url)
    for i in range(8):
        PayoutAttachment.objects.create(
            payout=payout,
            file=f"x/{i}",
            original_name="a.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0",
        )
    assert queries(applicant_client, url) == few


def test_result_report_detail(applicant_client, busy, applicant):
    report = busy.result_reports.first()
    url = reverse("result_report_detail", args=[busy.pk, report.pk])
    few = queries(applicant_client, url)
    for i in range(8):
        ResultFunding.objects.create(report=report, source=f"Ekstra {i}", amount=Decimal(1))
    assert queries(applicant_client, url) == few


@pytest.mark.parametrize("name", ["public_grants", "public_grants_csv", "public_grants_json"])
def test_public_pages(client, programme, officer, name):
    organisation, user = OrganisationFactory(), UserFactory()
    add_grants(programme, organisation, officer, user, 2)
    few = queries(client, reverse(name))
    add_grants(programme, organisation, officer, user, 8)
    assert queries(client, reverse(name)) == few

"""Result reports per project and year, and the final report (sluttrapport) that closes the project."""

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import ResultFunding, ResultReport
from projects.services import result_report_submit

pytestmark = pytest.mark.django_db


def report_data(year, **overrides):
    data = {
        "year": str(year),
        "new_jobs": "2",
        "secured_jobs": "5",
        "new_firms": "1",
        "networks": "1",
        "narrative": "To kommuner har tatt i bruk løsningen.",
        "funding-TOTAL_FORMS": "3",
        "funding-INITIAL_FORMS": "0",
        "funding-MIN_NUM_FORMS": "0",
        "funding-MAX_NUM_FORMS": "30",
        "funding-0-source": "Innovasjon Norge",
        "funding-0-amount": "250 000",
        "funding-1-source": "Egne midler",
        "funding-1-amount": "100 000",
        "funding-2-source": "",
        "funding-2-amount": "",
    }
    data.update(overrides)
    return data


def test_the_form_offers_the_years_from_the_grant_year_until_now(applicant_client, accepted):
    response = applicant_client.get(reverse("result_report_new", args=[accepted.pk]))

    years = [value for value, _label in response.context["form"].fields["year"].choices]
    assert years == list(range(accepted.year, timezone.localdate().year + 1))
    page = response.content.decode()
    assert 'data-formset="funding"' in page and 'name="funding-0-source"' in page


def test_a_years_results_with_other_funding_by_source_are_stored(applicant_client, accepted, applicant):
    response = applicant_client.post(
        reverse("result_report_new", args=[accepted.pk]), report_data(accepted.year)
    )

    assert response.status_code == 302 and response.url == reverse("grant_detail", args=[accepted.pk])
    report = ResultReport.objects.get()
    assert (
        report.year,
        report.is_final,
        report.new_jobs,
        report.secured_jobs,
        report.new_firms,
        report.networks,
    ) == (
        accepted.year,
        False,
        2,
        5,
        1,
        1,
    )
    assert report.other_funding == 350000 and report.submitted_by == applicant
    assert sorted(report.funding_lines.values_list("source", "amount")) == [
        ("Egne midler", 100000),
        ("Innovasjon Norge", 250000),
    ]
    detail = applicant_client.get(
        reverse("result_report_detail", args=[accepted.pk, report.pk])
    ).content.decode()
    assert "Innovasjon Norge" in detail and "250\xa0000 kr" in detail and "350\xa0000 kr" in detail
    assert "<input" not in detail.split('id="main"')[1]


def test_errors_are_listed_at_the_top_and_what_was_typed_is_kept(applicant_client, accepted):
    data = report_data(accepted.year, new_jobs="-1", **{"funding-1-amount": "mye"})

    response = applicant_client.post(reverse("result_report_new", args=[accepted.pk]), data)
    page = response.content.decode()

    assert response.status_code == 400
    assert 'id="error-summary"' in page
    assert 'href="#id_new_jobs"' in page and 'href="#id_funding-1-amount"' in page
    assert "To kommuner har tatt i bruk løsningen." in page and 'value="Innovasjon Norge"' in page
    assert not ResultReport.objects.exists() and not ResultFunding.objects.exists()


def test_a_funding_line_needs_both_source_and_amount(applicant_client, accepted):
    data = report_data(accepted.year, **{"funding-2-source": "", "funding-2-amount": "10 000"})

    response = applicant_client.post(reverse("result_report_new", args=[accepted.pk]), data)

    assert response.status_code == 400 and 'href="#id_funding-2-source"' in response.content.decode()
    assert not ResultReport.objects.exists()


def test_a_year_already_reported_is_not_offered_again(applicant_client, accepted, applicant):
    result_report_submit(accepted, actor=applicant, year=accepted.year, new_jobs=1)

    response = applicant_client.get(reverse("result_report_new", args=[accepted.pk]))
    assert accepted.year not in [value for value, _label in response.context["form"].fields["year"].choices]

    again = applicant_client.post(
        reverse("result_report_new", args=[accepted.pk]), report_data(accepted.year)
    )
    assert again.status_code == 400 and 'href="#id_year"' in again.content.decode()
    assert ResultReport.objects.count() == 1


def test_the_final_report_closes_the_project_and_opens_the_final_payout(applicant_client, accepted):
    page = applicant_client.get(reverse("final_report_new", args=[accepted.pk])).content.decode()
    assert "Sluttrapporten avslutter prosjektet" in page

    response = applicant_client.post(
        reverse("final_report_new", args=[accepted.pk]), report_data(accepted.year)
    )

    assert response.status_code == 302
    report = ResultReport.objects.get()
    assert report.is_final
    detail = applicant_client.get(response.url).content.decode()
    assert "Sluttrapporten er levert. Be om sluttutbetaling" in detail
    assert reverse("payout_request", args=[accepted.pk]) + "?type=final" in detail
    assert reverse("final_report_new", args=[accepted.pk]) not in detail
    # A second final report is not possible.
    again = applicant_client.get(reverse("final_report_new", args=[accepted.pk]))
    assert again.status_code == 302 and ResultReport.objects.count() == 1


def test_the_final_report_needs_a_description(applicant_client, accepted):
    response = applicant_client.post(
        reverse("final_report_new", args=[accepted.pk]), report_data(accepted.year, narrative="")
    )

    assert response.status_code == 400 and 'href="#id_narrative"' in response.content.decode()
    assert not ResultReport.objects.exists()


def test_no_results_are_reported_on_an_offer(applicant_client, offered):
    response = applicant_client.post(
        reverse("result_report_new", args=[offered.pk]), report_data(offered.year)
    )

    assert response.status_code == 302 and not ResultReport.objects.exists()

"""Mine tilsagn: each grant with amount, conditions, deadline, payout plan, what is paid and remains."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.services import grant_cancel, payout_approve, payout_mark_paid, payout_request
from tests.factories import OrganisationFactory

from .conftest import make_offer

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def test_my_grants_lists_the_organisations_grants_with_amount_state_and_payouts(
    applicant_client, accepted, applicant, officer, programme
):
    payout = payout_request(accepted, actor=applicant, amount=120000, accumulated_costs=150000)
    payout_mark_paid(payout_approve(payout, actor=officer), actor=officer, paid_on=timezone.localdate())
    someone_elses = make_offer(
        programme, OrganisationFactory(name="Konkurrent AS"), officer, title="Annet prosjekt"
    )

    page = text(applicant_client.get(reverse("my_grants")))

    assert accepted.reference in page and "Velferdsteknologi på Raufoss" in page
    assert "300\xa0000 kr" in page  # granted
    assert "120\xa0000 kr" in page  # paid
    assert "180\xa0000 kr" in page  # not yet paid
    assert "Akseptert" in page
    assert someone_elses.reference not in page and "Annet prosjekt" not in page
    assert f'href="{reverse("grant_detail", args=[accepted.pk])}"' in page


def test_an_offer_in_the_list_says_accept_by_the_deadline(applicant_client, offered):
    page = text(applicant_client.get(reverse("my_grants")))

    assert f"Aksepter {offered.reference}" in page
    assert offered.acceptance_deadline.strftime("%Y") in page


def test_grant_page_shows_conditions_deadline_and_the_three_part_payout_plan(applicant_client, offered):
    page = text(applicant_client.get(reverse("grant_detail", args=[offered.pk])))

    assert "Sluttrapport innen 1. mars.<br>Prosjektet skal profilere programmet." in page
    assert "Frist for aksept" in page
    assert "Når tilsagnet er akseptert (40 %)" in page and "120\xa0000 kr" in page
    assert "Underveis, mot dokumenterte påløpte kostnader" in page and "90\xa0000 kr" in page
    assert "Holdes tilbake til sluttrapporten er levert (30 %)" in page
    assert f'href="{reverse("grant_accept", args=[offered.pk])}"' in page
    # No payout or report before the grant is accepted.
    assert reverse("payout_request", args=[offered.pk]) not in page


def test_grant_page_shows_paid_approved_requested_and_what_remains(
    applicant_client, accepted, applicant, officer
):
    paid = payout_request(accepted, actor=applicant, amount=100000, accumulated_costs=120000)
    payout_mark_paid(payout_approve(paid, actor=officer), actor=officer, paid_on=timezone.localdate())
    payout_approve(
        payout_request(accepted, actor=applicant, amount=50000, accumulated_costs=200000), actor=officer
    )
    payout_request(accepted, actor=applicant, amount=20000, accumulated_costs=230000)

    response = applicant_client.get(reverse("grant_detail", args=[accepted.pk]))
    page = text(response)
    summary = response.context["summary"]

    assert (summary.paid, summary.approved, summary.requested) == (100000, 50000, 20000)
    assert summary.remaining == Decimal(130000)
    for figure in ("100\xa0000 kr", "50\xa0000 kr", "20\xa0000 kr", "130\xa0000 kr"):
        assert figure in page
    assert "Anmodning nr. 3" in page and "Anmodet" in page and "Utbetalt" in page


def test_accepted_grant_offers_payout_results_and_final_report(applicant_client, accepted, applicant):
    page = text(applicant_client.get(reverse("grant_detail", args=[accepted.pk])))

    assert "Akseptert" in page and "Kari Nordmann" in page
    assert reverse("payout_request", args=[accepted.pk]) in page
    assert reverse("result_report_new", args=[accepted.pk]) in page
    assert reverse("final_report_new", args=[accepted.pk]) in page


def test_a_cancelled_grant_says_so_and_offers_nothing(applicant_client, accepted, officer):
    grant_cancel(accepted, actor=officer, reason="Prosjektet ble ikke gjennomført.")

    page = text(applicant_client.get(reverse("grant_detail", args=[accepted.pk])))

    assert "Tilsagnet er annullert." in page and "Prosjektet ble ikke gjennomført." in page
    assert reverse("payout_request", args=[accepted.pk]) not in page


def test_navigation_and_application_page_lead_to_the_grant(applicant_client, offered):
    nav = text(applicant_client.get(reverse("my_applications")))
    assert f'href="{reverse("my_grants")}"' in nav and "Mine tilsagn" in nav

    application_page = text(
        applicant_client.get(reverse("application_detail", args=[offered.application.pk]))
    )
    assert f'href="{reverse("grant_detail", args=[offered.pk])}"' in application_page


def test_a_user_without_grants_is_told_so(client, applicant):
    client.force_login(applicant)

    assert "har ingen tilsagn ennå" in text(client.get(reverse("my_grants")))


def test_titles_and_conditions_are_escaped(applicant_client, programme, organisation, officer):
    grant = make_offer(programme, organisation, officer, title="<script>alert(1)</script>")

    page = text(applicant_client.get(reverse("grant_detail", args=[grant.pk])))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_reduced_grant_shows_what_it_is_worth_now(applicant_client, accepted, officer):
    from projects.services import grant_reduce

    grant_reduce(accepted, actor=officer, new_amount=200000, reason="Lavere kostnader enn planlagt.")

    response = applicant_client.get(reverse("grant_detail", args=[accepted.pk]))

    assert response.context["summary"].effective == 200000
    assert "100\xa0000 kr er senere ført tilbake til programmet" in text(response)


def test_deadline_is_shown_in_norwegian(applicant_client, offered):
    offered.acceptance_deadline = dt.date(2030, 5, 15)
    offered.save(update_fields=["acceptance_deadline"])

    assert "15. mai 2030" in text(applicant_client.get(reverse("grant_detail", args=[offered.pk])))

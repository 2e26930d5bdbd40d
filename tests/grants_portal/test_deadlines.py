"""The grant's project period and final report deadline as the grant holder meets them: set when the
grant is offered, printed in the tilsagnsbrev, shown on every grant page, and moved only when she asks
for more time and the programme grants it."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applications.board.letters import grant_letter_pdf
from omstilling.exceptions import ServiceError
from projects.models import DeadlineExtension
from projects.services.deadlines import deadline_extension_request
from tests.factories import CallFactory, UserFactory

from .conftest import make_offer, reload

pytestmark = pytest.mark.django_db

REASON = "Underleverandøren av sensorene er forsinket med tre måneder."


def test_an_offer_takes_its_period_from_the_application_and_its_deadline_three_months_after(accepted):
    # The application runs 1 January 2025 to 31 December 2026; the programme's rule is 3 months.
    assert accepted.project_start == dt.date(2025, 1, 1)
    assert accepted.project_end == dt.date(2026, 12, 31)
    assert accepted.final_report_deadline == dt.date(2027, 3, 31)


def test_an_offer_under_a_call_with_its_own_rule_follows_the_call(programme, organisation, officer):
    call = CallFactory(programme=programme, final_report_months=6)
    grant = make_offer(programme, organisation, officer, call=call)
    assert grant.final_report_deadline == dt.date(2027, 6, 30)


def test_the_grant_letter_states_the_project_period_and_the_deadline(offered):
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(grant_letter_pdf(offered.decision))).pages
    )
    text = " ".join(text.split())  # the table's cells wrap
    assert "Prosjektperiode" in text
    assert "1. januar 2025 – 31. desember 2026" in text
    assert "Frist for sluttrapport og sluttutbetaling" in text
    assert "31. mars 2027" in text
    assert "innen 31. mars 2027" in text  # and what happens after it


def test_the_holder_sees_the_deadline_on_my_grants_the_grant_page_and_the_acceptance_page(
    applicant_client, offered
):
    for url in (
        reverse("my_grants"),
        reverse("grant_detail", args=[offered.pk]),
        reverse("grant_accept", args=[offered.pk]),
    ):
        text = applicant_client.get(url).content.decode()
        assert "31. mars 2027" in text, url
    detail = applicant_client.get(reverse("grant_detail", args=[offered.pk])).content.decode()
    assert "1. januar 2025 – 31. desember 2026" in detail
    # An offer not yet accepted has no deadline to move.
    assert reverse("deadline_extension_new", args=[offered.pk]) not in detail


def test_the_holder_asks_for_more_time_and_sees_the_request_with_the_grant(applicant_client, accepted):
    url = reverse("deadline_extension_new", args=[accepted.pk])
    detail = reverse("grant_detail", args=[accepted.pk])
    assert url in applicant_client.get(detail).content.decode()

    response = applicant_client.post(url, {"new_deadline": "2027-06-30", "reason": REASON})

    assert response.status_code == 302 and response["Location"] == detail
    extension = DeadlineExtension.objects.get(grant=accepted)
    assert (extension.current_deadline, extension.requested_deadline) == (
        dt.date(2027, 3, 31),
        dt.date(2027, 6, 30),
    )
    assert extension.state == DeadlineExtension.State.REQUESTED
    assert reload(accepted).final_report_deadline == dt.date(2027, 3, 31)  # until the programme grants it
    page = applicant_client.get(detail).content.decode()
    assert "Søknaden om ny frist 30. juni 2027 er sendt til programmet." in page
    assert REASON in page and "Til behandling" in page
    # One open request at a time: the button is gone, and the form sends her back.
    assert url not in page
    again = applicant_client.get(url)
    assert again.status_code == 302
    assert "allerede søkt om lengre frist" in applicant_client.get(detail).content.decode()


def test_a_date_not_after_the_current_deadline_is_a_field_error_that_keeps_the_reason(
    applicant_client, accepted
):
    response = applicant_client.post(
        reverse("deadline_extension_new", args=[accepted.pk]),
        {"new_deadline": "2027-03-31", "reason": REASON},
    )

    assert response.status_code == 400
    text = response.content.decode()
    assert "Den nye fristen må være senere enn dagens frist, 31. mars 2027." in text
    assert REASON in text
    assert not DeadlineExtension.objects.exists()


def test_a_missing_reason_is_a_field_error(applicant_client, accepted):
    response = applicant_client.post(
        reverse("deadline_extension_new", args=[accepted.pk]), {"new_deadline": "2027-06-30", "reason": " "}
    )
    assert response.status_code == 400
    assert "Du må oppgi en begrunnelse." in response.content.decode()
    assert not DeadlineExtension.objects.exists()


def test_an_offer_not_yet_accepted_cannot_ask_for_more_time(applicant_client, applicant, offered):
    response = applicant_client.get(reverse("deadline_extension_new", args=[offered.pk]))
    assert response.status_code == 302
    with pytest.raises(ServiceError, match="akseptert eller aktivt"):
        deadline_extension_request(offered, actor=applicant, new_deadline=dt.date(2027, 6, 30), reason=REASON)
    assert not DeadlineExtension.objects.exists()


def test_someone_else_cannot_ask_for_more_time_on_her_grant(client, accepted):
    client.force_login(UserFactory(email="annen@bedrift.no"))
    response = client.post(
        reverse("deadline_extension_new", args=[accepted.pk]),
        {"new_deadline": "2027-06-30", "reason": REASON},
    )
    assert response.status_code == 404
    assert not DeadlineExtension.objects.exists()

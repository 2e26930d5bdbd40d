"""After the board decides, the applicant finds the decision and its letter on "Mine søknader"."""

import pytest
from django.urls import reverse

from applications.board.decisions import case_close
from applications.board.services import vote_cast
from applications.models import Letter, OrganisationMembership, Vote
from tests.board.conftest import application_to_board, open_case
from tests.factories import OrganisationFactory, OrganisationMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(board, django_capture_on_commit_callbacks):
    application = application_to_board(board)
    case = open_case(board, application)
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
    with django_capture_on_commit_callbacks(execute=True):
        case_close(case, actor=board.chair.user)
    applicant = UserFactory(full_name="Søker Sørensen")
    OrganisationMembershipFactory(
        organisation=application.organisation, user=applicant, role=OrganisationMembership.Role.ADMIN
    )
    return application, applicant


def test_applicant_sees_the_decision_and_downloads_the_grant_letter(client, decided):
    application, applicant = decided
    letter = Letter.objects.get(decision__application=application)
    client.force_login(applicant)

    page = client.get(reverse("application_detail", args=[application.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Innvilget" in html
    assert "350\u00a0000" in html
    download_url = reverse("letter_download", args=[letter.pk])
    assert download_url in html
    response = client.get(download_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"


def test_another_applicant_cannot_download_the_letter(client, decided):
    application, _ = decided
    letter = Letter.objects.get(decision__application=application)
    stranger = UserFactory(full_name="Annen Søker")
    OrganisationMembershipFactory(organisation=OrganisationFactory(), user=stranger)
    client.force_login(stranger)

    assert client.get(reverse("letter_download", args=[letter.pk])).status_code == 404
    assert client.get(reverse("application_detail", args=[application.pk])).status_code == 404


def test_anonymous_is_sent_to_log_in_for_a_letter(client, decided):
    application, _ = decided
    letter = Letter.objects.get(decision__application=application)

    response = client.get(reverse("letter_download", args=[letter.pk]))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]

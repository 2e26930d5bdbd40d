"""The grant holder's documents: her tilsagnsbrev (and a corrected one) from "Mine tilsagn", the grant
page and the acceptance page, and the grant's conditions in full."""

from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applications.board.decisions import decision_correct
from applications.models import Letter
from applications.tasks import decision_letter_build
from projects.models import Grant
from tests.factories import OrganisationFactory, OrganisationMembershipFactory, UserFactory

from .conftest import CONDITIONS

pytestmark = pytest.mark.django_db


def pdf_text(response):
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


@pytest.fixture
def letter(offered):
    """The tilsagnsbrev, built by the Celery task as after the board's decision."""
    decision_letter_build(offered.decision_id)
    return Letter.objects.get(decision=offered.decision, kind=Letter.Kind.GRANT_LETTER)


def test_the_holder_downloads_her_letter_from_my_grants_the_grant_page_and_the_acceptance_page(
    applicant_client, offered, letter
):
    download = reverse("letter_download", args=[letter.pk])
    for page in ("my_grants", "grant_detail", "grant_accept"):
        url = reverse(page) if page == "my_grants" else reverse(page, args=[offered.pk])
        assert f'href="{download}"' in applicant_client.get(url).content.decode(), page

    response = applicant_client.get(download)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response)
    assert "Velferdsteknologi på Raufoss" in text
    assert "300 000 kr" in text.replace("\xa0", " ")
    assert "Raufoss Velferd AS" in text and offered.reference in text


def test_the_conditions_are_shown_in_full_where_she_accepts_and_on_the_grant_page(applicant_client, offered):
    for page in ("grant_accept", "grant_detail"):
        html = applicant_client.get(reverse(page, args=[offered.pk])).content.decode()
        assert "Sluttrapport innen 1. mars.<br>Prosjektet skal profilere programmet." in html, page
        assert "Programmets standardvilkår" in html
        assert "Den siste delen holdes tilbake til sluttrapporten er levert og godkjent." in html
        # What the final payout's accounts need, by the programme's limits (300 000 kr: an accountant).
        assert "For dette tilsagnet må det være: Attestert av autorisert regnskapsfører." in html
    assert CONDITIONS.count("\n") == 1


def test_before_the_letter_is_built_the_page_says_it_is_coming(applicant_client, offered):
    html = applicant_client.get(reverse("grant_detail", args=[offered.pk])).content.decode()

    assert "Tilsagnsbrevet blir laget og sendes på e-post" in html


def test_a_stranger_is_refused_the_letter_and_programme_staff_may_read_it(client, letter, officer):
    stranger = UserFactory(email="ola@annen.no")
    OrganisationMembershipFactory(organisation=OrganisationFactory(name="Annen AS"), user=stranger)
    url = reverse("letter_download", args=[letter.pk])

    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(officer)
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302  # to the log-in


def test_a_corrected_letter_replaces_the_first_and_both_stay_on_record(
    applicant_client, offered, letter, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        correction = decision_correct(
            offered.decision,
            actor=officer,
            conditions=CONDITIONS + "\nRapporter til programmet hvert kvartal.",
            reason="Rapporteringsvilkåret falt ut.",
        )
    new_grant = Grant.objects.get(decision=correction)
    new_letter = Letter.objects.get(decision=correction, kind=Letter.Kind.GRANT_LETTER)

    html = applicant_client.get(reverse("grant_detail", args=[new_grant.pk])).content.decode()
    current = html.index(reverse("letter_download", args=[new_letter.pk]))
    old = html.index(reverse("letter_download", args=[letter.pk]))
    assert current < old  # newest first
    assert "gjelder dette tilsagnet" in html and "erstattet av et rettet vedtak" in html
    assert "Rapporter til programmet hvert kvartal." in html
    listing = applicant_client.get(reverse("my_grants")).content.decode()
    assert f"Tilsagnsbrev for {new_grant.reference} (PDF)" in listing

    text = pdf_text(applicant_client.get(reverse("letter_download", args=[new_letter.pk])))
    assert "erstatter" in text and "Rapporter til programmet hvert kvartal." in text

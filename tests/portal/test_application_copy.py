"""The applicant's PDF of her application as submitted: from the receipt and "Mine søknader", built by
Celery from the frozen copy, being prepared until then, a failure saying why and retried."""

from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applications.models import Application, ApplicationCopy, Organisation
from tests.factories import (
    OrganisationFactory,
    OrganisationMembershipFactory,
    StaffMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def pdf_text(response):
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).replace("\xa0", " ")


@pytest.fixture
def submitted(applicant_client, complete_draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            reverse("application_submit", args=[complete_draft.pk]), {"confirmed": "on"}
        )
    assert response.status_code == 302
    return Application.objects.get(pk=complete_draft.pk)


def fetch(client, application, capture):
    """Ask for the PDF: the first visit orders it and says it is being prepared; the task runs once
    the order is committed; the next visit downloads it."""
    url = reverse("application_copy", args=[application.pk])
    with capture(execute=True):
        first = client.get(url)
    return first, client.get(url)


def test_owner_downloads_her_application_from_the_receipt_and_my_applications(
    applicant_client, submitted, django_capture_on_commit_callbacks
):
    url = reverse("application_copy", args=[submitted.pk])
    assert (
        f'href="{url}"'
        in applicant_client.get(reverse("application_receipt", args=[submitted.pk])).content.decode()
    )
    assert f'href="{url}"' in applicant_client.get(reverse("my_applications")).content.decode()

    first, response = fetch(applicant_client, submitted, django_capture_on_commit_callbacks)

    assert first.status_code == 200 and "blir laget nå" in first.content.decode()
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response)
    assert "Vinteropplevelser i Elverum" in text
    assert "Elverum Reiseliv AS" in text and submitted.organisation.orgnr in text
    assert "100 000 kr" in text  # applied for
    assert submitted.reference in text
    copy = ApplicationCopy.objects.get()
    assert copy.state == ApplicationCopy.State.DONE and len(copy.sha256) == 64


def test_the_pdf_is_built_from_the_frozen_copy_after_the_live_record_changed(
    applicant_client, submitted, django_capture_on_commit_callbacks
):
    Application.objects.filter(pk=submitted.pk).update(title="Endret etterpå", summary="Nytt sammendrag")
    Organisation.objects.filter(pk=submitted.organisation_id).update(name="Nytt Navn AS")

    _first, response = fetch(applicant_client, submitted, django_capture_on_commit_callbacks)

    text = pdf_text(response)
    assert "Vinteropplevelser i Elverum" in text and "Et kort sammendrag." in text
    assert "Elverum Reiseliv AS" in text
    assert "Endret etterpå" not in text and "Nytt Navn AS" not in text


def test_a_stranger_is_refused_and_nothing_is_ordered(client, submitted):
    stranger = UserFactory(email="ola@annen.no")
    OrganisationMembershipFactory(organisation=OrganisationFactory(name="Annen AS"), user=stranger)
    client.force_login(stranger)

    assert client.get(reverse("application_copy", args=[submitted.pk])).status_code == 404
    assert client.post(reverse("application_copy", args=[submitted.pk])).status_code == 404
    assert not ApplicationCopy.objects.exists()


def test_programme_staff_may_download_it(client, submitted, programme, django_capture_on_commit_callbacks):
    leader = UserFactory(email="leder@program.no")
    StaffMembershipFactory(programme=programme, user=leader)
    client.force_login(leader)

    _first, response = fetch(client, submitted, django_capture_on_commit_callbacks)

    assert response.status_code == 200 and "Vinteropplevelser i Elverum" in pdf_text(response)


def test_a_draft_has_no_pdf(applicant_client, draft):
    assert applicant_client.get(reverse("application_copy", args=[draft.pk])).status_code == 404


def test_a_failed_build_says_why_and_can_be_retried(
    applicant_client, submitted, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(snapshot):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr("applications.services.copies.application_copy_pdf", broken)
    _first, failed = fetch(applicant_client, submitted, django_capture_on_commit_callbacks)

    page = failed.content.decode()
    assert failed.status_code == 200
    assert "PDF-en kunne ikke lages (RuntimeError)" in page and "Prøv igjen" in page
    assert ApplicationCopy.objects.get().state == ApplicationCopy.State.FAILED

    monkeypatch.undo()
    url = reverse("application_copy", args=[submitted.pk])
    with django_capture_on_commit_callbacks(execute=True):
        retried = applicant_client.post(url)
    assert retried.status_code == 302 and retried.url == url
    response = applicant_client.get(url)
    assert "Vinteropplevelser i Elverum" in pdf_text(response)
    copy = ApplicationCopy.objects.get()
    assert (copy.state, copy.attempts, copy.error) == (ApplicationCopy.State.DONE, 2, "")

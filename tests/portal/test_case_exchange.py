"""Written exchanges on a case: the programme asks for more information (ettersending) and the applicant
answers with text and documents; messages go both ways. Through the portal and the admin."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, CaseMessage, JournalEntry, SupplementRequest
from applications.services import application_send_to_board
from omstilling import roles
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry, StaffMembership
from tests.factories import StaffMembershipFactory, UserFactory

from .files import PDF


@pytest.fixture
def submitted(applicant_client, complete_draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            reverse("application_submit", args=[complete_draft.pk]), {"confirmed": "on"}
        )
    assert response.status_code == 302
    mail.outbox.clear()
    Application.objects.filter(pk=complete_draft.pk).update(
        state=Application.State.IN_REVIEW, contact_email="kari@bedrift.no"
    )
    return Application.objects.get(pk=complete_draft.pk)


@pytest.fixture
def leader(programme):
    roles.role_groups_sync()
    user = UserFactory(email="leder@ernu.no", full_name="Lise Leder", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.PROGRAMME_LEADER))
    StaffMembershipFactory(programme=programme, user=user, role=StaffMembership.Role.LEADER)
    return user


@pytest.fixture
def leader_client(leader):
    from django.test import Client

    client = Client()
    client.force_login(leader)
    return client


def exchange_url(application):
    return reverse("admin:applications_application_case_exchange", args=[application.pk])


def ask(leader_client, application, capture, message="Send oss et oppdatert budsjett.", days=14):
    deadline = timezone.localdate() + dt.timedelta(days=days)
    with capture(execute=True):
        return leader_client.post(
            exchange_url(application),
            {
                "action": "supplement",
                "supplement-message": message,
                "supplement-reply_deadline": deadline.isoformat(),
            },
        )


def test_the_leader_asks_for_more_the_applicant_answers_and_the_case_may_go_on(
    submitted, leader_client, leader, applicant_client, django_capture_on_commit_callbacks
):
    response = ask(leader_client, submitted, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    request = SupplementRequest.objects.get(application=submitted)
    [asked] = mail.outbox
    assert "kari@bedrift.no" in asked.to and "Send oss et oppdatert budsjett." in asked.body
    assert AuditEntry.objects.filter(action="supplement_request", object_id=str(submitted.pk)).exists()

    # The applicant sees it on her application; the case cannot go to the board meanwhile.
    page = applicant_client.get(reverse("application_detail", args=[submitted.pk])).content.decode()
    assert "Programmet ber om mer informasjon" in page and "Send oss et oppdatert budsjett." in page
    with pytest.raises(ServiceError, match="ikke svart på anmodningen om ettersending"):
        application_send_to_board(submitted, actor=leader)

    snapshot_before = dict(submitted.snapshot.data)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            reverse("supplement_answer", args=[submitted.pk, request.pk]),
            {"answer": "Her er budsjettet.", "files": [SimpleUploadedFile("budsjett-v2.pdf", PDF)]},
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    request.refresh_from_db()
    assert request.answered_at is not None and request.answer == "Her er budsjettet."
    [document] = request.attachments.all()
    assert document.original_name == "budsjett-v2.pdf" and document.application_id == submitted.pk
    submitted.snapshot.refresh_from_db()
    assert submitted.snapshot.data == snapshot_before
    [answered] = mail.outbox
    assert answered.to == ["leder@ernu.no"] and "Her er budsjettet." in answered.body
    entry = JournalEntry.objects.get(application=submitted, kind="supplement")
    assert entry.direction == "I" and entry.title.startswith("Ettersendt dokumentasjon: ")

    # Both sides read it; the programme downloads the document from the case file.
    page = leader_client.get(exchange_url(submitted)).content.decode()
    assert "Her er budsjettet." in page and "budsjett-v2.pdf" in page
    download = leader_client.get(
        reverse("admin:applications_application_attachment", args=[submitted.pk, document.pk])
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    page = applicant_client.get(reverse("application_detail", args=[submitted.pk])).content.decode()
    assert "Besvart" in page and "budsjett-v2.pdf" in page
    # The open request no longer holds the case back.
    from applications.selectors import open_supplement_refusal

    assert open_supplement_refusal(submitted) is None


def test_a_refused_file_keeps_the_answer_typed_and_stores_nothing(
    submitted, leader_client, applicant_client, django_capture_on_commit_callbacks
):
    ask(leader_client, submitted, django_capture_on_commit_callbacks)
    request = SupplementRequest.objects.get(application=submitted)
    response = applicant_client.post(
        reverse("supplement_answer", args=[submitted.pk, request.pk]),
        {"answer": "Mitt svar", "files": [SimpleUploadedFile("virus.exe", b"MZ\x90\x00" + b"\x00" * 64)]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Mitt svar" in page and "virus.exe" in page
    request.refresh_from_db()
    assert request.is_open and not request.attachments.exists()


def test_an_empty_answer_is_refused_at_the_field(
    submitted, leader_client, applicant_client, django_capture_on_commit_callbacks
):
    ask(leader_client, submitted, django_capture_on_commit_callbacks)
    request = SupplementRequest.objects.get(application=submitted)
    response = applicant_client.post(
        reverse("supplement_answer", args=[submitted.pk, request.pk]), {"answer": " "}
    )
    assert response.status_code == 400
    assert "Skriv et svar eller last opp minst ett dokument." in response.content.decode()


def test_a_second_request_while_one_is_open_and_a_deadline_in_the_past_are_refused(
    submitted, leader_client, django_capture_on_commit_callbacks
):
    response = ask(leader_client, submitted, django_capture_on_commit_callbacks, days=0)
    assert response.status_code == 400
    assert "Svarfristen må være etter i dag." in response.content.decode()
    assert ask(leader_client, submitted, django_capture_on_commit_callbacks).status_code == 302
    page = leader_client.get(exchange_url(submitted)).content.decode()
    assert "Send anmodningen" not in page  # no second request offered while one is open
    assert SupplementRequest.objects.filter(application=submitted).count() == 1


def test_messages_go_both_ways_by_e_mail_and_cannot_be_changed(
    submitted, leader_client, applicant_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            reverse("case_message_post", args=[submitted.pk]), {"body": "Når kommer svaret?"}
        )
    assert response.status_code == 302
    [to_staff] = mail.outbox
    assert to_staff.to == ["leder@ernu.no"] and "Når kommer svaret?" in to_staff.body
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(
            exchange_url(submitted), {"action": "message", "message-body": "Styret møtes 3. mars."}
        )
    assert response.status_code == 302
    assert "kari@bedrift.no" in mail.outbox[1].to and "Styret møtes 3. mars." in mail.outbox[1].body
    page = applicant_client.get(reverse("application_detail", args=[submitted.pk])).content.decode()
    assert "Når kommer svaret?" in page and "Styret møtes 3. mars." in page
    message = CaseMessage.objects.filter(application=submitted).first()
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        CaseMessage.objects.filter(pk=message.pk).update(body="endret")
    assert connection.vendor == "postgresql"


def test_a_message_over_its_limit_is_a_field_error_that_keeps_the_text(submitted, applicant_client):
    text = "Langt. " * 700
    response = applicant_client.post(reverse("case_message_post", args=[submitted.pk]), {"body": text})
    assert response.status_code == 400
    page = response.content.decode()
    assert "4000" in page and "Langt. Langt." in page
    assert not CaseMessage.objects.exists()


def test_a_stranger_can_neither_read_nor_write_on_the_case(submitted, client):
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.post(reverse("case_message_post", args=[submitted.pk]), {"body": "Hei"}).status_code == 404
    assert not CaseMessage.objects.exists()

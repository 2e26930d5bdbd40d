"""A receipt the mail server refused for good stays unsent until the programme leader, having seen to
the applicant's address, sends it again from the application's admin page, after a confirmation page
that shows where it goes and what the server said. The resend goes through the same once-only task
as the first receipt: delivered, it is marked sent; refused again, it is recorded as undeliverable again.

The e-mails go through the real tasks (eager in the test settings) to a mail backend that refuses the
addresses it is told to, as an SMTP server would, and hands the rest to the test outbox.
"""

import smtplib

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse

from applications.models import Application, Organisation
from applications.tasks import application_submitted_notify
from omstilling import roles
from omstilling.models import AuditEntry
from tests.factories import BoardMembershipFactory, ProgrammeFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

APPLICANT = "kari@bedrift.no"
CORRECTED = "post@elverum-reiseliv.no"
UNKNOWN_USER = (550, b"5.1.1 <kari@bedrift.no>: Recipient address rejected: User unknown")


class RefusingBackend(EmailBackend):
    """The test outbox behind a mail server that refuses the addresses in ``refused`` for good and
    counts every message it is handed, per address."""

    refused = set()
    attempts = []

    def send_messages(self, messages):
        for message in messages:
            type(self).attempts.extend(message.recipients())
            refused = {address: UNKNOWN_USER for address in message.recipients() if address in self.refused}
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        return super().send_messages(messages)


@pytest.fixture
def mail_server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.refused = set()
    RefusingBackend.attempts = []
    yield RefusingBackend
    RefusingBackend.refused = set()
    RefusingBackend.attempts = []


def person(email, group):
    user = UserFactory(email=email, is_staff=True)
    roles.role_groups_sync()
    user.groups.add(Group.objects.get(name=group))
    return user


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def leader(programme):
    user = person("leder@elverumregionen.no", roles.PROGRAMME_LEADER)
    StaffMembershipFactory(programme=programme, user=user)
    return user


@pytest.fixture
def leader_client(leader):
    return logged_in(leader)


def receipts(application):
    return [m for m in mail.outbox if m.subject == f"Kvittering: søknad {application.reference} er mottatt"]


def resend_audits(application):
    return AuditEntry.objects.filter(
        object_id=str(application.pk), content_type__model="application", action="receipt_resend"
    )


def refusals_of(application):
    return AuditEntry.objects.filter(
        object_id=str(application.pk), content_type__model="application", action="mail:refused"
    )


def change_url(application):
    return reverse("admin:applications_application_change", args=[application.pk])


def resend_url(application):
    return reverse("admin:applications_application_receipt_resend", args=[application.pk])


def submit(client, application, capture):
    with capture(execute=True):
        response = client.post(reverse("application_submit", args=[application.pk]), {"confirmed": "on"})
    assert response.status_code == 302
    return Application.objects.get(pk=application.pk)


def post_resend(client, application, capture):
    """Confirm the resend; return the change page it leads to (with its message), read after the
    commit's callbacks (the notify task) ran, and the application as it then is."""
    with capture(execute=True):
        response = client.post(resend_url(application))
    assert response.status_code == 302 and response.url == change_url(application)
    return client.get(response.url), Application.objects.get(pk=application.pk)


@pytest.fixture
def refused_submission(
    applicant_client, complete_draft, leader, mail_server, django_capture_on_commit_callbacks
):
    """Submitted through the portal; the server refuses the applicant's address for good."""
    mail_server.refused.add(APPLICANT)
    application = submit(applicant_client, complete_draft, django_capture_on_commit_callbacks)
    assert application.receipt_undeliverable_at is not None
    assert receipts(application) == []
    return application


def test_leader_sees_the_resend_button_only_when_the_receipt_was_refused(
    refused_submission, leader_client, applicant_client, call, organisation, mail_server
):
    page = leader_client.get(change_url(refused_submission))

    assert page.status_code == 200
    assert resend_url(refused_submission) in page.content.decode()
    assert "Send kvitteringen på nytt" in page.content.decode()

    delivered = Application.objects.filter(pk=refused_submission.pk)
    delivered.update(receipt_undeliverable_at=None, receipt_undeliverable_reason="")
    page = leader_client.get(change_url(refused_submission))

    assert page.status_code == 200
    assert resend_url(refused_submission) not in page.content.decode()
    assert "Send kvitteringen på nytt" not in page.content.decode()


def test_the_confirmation_page_shows_where_the_receipt_goes_and_what_the_server_said(
    refused_submission, leader_client
):
    page = leader_client.get(resend_url(refused_submission))

    content = page.content.decode()
    assert page.status_code == 200
    assert f'<strong class="receipt-addresses">{APPLICANT}</strong>' in content
    assert "Recipient address rejected: User unknown" in content
    # The address is the one refused: the leader is warned before sending to it again.
    assert "Dette er adressen e-posttjeneren avviste" in content
    assert "Ja, send kvitteringen på nytt" in content

    Organisation.objects.filter(pk=refused_submission.organisation_id).update(contact_email=CORRECTED)
    content = leader_client.get(resend_url(refused_submission)).content.decode()

    assert f'<strong class="receipt-addresses">{CORRECTED}</strong>' in content
    assert "Dette er adressen e-posttjeneren avviste" not in content


def test_leader_resends_a_refused_receipt_to_the_corrected_address_and_it_is_sent_once(
    refused_submission, leader, leader_client, mail_server, django_capture_on_commit_callbacks
):
    # The leader has corrected the organisation's e-mail (editable on its admin page), which the
    # receipt goes to before the submitter's own.
    Organisation.objects.filter(pk=refused_submission.organisation_id).update(contact_email=CORRECTED)

    response, application = post_resend(leader_client, refused_submission, django_capture_on_commit_callbacks)

    assert f"Kvitteringen sendes på nytt til {CORRECTED}." in response.content.decode()
    assert application.receipt_undeliverable_at is None
    assert application.receipt_undeliverable_reason == ""
    assert application.receipt_sent_at is not None
    assert [receipt.to for receipt in receipts(application)] == [[CORRECTED]]
    [entry] = resend_audits(application)
    assert entry.actor == leader
    assert entry.programme_id == application.programme_id
    assert entry.data["recipients"] == [CORRECTED]
    assert "Recipient address rejected: User unknown" in entry.data["reply"]
    assert resend_url(application) not in response.content.decode()

    # Sent once: a duplicate task and a second confirmation send nothing more.
    assert application_submitted_notify.delay(application.pk).result is False
    again, application = post_resend(leader_client, application, django_capture_on_commit_callbacks)
    assert "Det er ikke registrert at kvitteringen ikke kunne leveres" in again.content.decode()
    assert len(receipts(application)) == 1
    assert resend_audits(application).count() == 1


def test_a_receipt_refused_again_is_recorded_as_undeliverable_again(
    refused_submission, leader_client, mail_server, django_capture_on_commit_callbacks
):
    first_refusal = refused_submission.receipt_undeliverable_at

    response, application = post_resend(leader_client, refused_submission, django_capture_on_commit_callbacks)

    assert mail_server.attempts.count(APPLICANT) == 2
    assert receipts(application) == []
    assert application.receipt_sent_at is None
    assert application.receipt_undeliverable_at > first_refusal
    assert "Recipient address rejected: User unknown" in application.receipt_undeliverable_reason
    assert refusals_of(application).count() == 2
    assert resend_audits(application).count() == 1
    # The button is back for the next try.
    assert resend_url(application) in response.content.decode()


def test_resend_is_refused_when_the_receipt_was_not_refused(
    applicant_client, complete_draft, leader_client, mail_server, django_capture_on_commit_callbacks
):
    application = submit(applicant_client, complete_draft, django_capture_on_commit_callbacks)
    assert len(receipts(application)) == 1

    page = leader_client.get(resend_url(application))
    assert page.status_code == 200
    assert "Det er ikke registrert at kvitteringen ikke kunne leveres" in page.content.decode()
    assert "Ja, send kvitteringen på nytt" not in page.content.decode()

    response, after = post_resend(leader_client, application, django_capture_on_commit_callbacks)

    assert "Det er ikke registrert at kvitteringen ikke kunne leveres" in response.content.decode()
    assert len(receipts(after)) == 1
    assert after.receipt_sent_at == application.receipt_sent_at
    assert not resend_audits(after).exists()


def test_resend_is_refused_for_a_withdrawn_application(
    refused_submission, leader_client, mail_server, django_capture_on_commit_callbacks
):
    Application.objects.filter(pk=refused_submission.pk).update(state=Application.State.WITHDRAWN)

    response, application = post_resend(leader_client, refused_submission, django_capture_on_commit_callbacks)

    assert "Kvitteringen sendes bare for en innsendt søknad" in response.content.decode()
    assert application.receipt_undeliverable_at == refused_submission.receipt_undeliverable_at
    assert mail_server.attempts.count(APPLICANT) == 1
    assert not resend_audits(application).exists()


def test_another_programmes_leader_and_the_board_get_a_404(
    refused_submission, programme, mail_server, django_capture_on_commit_callbacks
):
    """Neither may resend; neither can see a submitted application that is on no board agenda."""
    other = person("leder@vestre-toten.no", roles.PROGRAMME_LEADER)
    StaffMembershipFactory(programme=ProgrammeFactory(slug="vestre-toten"), user=other)
    board_member = person("styremedlem@elverumregionen.no", roles.BOARD_MEMBER)
    BoardMembershipFactory(programme=programme, user=board_member)

    for user, status in ((other, 404), (board_member, 404)):
        client = logged_in(user)
        assert client.get(resend_url(refused_submission)).status_code == status
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(resend_url(refused_submission)).status_code == status
        page = client.get(change_url(refused_submission))
        assert resend_url(refused_submission) not in page.content.decode()

    application = Application.objects.get(pk=refused_submission.pk)
    assert application.receipt_undeliverable_at == refused_submission.receipt_undeliverable_at
    assert mail_server.attempts.count(APPLICANT) == 1
    assert not resend_audits(application).exists()

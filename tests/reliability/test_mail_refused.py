"""A mail server that refuses an e-mail for good (a 5xx reply: the applicant mistyped the address, the
message is too large) is not asked again: the task logs it, writes it to the audit log and, for the
submission's receipt, records it on the application, where the staff see it and from where the
periodic resend no longer picks it up. A failure that may pass (a 4xx reply, a dropped connection)
is still retried.

The e-mails go through the real tasks (eager in the test settings) to a mail backend that refuses the
addresses it is told to, as an SMTP server would, and hands the rest to the test outbox.
"""

import io
import logging
import smtplib
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications.board.decisions import case_close
from applications.board.services import vote_cast
from applications.models import Application, Letter, OrganisationJoinRequest, Vote
from applications.tasks import (
    application_submitted_notify,
    organisation_join_requested_notify,
    receipts_resend_unsent,
)
from omstilling.models import AuditEntry
from projects.models import Grant
from projects.tasks import grant_notify, payout_notify
from tests.board.conftest import application_to_board, make_board, open_case
from tests.factories import GrantFactory, PayoutFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

APPLICANT = "kari@bedrift.no"
LEADER = "leder@elverumregionen.no"
UNKNOWN_USER = (550, b"5.1.1 <kari@bedrift.no>: Recipient address rejected: User unknown")


class RefusingBackend(EmailBackend):
    """The test outbox behind a mail server that refuses the addresses in ``refusals`` (address ->
    a function making the exception smtplib raises) and counts every message it is handed."""

    refusals = {}
    attempts = []

    def send_messages(self, messages):
        for message in messages:
            type(self).attempts.append(message.recipients())
            for address in message.recipients():
                if address in self.refusals:
                    raise self.refusals[address]()
        return super().send_messages(messages)


@pytest.fixture
def mail_server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.refusals = {}
    RefusingBackend.attempts = []
    yield RefusingBackend
    RefusingBackend.refusals = {}
    RefusingBackend.attempts = []


def attempts_to(server, address):
    return sum(address in recipients for recipients in server.attempts)


def refused_recipient(address, code=550, reply=b"5.1.1 User unknown"):
    return lambda: smtplib.SMTPRecipientsRefused({address: (code, reply)})


@pytest.fixture
def leader(programme):
    return StaffMembershipFactory(programme=programme, user=UserFactory(email=LEADER))


def receipts(application):
    return [m for m in mail.outbox if m.subject == f"Kvittering: søknad {application.reference} er mottatt"]


def notices(application):
    return [m for m in mail.outbox if m.subject.startswith(f"Ny søknad {application.reference}:")]


def refusals_of(obj):
    return AuditEntry.objects.filter(
        object_id=str(obj.pk), content_type__model=obj._meta.model_name, action="mail:refused"
    )


def submit(client, application, capture, execute=True):
    with capture(execute=execute):
        response = client.post(reverse("application_submit", args=[application.pk]), {"confirmed": "on"})
    assert response.status_code == 302
    return Application.objects.get(pk=application.pk)


@pytest.fixture
def refused_submission(
    applicant_client, complete_draft, leader, mail_server, django_capture_on_commit_callbacks
):
    """An application submitted through the portal whose applicant's address the server refuses."""
    mail_server.refusals[APPLICANT] = lambda: smtplib.SMTPRecipientsRefused({APPLICANT: UNKNOWN_USER})
    return submit(applicant_client, complete_draft, django_capture_on_commit_callbacks)


def test_a_refused_applicant_address_is_tried_once_and_the_receipt_recorded_as_undeliverable(
    applicant_client, complete_draft, leader, mail_server, django_capture_on_commit_callbacks, caplog
):
    mail_server.refusals[APPLICANT] = lambda: smtplib.SMTPRecipientsRefused({APPLICANT: UNKNOWN_USER})

    with caplog.at_level(logging.WARNING, logger="omstilling.celery"):
        application = submit(applicant_client, complete_draft, django_capture_on_commit_callbacks)

    assert attempts_to(mail_server, APPLICANT) == 1
    assert application.state == Application.State.SUBMITTED
    assert receipts(application) == []
    # The programme's staff are still told that the application came in.
    assert [notice.to for notice in notices(application)] == [[LEADER]]
    assert application.receipt_sent_at is None
    assert application.receipt_undeliverable_at is not None
    assert application.receipt_undeliverable_reason == (
        f"{APPLICANT}: 550 5.1.1 <{APPLICANT}>: Recipient address rejected: User unknown"
    )
    [record] = [r for r in caplog.records if r.name == "omstilling.celery"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "applications.tasks.application_submitted_notify" in message
    assert f"applications.Application {application.pk} ({application.reference}" in message
    assert APPLICANT in message and "User unknown" in message
    [entry] = refusals_of(application)
    assert entry.actor_label == "system"
    assert entry.data["task"] == "applications.tasks.application_submitted_notify"
    assert entry.data["recipients"] == [APPLICANT]
    assert "User unknown" in entry.reason
    # A task for it that comes later (a duplicate message) does not try again.
    assert application_submitted_notify.delay(application.pk).result is False
    assert attempts_to(mail_server, APPLICANT) == 1


def test_staff_see_on_the_application_page_that_the_receipt_could_not_be_delivered(
    refused_submission, admin_client
):
    page = admin_client.get(reverse("admin:applications_application_change", args=[refused_submission.pk]))

    content = page.content.decode()
    assert page.status_code == 200
    assert "Kvittering kunne ikke leveres" in content
    assert "Kvitteringen sendes ikke på nytt" in content
    assert "Recipient address rejected: User unknown" in content


def test_the_periodic_resend_leaves_a_refused_receipt_alone(refused_submission, mail_server):
    Application.objects.filter(pk=refused_submission.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=30)
    )

    assert receipts_resend_unsent.delay().result == []
    out = io.StringIO()
    call_command("resend_receipts", "--older-than", "0", stdout=out)

    assert "Lagt i kø for sending: 0." in out.getvalue()
    assert attempts_to(mail_server, APPLICANT) == 1
    assert refusals_of(refused_submission).count() == 1


def test_a_refused_staff_address_does_not_hold_back_the_applicants_receipt(
    applicant_client, complete_draft, leader, mail_server, django_capture_on_commit_callbacks
):
    mail_server.refusals[LEADER] = refused_recipient(LEADER)

    application = submit(applicant_client, complete_draft, django_capture_on_commit_callbacks)

    assert attempts_to(mail_server, LEADER) == 1
    assert [receipt.to for receipt in receipts(application)] == [[APPLICANT]]
    assert application.receipt_sent_at is not None
    assert application.receipt_undeliverable_at is None
    [entry] = refusals_of(application)
    assert entry.data["recipients"] == [LEADER]


@pytest.mark.parametrize(
    "failure",
    [
        refused_recipient(APPLICANT, 450, b"4.2.0 Greylisted, try again later"),
        lambda: smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        lambda: smtplib.SMTPDataError(451, b"4.3.0 Temporary server error"),
        lambda: ConnectionRefusedError(111, "Connection refused"),
    ],
    ids=["greylisted", "disconnected", "temporary-data-error", "connection-refused"],
)
def test_a_failure_that_may_pass_is_still_retried_and_the_receipt_stays_owed(
    applicant_client, complete_draft, leader, mail_server, django_capture_on_commit_callbacks, failure
):
    application = submit(applicant_client, complete_draft, django_capture_on_commit_callbacks, execute=False)
    mail_server.refusals[APPLICANT] = failure

    # Eager, a retry the task schedules is raised to the caller instead of queued.
    with pytest.raises(Retry) as retry:
        application_submitted_notify.delay(application.pk)

    assert isinstance(retry.value.exc, (smtplib.SMTPException, ConnectionError))
    assert attempts_to(mail_server, APPLICANT) == 1
    application.refresh_from_db()
    assert application.receipt_sent_at is None and application.receipt_undeliverable_at is None
    assert not refusals_of(application).exists()


@pytest.mark.parametrize(
    ("task", "make", "event"),
    [
        (
            grant_notify,
            lambda: GrantFactory(state=Grant.State.CANCELLED, cancel_reason="Ikke startet."),
            "cancelled",
        ),
        (payout_notify, PayoutFactory, "approved"),
    ],
    ids=["grant", "payout"],
)
def test_a_refused_grant_or_payout_notice_is_not_retried_and_is_logged_and_audited(
    mail_server, caplog, task, make, event
):
    obj = make()
    application = obj.application if task is grant_notify else obj.grant.application
    Application.objects.filter(pk=application.pk).update(contact_email=APPLICANT)
    mail_server.refusals[APPLICANT] = refused_recipient(APPLICANT)

    with caplog.at_level(logging.WARNING, logger="omstilling.celery"):
        task.delay(obj.pk, event)

    assert attempts_to(mail_server, APPLICANT) == 1
    [entry] = refusals_of(obj)
    assert entry.data == {
        "task": task.name,
        "recipients": [APPLICANT],
        "error": "SMTPRecipientsRefused",
        "reply": f"{APPLICANT}: 550 5.1.1 User unknown",
    }
    assert entry.programme_id == application.programme_id
    assert f"{task.name}, {obj._meta.label} {obj.pk}" in caplog.text


def test_a_refused_join_request_notice_is_not_retried_and_is_audited(organisation, mail_server, caplog):
    join_request = OrganisationJoinRequest.objects.create(
        organisation=organisation, user=UserFactory(email="ola@bedrift.no")
    )
    mail_server.refusals[APPLICANT] = refused_recipient(APPLICANT)

    with caplog.at_level(logging.WARNING, logger="omstilling.celery"):
        organisation_join_requested_notify.delay(join_request.pk)

    assert attempts_to(mail_server, APPLICANT) == 1
    assert refusals_of(join_request).get().data["recipients"] == [APPLICANT]
    assert "applications.tasks.organisation_join_requested_notify" in caplog.text


def test_a_decision_letter_the_server_refuses_as_too_large_is_not_retried_and_stays_in_the_portal(
    mail_server, django_capture_on_commit_callbacks, caplog
):
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    case = open_case(board, application_to_board(board))
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
    address = "post@raufoss-velferd.no"
    mail_server.refusals[address] = lambda: smtplib.SMTPDataError(
        552, b"5.3.4 Message size exceeds fixed limit"
    )

    with (
        caplog.at_level(logging.WARNING, logger="omstilling.celery"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        decision = case_close(case, actor=board.chair.user)

    assert attempts_to(mail_server, address) == 1
    assert Letter.objects.filter(decision=decision, kind=Letter.Kind.GRANT_LETTER).count() == 1
    [entry] = refusals_of(decision)
    assert entry.data["error"] == "SMTPDataError"
    assert entry.reason == "552 5.3.4 Message size exceeds fixed limit"
    # A refused message (not an address) is ours to look into: logged as an error.
    assert [r.levelno for r in caplog.records if r.name == "omstilling.celery"] == [logging.ERROR]

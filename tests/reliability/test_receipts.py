"""A submission's receipt (to the applicant) and notice (to the programme leader) are sent once, even
when the broker was down at the submit or lost the queued task: the application row records when they
went out, and ``manage.py resend_receipts`` and the periodic task enqueue the e-mails still owed.

The tasks run in-process here (the test settings are eager); the broker outage is a real unreachable
Redis, as in tests/reliability/test_submit_faults.py.
"""

import contextlib
import importlib
import io
import logging
import smtplib
import threading
import time
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from applications.tasks import application_submitted_notify
from omstilling.celery import app as celery_app
from tests.factories import ApplicationFactory, StaffMembershipFactory, UserFactory
from tests.projects.vestre_toten import SHIPPED_CSV, make_vestre_toten

from .workers import Publisher, free_port

pytestmark = pytest.mark.django_db

S = Application.State
LEADER = "leder@elverumregionen.no"


@pytest.fixture
def leader(programme):
    return StaffMembershipFactory(programme=programme, user=UserFactory(email=LEADER))


def receipts(application):
    """The applicant's receipts for ``application`` in the outbox."""
    return [
        message
        for message in mail.outbox
        if message.subject == f"Kvittering: søknad {application.reference} er mottatt"
    ]


def notices(application):
    """The programme staff's notices of ``application`` in the outbox."""
    return [
        message
        for message in mail.outbox
        if message.subject.startswith(f"Ny søknad {application.reference}:")
    ]


def resend(*args):
    out = io.StringIO()
    call_command("resend_receipts", *args, stdout=out)
    return out.getvalue()


def submit(client, application):
    return client.post(reverse("application_submit", args=[application.pk]), {"confirmed": "on"})


def submitted_while_the_broker_is_down(client, application, capture):
    """Submit through the portal with Redis unreachable: the enqueue after the commit fails."""
    publisher = Publisher(f"redis://127.0.0.1:{free_port()}/0", "nobody-listens")
    try:
        with capture(execute=True):
            response = submit(client, application)
    finally:
        publisher.restore()
    assert response.status_code == 302
    assert response.url == reverse("application_receipt", args=[application.pk])
    return Application.objects.get(pk=application.pk)


def submitted_with_the_task_lost(client, application, capture):
    """Submit through the portal while the queued task is lost (Redis restarted, say): the commit's
    callbacks, which enqueue it, never run."""
    with capture(execute=False):
        response = submit(client, application)
    assert response.status_code == 302
    return Application.objects.get(pk=application.pk)


def submitted_minutes_ago(application, minutes):
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_with_the_broker_down_at_submit_resend_receipts_sends_the_receipt_once_the_broker_is_back(
    applicant_client, complete_draft, leader, django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.WARNING, logger="applications.services"):
        application = submitted_while_the_broker_is_down(
            applicant_client, complete_draft, django_capture_on_commit_callbacks
        )

    assert application.state == S.SUBMITTED
    assert application.receipt_sent_at is None
    assert mail.outbox == []
    assert f"The receipt for application {application.pk} was not queued" in caplog.text

    # The broker is back (the test settings run the task in-process). --dry-run only lists it.
    listed = resend("--older-than", "0", "--dry-run")

    assert f"Kvittering ikke sendt: søknad {application.reference} (Elverum Reiseliv AS)" in listed
    assert mail.outbox == []

    output = resend("--older-than", "0")

    assert "Lagt i kø for sending: 1." in output
    assert f"Lagt i kø: søknad {application.reference}" in output
    [receipt] = receipts(application)
    assert receipt.to == ["kari@bedrift.no"]
    assert f"Referansenummer: {application.reference}" in receipt.body
    [notice] = notices(application)
    assert notice.to == [LEADER]
    application.refresh_from_db()
    assert application.receipt_sent_at is not None
    assert application.receipt_sent_at >= application.submitted_at

    # A second run finds nothing owed and sends nothing more.
    again = resend("--older-than", "0")

    assert "Lagt i kø for sending: 0." in again
    assert (len(receipts(application)), len(notices(application))) == (1, 1)


def test_a_receipt_is_left_to_its_own_task_for_five_minutes_before_it_is_resent(
    applicant_client, complete_draft, leader, django_capture_on_commit_callbacks
):
    application = submitted_with_the_task_lost(
        applicant_client, complete_draft, django_capture_on_commit_callbacks
    )
    submitted_minutes_ago(application, 4)

    assert "Lagt i kø for sending: 0." in resend()
    assert mail.outbox == []

    submitted_minutes_ago(application, 6)

    assert "Lagt i kø for sending: 1." in resend()
    assert len(receipts(application)) == 1 and len(notices(application)) == 1


def test_a_receipt_still_unsent_after_a_week_is_given_up(
    applicant_client, complete_draft, leader, django_capture_on_commit_callbacks
):
    application = submitted_with_the_task_lost(
        applicant_client, complete_draft, django_capture_on_commit_callbacks
    )
    submitted_minutes_ago(application, 7 * 24 * 60 + 1)

    assert "Lagt i kø for sending: 0." in resend()
    assert mail.outbox == []


def test_the_periodic_task_in_the_beat_schedule_sends_a_lost_receipt_once(
    applicant_client, complete_draft, leader, django_capture_on_commit_callbacks
):
    application = submitted_with_the_task_lost(
        applicant_client, complete_draft, django_capture_on_commit_callbacks
    )
    submitted_minutes_ago(application, 6)
    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "applications.tasks.receipts_resend_unsent"
    ]
    assert entry["schedule"] == timedelta(minutes=5)
    celery_app.loader.import_default_modules()
    beat_task = celery_app.tasks[entry["task"]]

    beat_task.delay()
    beat_task.delay()

    assert len(receipts(application)) == 1 and len(notices(application)) == 1
    application.refresh_from_db()
    assert application.receipt_sent_at is not None


def test_a_duplicate_notify_task_sends_nothing_more(
    applicant_client, complete_draft, leader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(applicant_client, complete_draft)
    assert response.status_code == 302
    application = Application.objects.get(pk=complete_draft.pk)
    assert len(receipts(application)) == 1 and len(notices(application)) == 1
    sent_at = application.receipt_sent_at
    assert sent_at is not None

    # Redis hands the message out again, or the resend enqueued it while the first was late.
    assert application_submitted_notify.delay(application.pk).result is False

    assert len(receipts(application)) == 1 and len(notices(application)) == 1
    application.refresh_from_db()
    assert application.receipt_sent_at == sent_at


def test_a_send_that_fails_marks_nothing_and_the_next_resend_sends_it(
    applicant_client, complete_draft, leader, django_capture_on_commit_callbacks, monkeypatch
):
    application = submitted_with_the_task_lost(
        applicant_client, complete_draft, django_capture_on_commit_callbacks
    )

    def smtp_down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", smtp_down)
        with pytest.raises(CommandError, match="Ingenting er merket som sendt"):
            resend("--older-than", "0")

    application.refresh_from_db()
    assert application.receipt_sent_at is None and mail.outbox == []

    assert "Lagt i kø for sending: 1." in resend("--older-than", "0")
    assert len(receipts(application)) == 1 and len(notices(application)) == 1


def test_historical_imported_applications_never_get_a_receipt(tmp_path):
    make_vestre_toten()
    call_command("import_grants", str(SHIPPED_CSV), "--programme", "vestre-toten", stdout=io.StringIO())
    historical = Application.objects.filter(is_historical=True)
    assert historical.count() == 28
    # Even an import that recorded when they were sent in leaves them out.
    historical.update(submitted_at=timezone.now() - timedelta(days=1))

    output = resend("--older-than", "0")
    for application in historical:
        application_submitted_notify.delay(application.pk)

    assert "Lagt i kø for sending: 0." in output
    assert mail.outbox == []
    assert not Application.objects.filter(receipt_sent_at__isnull=False).exists()


def test_an_application_withdrawn_before_its_receipt_went_out_gets_none(
    applicant_client, complete_draft, leader, django_capture_on_commit_callbacks
):
    application = submitted_with_the_task_lost(
        applicant_client, complete_draft, django_capture_on_commit_callbacks
    )
    response = applicant_client.post(
        reverse("application_withdraw", args=[application.pk]), {"reason": "Feil utlysning."}
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).state == S.WITHDRAWN

    assert "Lagt i kø for sending: 0." in resend("--older-than", "0")
    application_submitted_notify.delay(application.pk)

    assert mail.outbox == []


def test_applications_submitted_before_the_migration_are_marked_sent_and_get_no_e_mail(
    programme, focus_areas
):
    before = timezone.now() - timedelta(days=2)
    fields = {"programme": programme, "focus_area": focus_areas[0], "contact_email": "post@bedrift.no"}
    submitted = ApplicationFactory(**fields, state=S.SUBMITTED, submitted_at=before)
    in_review = ApplicationFactory(**fields, state=S.IN_REVIEW, submitted_at=before)
    draft = ApplicationFactory(**fields, state=S.DRAFT)
    migration = importlib.import_module("applications.migrations.0004_application_receipt_sent_at")

    migration.mark_earlier_submissions_as_sent(django_apps, None)

    for application in (submitted, in_review):
        application.refresh_from_db()
        assert application.receipt_sent_at == before
    draft.refresh_from_db()
    assert draft.receipt_sent_at is None
    assert "Lagt i kø for sending: 0." in resend("--older-than", "0")
    assert mail.outbox == []


def test_a_negative_threshold_is_refused():
    with pytest.raises(CommandError, match="kan ikke være negativ"):
        resend("--older-than", "-1")


@pytest.mark.django_db(transaction=True)
def test_two_notify_tasks_at_the_same_moment_send_once(applicant, complete_draft, leader, monkeypatch):
    """Two deliveries of the task run at once on their own connections. The first holds the row while
    it sends; the second reads the row meanwhile. The lock makes the second wait until the first has
    sent and marked, so it sends nothing (without the lock both would see it unsent and send)."""
    from applications import tasks

    Application.objects.filter(pk=complete_draft.pk).update(
        state=S.SUBMITTED, submitted_at=timezone.now(), contact_email="kari@bedrift.no"
    )
    first_sending = threading.Event()
    second_reading = threading.Event()
    real_send = tasks._send_submission_emails

    def held_send(application):
        first_sending.set()
        # Hold until the other task has asked for the row (and a moment for the query to reach it).
        assert second_reading.wait(timeout=20)
        time.sleep(0.3)
        real_send(application)

    def reading(execute, sql, params, many, context):
        if 'FROM "applications_application"' in sql:
            second_reading.set()
        return execute(sql, params, many, context)

    monkeypatch.setattr(tasks, "_send_submission_emails", held_send)
    results, errors = [], []

    def deliver(wrapper=None):
        try:
            with connection.execute_wrapper(wrapper) if wrapper else contextlib.nullcontext():
                results.append(application_submitted_notify.delay(complete_draft.pk).result)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=deliver)
    first.start()
    assert first_sending.wait(timeout=20)
    second = threading.Thread(target=deliver, args=(reading,))
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)

    assert not errors, errors
    assert sorted(results) == [False, True]
    assert len(receipts(complete_draft)) == 1 and len(notices(complete_draft)) == 1


def test_staff_see_when_the_receipt_went_out_on_the_application_page(admin_client):
    sent = timezone.now()
    application = ApplicationFactory(submitted_at=sent, receipt_sent_at=sent)

    page = admin_client.get(reverse("admin:applications_application_change", args=[application.pk]))

    assert "Kvittering sendt" in page.content.decode()

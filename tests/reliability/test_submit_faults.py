"""Submitting at the worst moment: the database connection dies half-way, or the applicant sends
the same application twice at once (two tabs, a double click). Through the HTTP client, on
committed data (``transaction=True``), so locks and lost connections behave as in production.
"""

import io
import threading
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationSnapshot
from omstilling.models import AuditEntry
from tests.factories import (
    CallFactory,
    FocusAreaFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    PlanPeriodFactory,
    ProgrammeFactory,
    UserFactory,
)
from tests.portal.conftest import make_complete, make_draft

from .workers import Publisher, free_port

pytestmark = pytest.mark.django_db(transaction=True)

S = Application.State


@pytest.fixture
def applicant():
    return UserFactory(email="kari@bedrift.no", full_name="Kari Nordmann", email_verified_at=timezone.now())


@pytest.fixture
def complete_draft(applicant):
    programme = ProgrammeFactory(slug="elverumregionen")
    area = FocusAreaFactory(plan_period=PlanPeriodFactory(programme=programme), number=1)
    call = CallFactory(programme=programme, budget=Decimal(1900000), max_amount=Decimal(500000))
    call.focus_areas.set([area])
    organisation = OrganisationFactory(name="Elverum Reiseliv AS", contact_email="post@reiseliv.no")
    OrganisationMembershipFactory(organisation=organisation, user=applicant, role="admin")
    return make_complete(make_draft(call, organisation, applicant))


def logged_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def submit(client, application):
    return client.post(reverse("application_submit", args=[application.pk]), {"confirmed": "on"})


def submissions(application):
    """Everything a submission writes, counted."""
    application = Application.objects.get(pk=application.pk)
    return {
        "state": application.state,
        "submitted_at": application.submitted_at is not None,
        "snapshots": ApplicationSnapshot.objects.filter(application=application).count(),
        "audit": AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Application),
            object_id=str(application.pk),
            action="state:submitted",
        ).count(),
        "receipts": sum(application.reference in message.subject for message in mail.outbox),
    }


NOT_SUBMITTED = {"state": S.DRAFT, "submitted_at": False, "snapshots": 0, "audit": 0, "receipts": 0}


def assert_no_half_submitted_application():
    assert not Application.objects.filter(state=S.SUBMITTED, snapshot__isnull=True).exists()
    assert not ApplicationSnapshot.objects.exclude(application__state=S.SUBMITTED).exists()


class ConnectionLost:
    """An execute wrapper that kills the PostgreSQL connection under the first statement matching
    ``fragment``: the statement then fails as it would if the server or network went away."""

    def __init__(self, fragment):
        self.fragment = fragment
        self.fired = False

    def __call__(self, execute, sql, params, many, context):
        if not self.fired and self.fragment in sql:
            self.fired = True
            context["connection"].connection.close()
        return execute(sql, params, many, context)


@pytest.mark.parametrize(
    "statement",
    [
        "FOR UPDATE",  # locking the draft
        'UPDATE "applications_application"',  # the state change
        'INSERT INTO "omstilling_auditentry"',  # its audit entry
        'INSERT INTO "applications_applicationsnapshot"',  # the frozen copy
    ],
)
def test_a_connection_lost_mid_submit_shows_an_error_keeps_the_draft_and_a_retry_succeeds(
    applicant, complete_draft, statement
):
    client = logged_in(applicant, raise_request_exception=False)
    lost = ConnectionLost(statement)

    with connection.execute_wrapper(lost):
        response = submit(client, complete_draft)

    assert lost.fired
    assert response.status_code == 500  # the server's error page, not a receipt
    assert submissions(complete_draft) == NOT_SUBMITTED
    assert_no_half_submitted_application()
    draft = Application.objects.get(pk=complete_draft.pk)
    assert (draft.title, draft.de_minimis_declared) == (complete_draft.title, True)
    assert draft.cost_lines.count() == 1 and draft.financing_lines.count() == 2

    retry = submit(client, complete_draft)

    assert retry.status_code == 302
    assert retry.url == reverse("application_receipt", args=[complete_draft.pk])
    assert submissions(complete_draft) == {
        "state": S.SUBMITTED,
        "submitted_at": True,
        "snapshots": 1,
        "audit": 1,
        "receipts": 1,
    }
    assert_no_half_submitted_application()


def test_the_error_page_after_a_lost_connection_is_the_portals_own_in_norwegian(applicant, complete_draft):
    client = logged_in(applicant, raise_request_exception=False)

    with connection.execute_wrapper(ConnectionLost('UPDATE "applications_application"')):
        response = submit(client, complete_draft)

    assert response.status_code == 500
    page = response.content.decode()
    assert 'lang="nb"' in page
    assert "Noe gikk galt hos oss" in page and "Mine søknader" in page


def test_a_double_click_submits_once(applicant, complete_draft):
    client = logged_in(applicant)

    first = submit(client, complete_draft)
    second = submit(client, complete_draft)

    assert first.status_code == 302
    # The second click changes nothing and leads to the same receipt.
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert submissions(complete_draft)["snapshots"] == 1
    assert submissions(complete_draft)["audit"] == 1
    assert submissions(complete_draft)["receipts"] == 1


class HoldAtTheLock:
    """Holds a request just before its first ``SELECT … FOR UPDATE`` of an application until the
    other request has got there too."""

    def __init__(self, barrier):
        self.barrier = barrier
        self.held = False

    def __call__(self, execute, sql, params, many, context):
        if not self.held and "FOR UPDATE" in sql and '"applications_application"' in sql:
            self.held = True
            self.barrier.wait()
        return execute(sql, params, many, context)


def test_two_tabs_submitting_at_the_same_moment_submit_once(applicant, complete_draft):
    """Both requests have read the draft and reach the row lock together: the lock makes the second
    one see the first one's submission."""
    barrier = threading.Barrier(2, timeout=20)
    responses, errors = [], []

    def tab():
        try:
            client = logged_in(applicant)
            with connection.execute_wrapper(HoldAtTheLock(barrier)):
                responses.append(submit(client, complete_draft))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert len(responses) == 2
    receipt = reverse("application_receipt", args=[complete_draft.pk])
    # The second one changes nothing and says why (or leads to the same receipt).
    for response in responses:
        assert (response.status_code == 302 and response.url == receipt) or (
            response.status_code == 400 and "allerede sendt inn" in response.content.decode()
        ), response.status_code
    assert submissions(complete_draft) == {
        "state": S.SUBMITTED,
        "submitted_at": True,
        "snapshots": 1,
        "audit": 1,
        "receipts": 1,
    }


@pytest.mark.slow
def test_with_the_broker_down_the_submission_still_goes_through(applicant, complete_draft, caplog):
    """Redis unreachable at the moment of submitting: the submission is committed and the applicant
    gets the receipt page; only the e-mail (queued after the commit) cannot be queued, and the log
    says so. The row stays unmarked (no ``receipt_sent_at``), so once the broker is back
    ``resend_receipts`` (and beat) sends it, once: see tests/reliability/test_receipts.py."""
    publisher = Publisher(f"redis://127.0.0.1:{free_port()}/0", "nobody-listens")
    try:
        response = submit(logged_in(applicant), complete_draft)
    finally:
        publisher.restore()

    assert response.status_code == 302
    assert response.url == reverse("application_receipt", args=[complete_draft.pk])
    counts = submissions(complete_draft)
    assert (counts["state"], counts["snapshots"], counts["audit"]) == (S.SUBMITTED, 1, 1)
    assert counts["receipts"] == 0
    assert Application.objects.get(pk=complete_draft.pk).receipt_sent_at is None
    assert f"The receipt for application {complete_draft.pk} was not queued" in caplog.text, caplog.text

    # The broker is back (in-process here): the receipt owed is sent, and only once.
    call_command("resend_receipts", "--older-than", "0", stdout=io.StringIO())
    call_command("resend_receipts", "--older-than", "0", stdout=io.StringIO())

    assert submissions(complete_draft)["receipts"] == 1
    assert Application.objects.get(pk=complete_draft.pk).receipt_sent_at is not None

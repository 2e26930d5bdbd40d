"""Offers not accepted by their deadline lapse, from the command and from the Celery beat task, and
their money returns to the programme's budget."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from projects.models import Grant
from projects.selectors import budget_ledger
from projects.tasks import grants_lapse_overdue

from .conftest import fund, grant_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(board):
    year = timezone.localdate().year
    fund(board.programme, year, 500000)
    overdue = grant_in(board.programme, amount=200000, state=Grant.State.OFFERED, title="Forsinket aksept")
    overdue.acceptance_deadline = timezone.localdate() - dt.timedelta(days=1)
    overdue.save(update_fields=["acceptance_deadline"])
    in_time = grant_in(board.programme, amount=100000, state=Grant.State.OFFERED)
    accepted = grant_in(board.programme, amount=50000, state=Grant.State.ACCEPTED)
    accepted.acceptance_deadline = timezone.localdate() - dt.timedelta(days=5)
    accepted.save(update_fields=["acceptance_deadline"])
    return overdue, in_time, accepted


def test_lapse_command_lapses_overdue_offers_once_and_frees_their_money(
    board, offers, django_capture_on_commit_callbacks
):
    overdue, in_time, accepted = offers
    year = timezone.localdate().year
    assert budget_ledger(board.programme, year).available == 500000 - 350000

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("lapse_grants", stdout=out)

    assert overdue.reference in out.getvalue()
    assert "200\u00a0000 kr tilbake til budsjettet" in out.getvalue()
    assert "1 tilsagn bortfalt." in out.getvalue()
    overdue.refresh_from_db()
    in_time.refresh_from_db()
    accepted.refresh_from_db()
    assert (overdue.state, overdue.released_amount) == (Grant.State.LAPSED, 200000)
    assert in_time.state == Grant.State.OFFERED
    assert accepted.state == Grant.State.ACCEPTED
    ledger = budget_ledger(board.programme, year)
    assert ledger.released_lapsed == 200000
    assert ledger.available == 500000 - 350000 + 200000
    assert [message.subject for message in mail.outbox] == [f"Tilsagn {overdue.reference} er bortfalt"]

    again = StringIO()
    call_command("lapse_grants", stdout=again)
    assert again.getvalue().strip() == "0 tilsagn bortfalt."
    assert budget_ledger(board.programme, year).available == 350000


def test_beat_task_lapses_overdue_offers(board, offers, django_capture_on_commit_callbacks):
    overdue, in_time, _accepted = offers

    with django_capture_on_commit_callbacks(execute=True):
        result = grants_lapse_overdue.delay()

    assert result.get() == [overdue.reference]
    overdue.refresh_from_db()
    assert overdue.state == Grant.State.LAPSED
    assert grants_lapse_overdue.name == "projects.tasks.grants_lapse_overdue"
    assert len(mail.outbox) == 1

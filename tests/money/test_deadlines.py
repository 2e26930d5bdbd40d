"""After the grant is accepted: the beat task reminds the holder of the final report deadline (once per
reminder, even when two runs overlap), the programme leader grants or refuses more time in the admin,
and closes a grant whose deadline has passed, releasing what was never approved to the budget."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from omstilling.formatting import long_date
from omstilling.models import AuditEntry
from projects.models import DeadlineExtension, Grant, GrantReminder, Payout
from projects.selectors import budget_ledger
from projects.services import payout_approve
from projects.services.deadlines import deadline_extension_request
from projects.tasks import grant_deadline_reminders

from .conftest import fund, grant_in, requested

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _with_deadline(grant, days):
    """Give ``grant`` a final report deadline ``days`` from today (negative: passed)."""
    deadline = TODAY() + dt.timedelta(days=days)
    Grant.objects.filter(pk=grant.pk).update(
        project_start=deadline - dt.timedelta(days=400),
        project_end=deadline - dt.timedelta(days=90),
        final_report_deadline=deadline,
    )
    grant.refresh_from_db()
    return grant


def _audit(obj, action):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk), action=action
    )


@pytest.fixture
def leader_client(client, board):
    client.force_login(board.leader)
    return client


# Reminders ---------------------------------------------------------------------------------------


def test_the_beat_task_reminds_60_days_before_once_then_14_days_before_then_when_passed(
    board, django_capture_on_commit_callbacks
):
    grant = _with_deadline(grant_in(board.programme), 50)
    far = _with_deadline(grant_in(board.programme, title="Langt fram"), 120)

    with django_capture_on_commit_callbacks(execute=True):
        first = grant_deadline_reminders.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = grant_deadline_reminders.delay().get()

    assert first == [f"{grant.reference}:60_days"]
    assert second == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith(f"Påminnelse: sluttrapport på tilsagn {grant.reference} innen ")
    assert mail.outbox[0].to == ["prosjekt@raufoss-velferd.no"]
    assert "Om 50 dager" in " ".join(mail.outbox[0].body.split())
    assert not GrantReminder.objects.filter(grant=far).exists()

    _with_deadline(grant, 10)
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_deadline_reminders.delay().get() == [f"{grant.reference}:14_days"]
    _with_deadline(grant, -1)
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_deadline_reminders.delay().get() == [f"{grant.reference}:passed"]
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_deadline_reminders.delay().get() == []

    assert len(mail.outbox) == 3
    assert mail.outbox[2].subject == f"Fristen for sluttrapport på tilsagn {grant.reference} er ute"
    assert _audit(grant, "reminder:passed").count() == 1


def test_a_grant_whose_final_payout_is_requested_is_not_reminded(board, django_capture_on_commit_callbacks):
    grant = _with_deadline(grant_in(board.programme), 10)
    requested(grant, 1000, kind=Payout.Kind.FINAL)

    with django_capture_on_commit_callbacks(execute=True):
        assert grant_deadline_reminders.delay().get() == []
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_send_each_reminder_once(board):
    grant = _with_deadline(grant_in(board.programme), 10)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(grant_deadline_reminders())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results, key=len) == [[], [f"{grant.reference}:14_days"]]
    assert GrantReminder.objects.filter(grant=grant).count() == 1
    assert len(mail.outbox) == 1


# More time ---------------------------------------------------------------------------------------


def _extension(grant, project_member, days=90):
    return deadline_extension_request(
        grant,
        actor=project_member,
        new_deadline=grant.final_report_deadline + dt.timedelta(days=days),
        reason="Leverandøren er forsinket.",
    )


def test_the_leader_grants_more_time_after_a_confirmation_page(
    leader_client, board, grant, project_member, django_capture_on_commit_callbacks
):
    grant = _with_deadline(grant, 30)
    extension = _extension(grant, project_member)
    url = reverse("admin:projects_deadlineextension_grant", args=[extension.pk])
    change = reverse("admin:projects_deadlineextension_change", args=[extension.pk])
    assert url in leader_client.get(change).content.decode()

    page = leader_client.get(url)
    assert page.status_code == 200 and "Ja, innvilg ny frist" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(url, {"note": "Greit."})

    assert response.status_code == 302
    extension.refresh_from_db()
    grant.refresh_from_db()
    assert extension.state == DeadlineExtension.State.GRANTED and extension.decided_by == board.leader
    assert grant.final_report_deadline == extension.requested_deadline
    assert (
        _audit(grant, "grant:deadline_extended").get().data["to"] == extension.requested_deadline.isoformat()
    )
    assert _audit(extension, "state:granted").exists()
    assert [m.subject for m in mail.outbox] == [
        f"Tilsagn {grant.reference}: ny frist {long_date(grant.final_report_deadline)}"
    ]
    # The reminders start again for the new deadline: a grant moved from 30 days to 120 has none due.
    assert grant_deadline_reminders.delay().get() == []


def test_the_leader_refuses_more_time_only_with_a_reason(
    leader_client, board, grant, project_member, django_capture_on_commit_callbacks
):
    grant = _with_deadline(grant, 30)
    extension = _extension(grant, project_member)
    url = reverse("admin:projects_deadlineextension_refuse", args=[extension.pk])

    empty = leader_client.post(url, {"note": ""})
    assert empty.status_code == 200 and "errorlist" in empty.content.decode()
    extension.refresh_from_db()
    assert extension.state == DeadlineExtension.State.REQUESTED

    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(url, {"note": "Prosjektet har hatt god tid."})

    extension.refresh_from_db()
    grant.refresh_from_db()
    assert extension.state == DeadlineExtension.State.REFUSED
    assert grant.final_report_deadline == extension.current_deadline
    assert "Prosjektet har hatt god tid." in mail.outbox[0].body
    assert "avslått" in mail.outbox[0].subject


def test_another_programmes_leader_cannot_decide(client, elverum, board, grant, project_member):
    extension = _extension(_with_deadline(grant, 30), project_member)
    client.force_login(elverum.leader)
    response = client.post(
        reverse("admin:projects_deadlineextension_grant", args=[extension.pk]), {"note": ""}
    )
    assert response.status_code == 404
    extension.refresh_from_db()
    assert extension.state == DeadlineExtension.State.REQUESTED


# After the deadline ------------------------------------------------------------------------------


def test_the_leader_closes_an_overdue_grant_paying_nothing_more_and_releasing_the_rest(
    leader_client, board, django_capture_on_commit_callbacks
):
    year = TODAY().year
    fund(board.programme, year, 500000)
    grant = grant_in(board.programme, amount=100000)
    approved = payout_approve(requested(grant, 30000), actor=board.leader)
    pending = requested(grant, 10000)
    grant = _with_deadline(grant, -1)
    assert budget_ledger(board.programme, year).available == 400000

    changelist = leader_client.get(reverse("admin:projects_grant_changelist"), {"frist": "overdue"})
    assert [row.pk for row in changelist.context["cl"].result_list] == [grant.pk]
    url = reverse("admin:projects_grant_close_overdue", args=[grant.pk])
    assert url in leader_client.get(reverse("admin:projects_grant_change", args=[grant.pk])).content.decode()
    page = leader_client.get(url)
    assert "Ja, avslutt tilsagnet" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(url, {"reason": "Sluttrapporten kom aldri."})

    assert response.status_code == 302
    grant.refresh_from_db()
    pending.refresh_from_db()
    approved.refresh_from_db()
    assert grant.state == Grant.State.COMPLETED
    assert grant.released_amount == Decimal(70000)
    assert pending.state == Payout.State.REJECTED
    assert pending.rejection_reason == "Tilsagnet er avsluttet etter fristen."
    assert approved.state == Payout.State.APPROVED  # already approved money stands
    assert _audit(grant, "state:completed").get().reason == "Sluttrapporten kom aldri."
    assert _audit(pending, "state:rejected").exists()
    ledger = budget_ledger(board.programme, year)
    assert ledger.released_other == 70000 and ledger.available == 470000
    assert any(m.subject == f"Tilsagn {grant.reference} er avsluttet etter fristen" for m in mail.outbox)


def test_a_grant_cannot_be_closed_before_its_deadline(leader_client, board):
    grant = _with_deadline(grant_in(board.programme), 5)
    response = leader_client.post(
        reverse("admin:projects_grant_close_overdue", args=[grant.pk]), {"reason": "For sent."}
    )
    assert response.status_code == 200
    assert "er ikke ute ennå" in response.content.decode()
    grant.refresh_from_db()
    assert grant.state == Grant.State.ACCEPTED and grant.released_amount == 0

"""The programme leader approves, rejects and pays out payouts and reduces and cancels grants in the
admin, each through a confirmation page; other programmes' staff never reach them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from omstilling.models import AuditEntry
from projects.models import Grant, Payout
from projects.services import grant_reduce
from tests.factories import ResultReportFactory

from .conftest import requested

pytestmark = pytest.mark.django_db


def _url(name, obj):
    return reverse(f"admin:projects_{name}", args=[obj.pk])


def _audit(obj, action):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk), action=action
    )


@pytest.fixture
def leader_client(client, board):
    client.force_login(board.leader)
    return client


def test_leader_approves_a_payout_after_the_confirmation_page(
    leader_client, board, grant, django_capture_on_commit_callbacks
):
    payout = requested(grant, 30000)

    page = leader_client.get(_url("payout_approve", payout))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ja, godkjenn utbetalingen" in text
    # The figures the decision rests on: 75 000 may go in partial payouts, 25 000 waits for the report.
    assert "75\u00a0000 kr" in text and "25\u00a0000 kr" in text
    payout.refresh_from_db()
    assert payout.state == Payout.State.REQUESTED  # looking at the page changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(_url("payout_approve", payout))

    assert response.status_code == 302
    assert response["Location"] == _url("payout_change", payout)
    payout.refresh_from_db()
    assert payout.state == Payout.State.APPROVED
    assert payout.approved_by == board.leader
    assert [message.to for message in mail.outbox] == [["prosjekt@raufoss-velferd.no"]]
    assert "er godkjent" in mail.outbox[0].subject
    assert "30\u00a0000 kr" in mail.outbox[0].body


def test_approving_the_same_payout_twice_is_refused(leader_client, grant):
    payout = requested(grant, 30000)
    assert leader_client.post(_url("payout_approve", payout)).status_code == 302

    again = leader_client.post(_url("payout_approve", payout))

    assert again.status_code == 200
    assert "har status «Godkjent» og kan ikke godkjennes" in again.content.decode()
    assert _audit(payout, "state:approved").count() == 1
    assert Payout.objects.filter(grant=grant, state=Payout.State.APPROVED).count() == 1


def test_the_held_back_share_is_only_paid_with_the_final_payout(leader_client, grant):
    first = requested(grant, 70000)
    assert leader_client.post(_url("payout_approve", first)).status_code == 302
    second = requested(grant, 10000)

    page = leader_client.get(_url("payout_approve", second))
    assert "holdes tilbake til sluttrapporten" in page.content.decode()
    refused = leader_client.post(_url("payout_approve", second))

    assert refused.status_code == 200
    assert "25\u00a0000 kr (25 %) holdes tilbake til sluttutbetalingen" in refused.content.decode()
    second.refresh_from_db()
    assert second.state == Payout.State.REQUESTED

    # With the final report in, the rest is paid as the final payout.
    ResultReportFactory(grant=grant, year=grant.year, is_final=True)
    final = requested(grant, 30000, kind=Payout.Kind.FINAL)
    assert leader_client.post(_url("payout_approve", final)).status_code == 302
    final.refresh_from_db()
    assert final.state == Payout.State.APPROVED


def test_leader_rejects_a_request_with_the_reason_the_project_is_told(
    leader_client, grant, django_capture_on_commit_callbacks
):
    payout = requested(grant, 30000)

    missing = leader_client.post(_url("payout_reject", payout), {"reason": ""})
    assert missing.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(_url("payout_reject", payout), {"reason": "Kvitteringer mangler."})

    assert response.status_code == 302
    payout.refresh_from_db()
    assert payout.state == Payout.State.REJECTED
    assert payout.rejection_reason == "Kvitteringer mangler."
    assert "er avvist" in mail.outbox[0].subject
    assert "Kvitteringer mangler." in mail.outbox[0].body


def test_leader_records_the_date_an_approved_payout_was_paid(
    leader_client, grant, django_capture_on_commit_callbacks
):
    payout = requested(grant, 30000)
    assert leader_client.post(_url("payout_approve", payout)).status_code == 302
    today = timezone.localdate()

    future = leader_client.post(_url("payout_paid", payout), {"paid_on": str(today + dt.timedelta(days=3))})
    assert "kan ikke være frem i tid" in future.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(_url("payout_paid", payout), {"paid_on": str(today)})

    assert response.status_code == 302
    payout.refresh_from_db()
    assert (payout.state, payout.paid_at) == (Payout.State.PAID, today)
    assert "er utbetalt" in mail.outbox[-1].subject


def test_leader_reduces_a_grant_and_the_difference_goes_back(
    leader_client, grant, django_capture_on_commit_callbacks
):
    payout = requested(grant, 40000)
    assert leader_client.post(_url("payout_approve", payout)).status_code == 302

    below = leader_client.post(
        _url("grant_reduce", grant), {"new_amount": "30000", "reason": "Lavere kostnader."}
    )
    assert "kan ikke reduseres under 40\u00a0000 kr" in below.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(
            _url("grant_reduce", grant), {"new_amount": "60000", "reason": "Prosjektet ble mindre."}
        )

    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.amount, grant.released_amount, grant.effective_amount) == (100000, 40000, 60000)
    entry = _audit(grant, "grant:reduced").get()
    assert entry.reason == "Prosjektet ble mindre."
    assert entry.data == {"from": "100000", "to": "60000", "released": "40000"}
    assert "redusert" in mail.outbox[-1].subject
    assert "Prosjektet ble mindre." in mail.outbox[-1].body


def test_leader_cancels_a_grant_and_what_is_not_approved_goes_back(
    leader_client, grant, django_capture_on_commit_callbacks
):
    approved = requested(grant, 20000)
    assert leader_client.post(_url("payout_approve", approved)).status_code == 302
    pending = requested(grant, 10000)

    page = leader_client.get(_url("grant_cancel", grant))
    assert "80\u00a0000 kr som ikke er godkjent for utbetaling" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(_url("grant_cancel", grant), {"reason": "Prosjektet er lagt ned."})

    assert response.status_code == 302
    grant.refresh_from_db()
    pending.refresh_from_db()
    assert grant.state == Grant.State.CANCELLED
    assert grant.released_amount == 80000
    assert grant.cancel_reason == "Prosjektet er lagt ned."
    assert pending.state == Payout.State.REJECTED
    assert "annullert" in mail.outbox[-1].subject


def test_grant_and_payout_pages_offer_buttons_not_editable_money(leader_client, grant):
    payout = requested(grant, 30000)

    grant_page = leader_client.get(_url("grant_change", grant)).content.decode()
    payout_page = leader_client.get(_url("payout_change", payout)).content.decode()

    assert _url("grant_reduce", grant) in grant_page and _url("grant_cancel", grant) in grant_page
    assert _url("payout_approve", payout) in payout_page and _url("payout_reject", payout) in payout_page
    assert 'name="amount"' not in payout_page and 'name="conditions"' not in grant_page
    assert leader_client.post(_url("payout_change", payout), {"amount": "99000"}).status_code == 403


def test_other_programmes_staff_get_404_and_the_board_403(client, board, elverum, grant):
    payout = requested(grant, 30000)
    pages = [
        _url("payout_approve", payout),
        _url("payout_reject", payout),
        _url("payout_paid", payout),
        _url("grant_reduce", grant),
        _url("grant_cancel", grant),
    ]
    client.force_login(elverum.leader)
    assert [client.get(url).status_code for url in pages] == [404] * len(pages)
    assert client.post(pages[0]).status_code == 404
    ledger = reverse("admin:projects_grant_ledger")
    assert client.get(ledger, {"programme": board.programme.pk}).status_code == 404

    # Board members read the case file, never the grant's money pages.
    client.force_login(board.chair.user)
    assert client.get(ledger).status_code == 403
    assert client.post(pages[0]).status_code in (403, 404)

    payout.refresh_from_db()
    assert payout.state == Payout.State.REQUESTED


def test_the_ledger_link_is_on_the_grant_list(leader_client):
    page = leader_client.get(reverse("admin:projects_grant_changelist")).content.decode()
    assert reverse("admin:projects_grant_ledger") in page


def test_payout_on_a_grant_not_yet_accepted_is_refused(leader_client, board):
    from .conftest import grant_in

    offered = grant_in(board.programme, state=Grant.State.ACCEPTED)
    payout = requested(offered, 10000)
    Grant.objects.filter(pk=offered.pk).update(state=Grant.State.OFFERED)

    response = leader_client.post(_url("payout_approve", payout))

    assert "krever et akseptert eller aktivt tilsagn" in response.content.decode()
    payout.refresh_from_db()
    assert payout.state == Payout.State.REQUESTED
    assert Decimal(0) == sum(p.amount for p in offered.payouts.filter(state=Payout.State.APPROVED))


def test_the_ledger_picker_works_for_programme_ids_and_years_above_999(leader_client, board):
    """Norwegian number formatting must never reach an id or a year: "1 234" is not a programme."""
    from omstilling.models import StaffMembership
    from tests.factories import ProgrammeFactory, StaffMembershipFactory

    big = ProgrammeFactory(pk=4321, slug="stor", name="Aaa Stort program")
    StaffMembershipFactory(programme=big, user=board.leader, role=StaffMembership.Role.LEADER)
    ledger = reverse("admin:projects_grant_ledger")

    response = leader_client.get(ledger, {"programme": "4321", "year": "2012"})
    page = response.content.decode()

    assert response.status_code == 200
    assert '<option value="4321" selected>' in page
    assert "Budsjett 2012" in page and "2\xa0012" not in page


@pytest.mark.parametrize(
    "name", ["grant_reduce", "grant_cancel", "payout_approve", "payout_reject", "payout_paid"]
)
def test_a_malformed_id_in_a_money_page_link_is_a_404_not_a_server_error(leader_client, name):
    url = reverse(f"admin:projects_{name}", args=["999"]).replace("999", "ikke-et-tall")

    assert leader_client.get(url).status_code == 404


def test_approval_in_the_admin_refuses_what_the_limit_no_longer_allows(leader_client, board, grant):
    """A partial request within the page's limit when made; the grant is reduced before the leader gets
    to it: the approval page states the limit now, computed by payout_request_limit, and refuses."""
    payout = requested(grant, 70000)
    grant_reduce(grant, actor=board.leader, new_amount=Decimal(80000), reason="Lavere kostnader.")

    page = leader_client.get(_url("payout_approve", payout)).content.decode()
    assert (
        "holdes tilbake til sluttrapporten, og vil bli avvist. Høyst 60\u00a0000 kr kan godkjennes nå" in page
    )
    refused = leader_client.post(_url("payout_approve", payout))

    assert refused.status_code == 200
    assert "Delutbetalinger kan til sammen være høyst 60\u00a0000 kr" in refused.content.decode()
    payout.refresh_from_db()
    assert payout.state == Payout.State.REQUESTED
    assert not _audit(payout, "state:approved").exists()


def test_the_admin_approval_page_shows_the_accounts_and_their_attestation(leader_client, grant):
    ResultReportFactory(grant=grant, year=grant.year, is_final=True)
    final = requested(grant, 25000, kind=Payout.Kind.FINAL)
    final.accounts_attestation = "leader"
    final.save()

    page = leader_client.get(_url("payout_approve", final)).content.decode()

    assert "Signert av organisasjonens daglige leder" in page
    assert "krav: Attestert av autorisert regnskapsfører" in page
    assert "prosjektregnskap.pdf (prosjektregnskap)" in page
    assert "Attestasjonen av prosjektregnskapet oppfyller ikke kravet" in page
    refused = leader_client.post(_url("payout_approve", final))
    assert "må det være «Attestert av autorisert regnskapsfører»" in refused.content.decode()
    final.refresh_from_db()
    assert final.state == Payout.State.REQUESTED

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import timezone

from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry
from omstilling.policies import Refused
from projects.models import Attestation, Grant, Payout
from projects.services import (
    grant_cancel,
    payout_approve,
    payout_mark_paid,
    payout_reject,
    payout_request,
    result_report_submit,
)
from projects.services.portal import payout_request_from_portal
from tests.factories import GrantFactory, PayoutFactory

pytestmark = pytest.mark.django_db

P = Payout.State
FINAL = Payout.Kind.FINAL
OSLO = ZoneInfo("Europe/Oslo")


def today():
    return timezone.localdate(timezone.now(), OSLO)


def entries_for(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    )


def committed(grant):
    return grant.payouts.filter(state__in=Payout.COMMITTED_STATES).aggregate(s=Sum("amount"))["s"] or 0


@pytest.fixture
def grant(with_roles):
    """An accepted grant of 100 000 with a quarter held back until the final payout; the applicant acts
    for its holder, the officer leads its programme."""
    return with_roles(
        GrantFactory(
            amount=Decimal(100000),
            decision__amount=Decimal(100000),
            holdback_percent=25,
            state=Grant.State.ACCEPTED,
        )
    )


def final_report(grant, actor):
    return result_report_submit(grant, actor=actor, year=grant.year, new_jobs=2, is_final=True)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def accounts_pdf():
    return SimpleUploadedFile("prosjektregnskap.pdf", PDF, content_type="application/pdf")


def final_request(grant, actor, amount, attestation=Attestation.ACCOUNTANT):
    """The final payout as the portal asks for it: with the project accounts, attested (a grant of
    100 000 kr needs an authorised accountant under the programme's default limits)."""
    return payout_request_from_portal(
        grant,
        actor=actor,
        amount=Decimal(amount),
        kind=FINAL,
        accounts_file=accounts_pdf(),
        accounts_attestation=attestation,
    )


# ---- requests ---------------------------------------------------------------------------------


def test_request_numbers_payouts_per_grant_and_is_logged(grant, applicant):
    first = payout_request(
        grant,
        actor=applicant,
        amount=Decimal(20000),
        kind=Payout.Kind.PARTIAL,
        accumulated_costs=Decimal(45000),
        progress_note="Halvveis.",
    )
    second = payout_request(
        grant,
        actor=applicant,
        amount="15000",
        kind=Payout.Kind.PARTIAL,
        accumulated_costs=60000,
        progress_note="",
    )

    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert (first.state, first.amount, first.accumulated_costs) == (
        P.REQUESTED,
        Decimal(20000),
        Decimal(45000),
    )
    assert first.progress_note == "Halvveis."
    assert first.requested_by == applicant
    entry = entries_for(first).get()
    assert (entry.actor, entry.to_state, entry.data["amount"]) == (applicant, "requested", "20000")


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-5)])
def test_request_for_nothing_is_refused(grant, applicant, amount):
    with pytest.raises(ServiceError, match="større enn null"):
        payout_request(grant, actor=applicant, amount=amount)
    assert not grant.payouts.exists()


def test_money_is_never_a_float_and_always_whole_kroner(grant, applicant):
    with pytest.raises(TypeError):
        payout_request(grant, actor=applicant, amount=100.0)
    with pytest.raises(ServiceError, match="hele kroner"):
        payout_request(grant, actor=applicant, amount=Decimal("100.50"))


@pytest.mark.parametrize("state", [Grant.State.OFFERED, Grant.State.COMPLETED, Grant.State.CANCELLED])
def test_request_needs_an_accepted_or_active_grant(with_roles, applicant, state):
    grant = with_roles(GrantFactory(state=state))
    with pytest.raises(ServiceError, match="akseptert eller aktivt tilsagn"):
        payout_request(grant, actor=applicant, amount=Decimal(1000))
    assert not grant.payouts.exists()


def test_request_above_what_remains_is_refused(grant, applicant, officer):
    payout_approve(payout_request(grant, actor=applicant, amount=Decimal(75000)), actor=officer)
    with pytest.raises(
        ServiceError, match=r"Du kan be om inntil 0 kr som delutbetaling nå: 25\xa0000 kr holdes"
    ):
        payout_request(grant, actor=applicant, amount=Decimal(1))
    final_report(grant, applicant)
    with pytest.raises(
        ServiceError, match=r"større enn det som gjenstår å be om av tilsagnet \(25\xa0000 kr\)"
    ):
        payout_request(grant, actor=applicant, amount=Decimal(25001), kind=FINAL)
    assert grant.payouts.count() == 1


def test_a_partial_request_counts_the_held_back_share_and_pending_requests(grant, applicant):
    """The limit the payout page states (payout_summary.partial_available) is the one enforced."""
    payout_request(grant, actor=applicant, amount=Decimal(60000))
    with pytest.raises(ServiceError, match=r"Du kan be om inntil 15\xa0000 kr som delutbetaling nå"):
        payout_request(grant, actor=applicant, amount=Decimal(15001))
    payout_request(grant, actor=applicant, amount=Decimal(15000))
    assert grant.payouts.count() == 2


def test_final_request_needs_the_final_report_and_comes_only_once(grant, applicant):
    with pytest.raises(ServiceError, match="sluttrapporten"):
        payout_request(grant, actor=applicant, amount=Decimal(25000), kind=FINAL)

    final_report(grant, applicant)
    final_request(grant, applicant, 25000)
    with pytest.raises(ServiceError, match="allerede anmodet om sluttutbetaling"):
        final_request(grant, applicant, 1000)


def test_only_the_grant_holder_requests_a_payout(grant, officer):
    with pytest.raises(Refused, match="ikke tilgang til å handle for denne organisasjonen"):
        payout_request(grant, actor=officer, amount=Decimal(1000))
    assert not grant.payouts.exists()


# ---- approval ---------------------------------------------------------------------------------


def test_the_grant_holder_cannot_approve_reject_or_mark_paid_her_own_payout(grant, applicant):
    payout = payout_request(grant, actor=applicant, amount=Decimal(30000))

    for service, arguments in [
        (payout_approve, {}),
        (payout_reject, {"reason": "Nei."}),
        (payout_mark_paid, {"paid_on": today()}),
    ]:
        with pytest.raises(Refused, match="Bare programmets administrasjon"):
            service(payout, actor=applicant, **arguments)

    payout.refresh_from_db()
    assert payout.state == P.REQUESTED
    assert not entries_for(payout).exclude(to_state="requested").exists()


def test_approve_records_who_and_when_and_logs_it(grant, applicant, officer):
    payout = payout_request(grant, actor=applicant, amount=Decimal(30000))

    approved = payout_approve(payout, actor=officer)

    payout.refresh_from_db()
    assert payout.state == approved.state == P.APPROVED
    assert payout.approved_by == officer
    assert payout.approved_at is not None
    entry = entries_for(payout).get(to_state="approved")
    assert (entry.actor, entry.from_state) == (officer, "requested")
    assert entry.data["committed_after"] == "30000"


def test_a_payout_is_approved_at_most_once(grant, applicant, officer):
    payout = payout_request(grant, actor=applicant, amount=Decimal(30000))
    payout_approve(payout, actor=officer)

    with pytest.raises(ServiceError, match="Utbetaling nr. 1 har status «Godkjent» og kan ikke godkjennes"):
        payout_approve(payout, actor=officer)

    assert committed(grant) == Decimal(30000)
    assert entries_for(payout).filter(to_state="approved").count() == 1


def test_rejected_or_paid_payouts_cannot_be_approved(grant, applicant, officer):
    rejected = payout_request(grant, actor=applicant, amount=Decimal(10000))
    payout_reject(rejected, actor=officer, reason="Mangler dokumentasjon av kostnader.")
    paid = payout_request(grant, actor=applicant, amount=Decimal(10000))
    payout_mark_paid(payout_approve(paid, actor=officer), actor=officer, paid_on=today())

    for payout in (rejected, paid):
        with pytest.raises(ServiceError, match="kan ikke godkjennes"):
            payout_approve(payout, actor=officer)
    assert committed(grant) == Decimal(10000)


def test_partial_payouts_stop_at_the_held_back_share(grant, applicant, officer):
    payout_approve(payout_request(grant, actor=applicant, amount=Decimal(50000)), actor=officer)
    payout_approve(payout_request(grant, actor=applicant, amount=Decimal(25000)), actor=officer)
    # A request the request door refuses now; approval refuses it again on its own.
    one_more = PayoutFactory(grant=grant, number=9, amount=Decimal(1), requested_by=applicant)

    with pytest.raises(ServiceError, match=r"høyst 75\xa0000 kr. 25\xa0000 kr \(25 %\) holdes tilbake"):
        payout_approve(one_more, actor=officer)

    one_more.refresh_from_db()
    assert one_more.state == P.REQUESTED
    assert committed(grant) == Decimal(75000)


def test_held_back_share_is_paid_with_the_final_payout_after_the_final_report(grant, applicant, officer):
    payout_approve(payout_request(grant, actor=applicant, amount=Decimal(75000)), actor=officer)
    final_report(grant, applicant)

    payout_approve(final_request(grant, applicant, 25000), actor=officer)

    assert committed(grant) == grant.amount == Decimal(100000)


def test_final_payout_without_final_report_is_not_approved(grant, officer):
    # Requested before the rule existed, or through a path that skipped the request check.
    payout = PayoutFactory(grant=grant, kind=FINAL, amount=Decimal(25000))
    with pytest.raises(ServiceError, match="sluttrapporten"):
        payout_approve(payout, actor=officer)
    payout.refresh_from_db()
    assert payout.state == P.REQUESTED


def test_payouts_never_exceed_the_grant(grant, applicant, officer):
    final_report(grant, applicant)
    partial = payout_request(grant, actor=applicant, amount=Decimal(75000))
    # A final request the request door would refuse now (pending requests count there), as one made
    # before the partial request arrived would stand.
    final = PayoutFactory(grant=grant, number=9, amount=Decimal(30000), kind=FINAL, requested_by=applicant)
    payout_approve(partial, actor=officer)

    with pytest.raises(
        ServiceError, match=r"ville gitt 105\xa0000 kr utbetalt, mer enn tilsagnet på 100\xa0000 kr"
    ):
        payout_approve(final, actor=officer)

    assert committed(grant) == Decimal(75000)


def test_released_money_can_no_longer_be_paid_out(grant, applicant, officer):
    final_report(grant, applicant)
    final = final_request(grant, applicant, 100000)
    Grant.objects.filter(pk=grant.pk).update(released_amount=Decimal(10000))

    with pytest.raises(ServiceError, match=r"mer enn tilsagnet på 90\xa0000 kr"):
        payout_approve(final, actor=officer)


def test_no_payout_is_approved_on_a_cancelled_grant(grant, officer):
    grant_cancel(grant, actor=officer, reason="Vilkårene er brutt.")
    # A request that slipped in after the cancellation, outside the services.
    payout = PayoutFactory(grant=grant, amount=Decimal(10000))

    with pytest.raises(
        ServiceError, match="«Annullert»; utbetalinger krever et akseptert eller aktivt tilsagn"
    ):
        payout_approve(payout, actor=officer)
    assert committed(grant) == 0


# ---- rejection and payment ---------------------------------------------------------------------


def test_reject_needs_a_reason_and_records_it(grant, applicant, officer):
    payout = payout_request(grant, actor=applicant, amount=Decimal(10000))
    with pytest.raises(ServiceError, match="begrunnelse"):
        payout_reject(payout, actor=officer, reason="")

    payout_reject(payout, actor=officer, reason="Kostnadene er ikke dokumentert.")

    payout.refresh_from_db()
    assert (payout.state, payout.rejection_reason) == (P.REJECTED, "Kostnadene er ikke dokumentert.")
    assert entries_for(payout).get(to_state="rejected").reason == "Kostnadene er ikke dokumentert."


def test_mark_paid_records_the_date(grant, applicant, officer):
    payout = payout_approve(payout_request(grant, actor=applicant, amount=Decimal(10000)), actor=officer)

    payout_mark_paid(payout, actor=officer, paid_on=today())

    payout.refresh_from_db()
    assert (payout.state, payout.paid_at) == (P.PAID, today())
    assert entries_for(payout).get(to_state="paid").from_state == "approved"


def test_only_an_approved_payout_can_be_marked_paid(grant, applicant, officer):
    payout = payout_request(grant, actor=applicant, amount=Decimal(10000))
    with pytest.raises(ServiceError, match="«Anmodet» til «Utbetalt»"):
        payout_mark_paid(payout, actor=officer, paid_on=today())


def test_payment_date_cannot_be_in_the_future_or_before_approval(grant, applicant, officer):
    payout = payout_approve(payout_request(grant, actor=applicant, amount=Decimal(10000)), actor=officer)
    with pytest.raises(ServiceError, match="frem i tid"):
        payout_mark_paid(payout, actor=officer, paid_on=today() + dt.timedelta(days=1))
    with pytest.raises(ServiceError, match="før utbetalingen ble godkjent"):
        payout_mark_paid(payout, actor=officer, paid_on=today() - dt.timedelta(days=1))
    payout.refresh_from_db()
    assert payout.state == P.APPROVED


# ---- the final payout's project accounts --------------------------------------------------------


def test_the_portal_door_refuses_a_final_request_without_the_project_accounts(grant, applicant):
    final_report(grant, applicant)

    with pytest.raises(ServiceError, match="krever prosjektregnskapet") as refused:
        payout_request_from_portal(
            grant,
            actor=applicant,
            amount=Decimal(25000),
            kind=FINAL,
            accounts_attestation=Attestation.AUDITOR,
        )

    assert refused.value.field == "accounts_file"
    assert not grant.payouts.exists()


def test_a_final_request_must_declare_an_attestation_that_meets_the_grants_size(grant, applicant):
    final_report(grant, applicant)

    with pytest.raises(ServiceError, match="Oppgi hvem som har attestert") as missing:
        payout_request(grant, actor=applicant, amount=Decimal(25000), kind=FINAL)
    with pytest.raises(ServiceError, match="må det være «Attestert av autorisert regnskapsfører»"):
        final_request(grant, applicant, 25000, attestation=Attestation.LEADER)

    assert missing.value.field == "accounts_attestation"
    assert not grant.payouts.exists()
    assert final_request(grant, applicant, 25000).accounts_attestation == Attestation.ACCOUNTANT


def test_a_final_payout_without_the_project_accounts_is_not_approved(grant, applicant, officer):
    final_report(grant, applicant)
    payout = payout_request(
        grant, actor=applicant, amount=Decimal(25000), kind=FINAL, accounts_attestation=Attestation.AUDITOR
    )

    with pytest.raises(ServiceError, match="kan ikke godkjennes uten prosjektregnskapet"):
        payout_approve(payout, actor=officer)
    payout.refresh_from_db()
    assert payout.state == P.REQUESTED


def test_approval_holds_the_attestation_to_the_programmes_limits_of_the_day(grant, applicant, officer):
    final_report(grant, applicant)
    payout = final_request(grant, applicant, 25000)  # an accountant's attestation, enough when asked
    programme = grant.application.programme
    programme.accounts_leader_limit = Decimal(50000)
    programme.accounts_accountant_limit = Decimal(90000)  # now the 100 000 kr grant needs an auditor
    programme.save()

    with pytest.raises(
        ServiceError, match="må det være «Attestert av statsautorisert eller registrert revisor»"
    ):
        payout_approve(payout, actor=officer)

    programme.accounts_accountant_limit = Decimal(600000)
    programme.save()
    assert payout_approve(payout, actor=officer).state == P.APPROVED

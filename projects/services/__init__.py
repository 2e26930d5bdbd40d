"""Writes for grants (tilsagn), payouts (utbetalinger) and result reports.

Where money moves, the GRANT row is locked first (then the payout), so that every decision about a
grant's money is taken by one transaction at a time on figures nobody else can change meanwhile.
Services return the fresh, locked copy they changed; the caller's instance is left as it was.

Who may call each service is its policy (:mod:`projects.policies`), asked first by
:func:`omstilling.policies.guarded`: the grant holder accepts, requests payouts and reports results;
the programme's staff decide payouts and change grants. Offering a grant (the board's decision
carried out) and letting an offer lapse are the system's (:func:`omstilling.policies.system_service`).
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Appeal, Application, Decision
from applications.services import application_approve
from omstilling.audit import audit_log, full_clean_or_refuse, locked, transition
from omstilling.celery import enqueue
from omstilling.exceptions import ServiceError
from omstilling.formatting import OSLO, format_nok, long_date
from omstilling.models import Programme
from omstilling.policies import guarded, system_service

from ..models import (
    Attestation,
    Grant,
    Payout,
    PayoutAttachment,
    ResultFunding,
    ResultReport,
)
from ..policies import can_act_for_grant, can_manage_grant, offer_replace_refusal
from ..selectors import (
    accounts_rule,
    budget_ledger,
    default_deadlines,
    has_open_deadline_extension,
    held_back,
    payout_request_limit,
    report_years,
)
from .attachments import payout_attachment_add as payout_attachment_add

Money = Decimal | int | str

MONEY_MOVING_STATES = Grant.MONEY_MOVING_STATES


def _today():
    return timezone.localtime(timezone.now(), OSLO).date()


def _money(value, field="amount"):
    """Whole kroner as Decimal; floats are refused because they cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("money must be Decimal, int or str, not float")
    amount = Decimal(value)
    if amount != amount.to_integral_value():
        raise ServiceError(_("Beløpet må være i hele kroner."), field=field)
    return amount


def _require_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Du må oppgi en begrunnelse."), field="reason")
    return reason


def _committed(grant):
    """What is approved or paid out of ``grant``; read it only while the grant row is locked."""
    total = grant.payouts.filter(state__in=Payout.COMMITTED_STATES).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


def _has_final_report(grant):
    return grant.result_reports.filter(is_final=True).exists()


def _notify(task_name, object_id, event):
    """E-mail the applicant about ``event`` once the transaction has committed (Celery)."""

    transaction.on_commit(lambda: enqueue(f"projects.tasks.{task_name}", object_id, event), robust=True)


def _refuse_over_budget(programme, year, amount):
    """A grant may not take more than the programme has available (see ``budget_ledger``).

    Call with the programme row locked, so two offers cannot both spend the same kroner. A
    programme that has registered no funding at all keeps its budget outside the portal, and
    there is nothing to check against.
    """

    ledger = budget_ledger(programme, year)
    if ledger.has_funding and amount > ledger.available:
        raise ServiceError(
            _(
                "Tilsagnet på %(amount)s kr er mer enn programmet har tilgjengelig for %(year)s "
                "(%(available)s kr)."
            )
            % {
                "amount": format_nok(amount),
                "year": str(year),
                "available": format_nok(max(ledger.available, 0)),
            }
        )


def _refuse_unless_money_moves(grant):
    if grant.state not in MONEY_MOVING_STATES:
        raise ServiceError(
            _("Tilsagnet har status «%(state)s»; utbetalinger krever et akseptert eller aktivt tilsagn.")
            % {"state": grant.get_state_display()}
        )


# Grants ----------------------------------------------------------------------------------------


@system_service
def grant_offer(decision: Decision, *, actor: User | None) -> Grant:
    """Create the tilsagn an approving decision awards, on the programme's standard terms: the
    consequence of the board's decision, carried out in the transaction that records it (``actor``
    is the person who closed the case)."""
    if decision.outcome != Decision.Outcome.APPROVED or decision.amount <= 0:
        raise ServiceError(_("Bare et vedtak som innvilger et beløp kan gi tilsagn."))
    with transaction.atomic():
        # The application row serialises offers for the same application.
        application = locked(decision.application)
        if Grant.objects.filter(decision=decision).exists():
            raise ServiceError(_("Dette vedtaket har allerede et tilsagn."))
        if Decision.objects.filter(corrects=decision).exists():
            raise ServiceError(
                _("Vedtaket er rettet av et senere vedtak; gi tilsagn etter det nye vedtaket.")
            )
        if application.state != Application.State.APPROVED:
            application = application_approve(application, actor=actor, decision=decision)
        # The programme row serialises every offer that draws on the programme's budget.
        programme = Programme.objects.select_for_update().get(pk=application.programme_id)
        # The grant is the call's money: an application to "Utlysning 2027" (S2027-…) becomes a 2027
        # grant (T2027-…), drawn on that year's budget, even when the board decides in December 2026.
        # An application without a call (imported history) takes the year of the decision.
        year = (
            application.call.year
            if application.call_id
            else timezone.localtime(decision.decided_at, OSLO).year
        )
        _refuse_over_budget(programme, year, decision.amount)
        deadlines = default_deadlines(application, programme=programme)
        grant = Grant(
            reference=f"T{year}-{decision.pk:05d}",
            application=application,
            decision=decision,
            year=year,
            amount=decision.amount,
            conditions=decision.conditions,
            payout_on_acceptance_percent=programme.payout_on_acceptance_percent,
            holdback_percent=programme.holdback_percent,
            # An applicant that filed the state-aid declaration receives the grant as de minimis aid,
            # and the tilsagnsbrev says so.
            is_de_minimis=application.de_minimis_declared,
            acceptance_deadline=_today() + dt.timedelta(days=programme.acceptance_days),
            project_start=deadlines.project_start,
            project_end=deadlines.project_end,
            final_report_deadline=deadlines.final_report_deadline,
            state=Grant.State.OFFERED,
        )
        full_clean_or_refuse(grant)
        grant.save()
        audit_log(
            actor=actor,
            obj=grant,
            action="state:offered",
            to_state=Grant.State.OFFERED,
            data={
                "decision_id": decision.pk,
                "amount": str(grant.amount),
                "final_report_deadline": grant.final_report_deadline.isoformat()
                if grant.final_report_deadline
                else None,
            },
        )
    return grant


@guarded(can_act_for_grant)
def grant_accept(grant: Grant, *, actor: User) -> Grant:
    """The applicant accepts the grant and its conditions before the deadline."""
    with transaction.atomic():
        grant = locked(grant)
        if _appeal_open(grant):
            raise ServiceError(
                _(
                    "Dere har klaget på vedtaket om dette tilsagnet. Tilsagnet kan aksepteres når styret har "
                    "behandlet klagen; fristen for aksept løper ikke ut mens klagen er til behandling."
                )
            )
        deadline = grant.acceptance_deadline
        if grant.state == Grant.State.OFFERED and deadline and _today() > deadline:
            raise ServiceError(
                _("Fristen for å akseptere tilsagnet gikk ut %(deadline)s.")
                % {"deadline": long_date(deadline)}
            )
        grant.accepted_at = timezone.now()
        grant.accepted_by = actor
        return transition(
            grant, Grant.State.ACCEPTED, actor=actor, extra_fields=["accepted_at", "accepted_by"]
        )


@guarded(can_manage_grant)
def grant_activate(grant: Grant, *, actor: User) -> Grant:
    """The project is under way."""
    with transaction.atomic():
        grant = locked(grant)
        return transition(grant, Grant.State.ACTIVE, actor=actor)


@guarded(can_manage_grant)
def grant_complete(grant: Grant, *, actor: User) -> Grant:
    """Close the grant on its final report; what was never approved for payout goes back to the budget."""
    with transaction.atomic():
        grant = locked(grant)
        if grant.state in MONEY_MOVING_STATES:
            if not _has_final_report(grant):
                raise ServiceError(_("Tilsagnet kan ikke avsluttes før sluttrapporten er levert."))
            if grant.payouts.filter(state=Payout.State.REQUESTED).exists():
                raise ServiceError(
                    _(
                        "Tilsagnet har utbetalingsanmodninger som ikke er behandlet. "
                        "Godkjenn eller avvis dem først."
                    )
                )
        return _complete(grant, actor=actor)


@guarded(can_manage_grant)
def grant_close_overdue(grant: Grant, *, actor: User, reason: str) -> Grant:
    """Close a grant whose deadline for the final report and final payout has passed: nothing more
    is paid, requests not yet decided are rejected, and what was never approved goes back to the
    budget (as when a grant is completed)."""
    reason = _require_reason(reason)
    with transaction.atomic():
        grant = locked(grant)
        if grant.state not in MONEY_MOVING_STATES:
            raise ServiceError(
                _("Tilsagnet har status «%(state)s» og kan ikke avsluttes etter fristen.")
                % {"state": grant.get_state_display()}
            )
        deadline = grant.final_report_deadline
        if deadline is None or _today() <= deadline:
            raise ServiceError(_("Fristen for sluttrapport og sluttutbetaling er ikke ute ennå."))
        if has_open_deadline_extension(grant):
            raise ServiceError(_("Tilsagnsmottakeren har søkt om lengre frist. Avgjør søknaden først."))
        _reject_pending(grant, actor=actor, reason=_("Tilsagnet er avsluttet etter fristen."))
        grant = _complete(grant, actor=actor, reason=reason, after_deadline=True)
        _notify("grant_notify", grant.pk, "closed")
    return grant


def _complete(grant, *, actor, reason="", after_deadline=False):
    """Complete the locked ``grant``: what is neither approved nor paid goes back to the budget."""
    released = grant.effective_amount - _committed(grant)
    grant.released_amount += released
    grant.completed_at = timezone.now()
    data = {"released": str(released)}
    if after_deadline:
        data["after_deadline"] = grant.final_report_deadline.isoformat()
    return transition(
        grant,
        Grant.State.COMPLETED,
        actor=actor,
        reason=reason,
        extra_fields=["released_amount", "completed_at"],
        data=data,
    )


def _reject_pending(grant, *, actor, reason):
    """Reject the locked ``grant``'s payout requests that are not decided yet."""
    for payout in grant.payouts.select_for_update().filter(state=Payout.State.REQUESTED):
        payout.rejection_reason = reason
        transition(
            payout,
            Payout.State.REJECTED,
            actor=actor,
            reason=reason,
            extra_fields=["rejection_reason"],
        )


@guarded(can_manage_grant)
def grant_cancel(grant: Grant, *, actor: User, reason: str) -> Grant:
    """Annul the grant; what is neither approved nor paid goes back, pending requests are rejected."""
    return _cancel(grant, actor=actor, reason=reason, notify=True)


@system_service
def grant_replace(
    old_decision: Decision, *, actor: User | None, new_decision: Decision, reason: str
) -> Grant:
    """Carry out a decision that replaces ``old_decision``: cancel the offer it made, if it has one,
    and offer the grant ``new_decision`` awards. The consequence of the replacing decision, run in
    the transaction that records it; the new decision's own e-mail tells the applicant that the old
    offer is cancelled and replaced, so the cancellation sends none."""
    with transaction.atomic():
        # The grant row is locked before its state is read: the applicant must not accept the offer
        # between the check and its cancellation.
        grant = Grant.objects.select_for_update().filter(decision=old_decision).first()
        refusal = offer_replace_refusal(grant)
        if refusal:
            raise ServiceError(refusal)
        if grant is not None:
            _cancel(
                grant,
                actor=actor,
                reason=_("Erstattet av nytt vedtak: %(reason)s") % {"reason": reason},
                notify=False,
            )
        return grant_offer(new_decision, actor=actor)


def _cancel(grant, *, actor, reason, notify):
    reason = _require_reason(reason)
    with transaction.atomic():
        grant = locked(grant)
        released = grant.effective_amount - _committed(grant)
        grant.released_amount += released
        grant.cancelled_at = timezone.now()
        grant.cancel_reason = reason
        transition(
            grant,
            Grant.State.CANCELLED,
            actor=actor,
            reason=reason,
            extra_fields=["released_amount", "cancelled_at", "cancel_reason"],
            data={"released": str(released)},
        )
        _reject_pending(grant, actor=actor, reason=_("Tilsagnet er annullert."))
        if notify:
            _notify("grant_notify", grant.pk, "cancelled")
    return grant


@guarded(can_manage_grant)
def grant_reduce(grant: Grant, *, actor: User, new_amount: Money, reason: str) -> Grant:
    """Reduce the grant to ``new_amount``; the difference goes back to the programme's budget.

    The tilsagn's ``amount`` stays what the board awarded; the reduction is recorded as released
    money, with the reason in the audit log. A grant cannot be reduced below what is already
    approved or paid out of it; reducing to nothing is a cancellation (``grant_cancel``).
    """
    reason = _require_reason(reason)
    new_amount = _money(new_amount, field="new_amount")
    with transaction.atomic():
        grant = locked(grant)
        if grant.state not in Grant.ACTIVE_STATES:
            raise ServiceError(
                _("Tilsagnet har status «%(state)s» og kan ikke reduseres.")
                % {"state": grant.get_state_display()}
            )
        if new_amount <= 0:
            raise ServiceError(
                _("Et tilsagn kan ikke reduseres til 0 kr. Annuller tilsagnet i stedet."), field="new_amount"
            )
        before = grant.effective_amount
        if new_amount >= before:
            raise ServiceError(
                _("Det nye beløpet må være lavere enn dagens tilsagn på %(amount)s kr.")
                % {"amount": format_nok(before)},
                field="new_amount",
            )
        committed = _committed(grant)
        if new_amount < committed:
            raise ServiceError(
                _(
                    "Tilsagnet kan ikke reduseres under %(committed)s kr, "
                    "som allerede er godkjent eller utbetalt."
                )
                % {"committed": format_nok(committed)},
                field="new_amount",
            )
        released = before - new_amount
        grant.released_amount += released
        full_clean_or_refuse(grant)
        grant.save(update_fields=["released_amount"])
        audit_log(
            actor=actor,
            obj=grant,
            action="grant:reduced",
            from_state=grant.state,
            to_state=grant.state,
            reason=reason,
            data={"from": str(before), "to": str(new_amount), "released": str(released)},
        )
        _notify("grant_notify", grant.pk, "reduced")
    return grant


@system_service
def grant_lapse(grant: Grant, *, actor: User | None = None) -> Grant:
    """An offer not accepted in time lapses and the whole amount goes back to the budget."""
    with transaction.atomic():
        grant = locked(grant)
        if grant.state == Grant.State.OFFERED and (
            grant.acceptance_deadline is None or _today() <= grant.acceptance_deadline
        ):
            raise ServiceError(_("Fristen for å akseptere tilsagnet er ikke ute ennå."))
        if _appeal_open(grant):
            raise ServiceError(
                _("Søkeren har klaget på vedtaket; tilbudet bortfaller ikke mens klagen behandles.")
            )
        released = grant.effective_amount
        grant.released_amount = grant.amount
        grant.cancelled_at = timezone.now()
        reason = ""
        if grant.acceptance_deadline:
            reason = _("Tilsagnet ble ikke akseptert innen fristen %(deadline)s.") % {
                "deadline": long_date(grant.acceptance_deadline)
            }
        transition(
            grant,
            Grant.State.LAPSED,
            actor=actor,
            reason=reason,
            extra_fields=["released_amount", "cancelled_at"],
            data={"released": str(released)},
        )
        _notify("grant_notify", grant.pk, "lapsed")
    return grant


def _appeal_open(grant):
    """The applicant's appeal on the decision that offered ``grant`` is being handled: the offer
    neither is accepted nor lapses until the board has answered it (a reversal replaces the offer)."""
    return Appeal.objects.filter(decision=grant.decision_id, state__in=Appeal.OPEN_STATES).exists()


@system_service
def grant_offer_reopen(decision: Decision, *, actor: User | None, reason: str) -> Grant | None:
    """After the board upheld an appealed decision, its offer (still open: it could be neither
    accepted nor lapse while the appeal was handled) gets a full acceptance period from today."""
    with transaction.atomic():
        grant = Grant.objects.select_for_update().filter(decision=decision, state=Grant.State.OFFERED).first()
        if grant is None:
            return None
        programme = grant.application.programme
        deadline = max(
            grant.acceptance_deadline or _today(), _today() + dt.timedelta(days=programme.acceptance_days)
        )
        if deadline == grant.acceptance_deadline:
            return grant
        previous = grant.acceptance_deadline
        grant.acceptance_deadline = deadline
        grant.save(update_fields=["acceptance_deadline"])
        audit_log(
            actor=actor,
            obj=grant,
            action="grant:acceptance_deadline_reopened",
            reason=reason,
            data={"from": previous.isoformat() if previous else None, "to": deadline.isoformat()},
        )
    return grant


@system_service
def grants_lapse_overdue(*, actor: User | None = None) -> list[Grant]:
    """Let every offer whose acceptance deadline has passed lapse; returns the grants that lapsed.

    Each grant lapses in its own transaction, so one that was accepted a moment ago (and is
    therefore refused) does not hold back the others. Running it again finds nothing new.
    """
    overdue = Grant.objects.filter(state=Grant.State.OFFERED, acceptance_deadline__lt=_today()).order_by("pk")
    lapsed = []
    for grant in overdue:
        try:
            lapsed.append(grant_lapse(grant, actor=actor))
        except ServiceError:
            continue
    return lapsed


# Payouts ---------------------------------------------------------------------------------------


@guarded(can_act_for_grant)
def payout_request(
    grant: Grant,
    *,
    actor: User,
    amount: Money,
    kind: str = Payout.Kind.PARTIAL,
    accumulated_costs: Money = 0,
    progress_note: str = "",
    accounts_attestation: str = "",
) -> Payout:
    """The project asks for (part of) its grant, with costs so far and a progress note.

    The final payout also states who attested the project accounts (``accounts_attestation``, an
    :class:`~projects.models.Attestation`), which must meet what the programme requires for a grant
    of this size (:func:`projects.selectors.accounts_rule`); the accounts themselves are attached by
    :func:`projects.services.portal.payout_request_from_portal`, and ``payout_approve`` checks both.
    """
    amount = _money(amount)
    accumulated_costs = _money(accumulated_costs, field="accumulated_costs")
    if amount <= 0:
        raise ServiceError(_("Beløpet må være større enn null."), field="amount")
    with transaction.atomic():
        grant = locked(grant)
        _refuse_unless_money_moves(grant)
        payouts = grant.payouts.all()
        if payouts.filter(kind=Payout.Kind.FINAL, state__in=Payout.COMMITTED_STATES).exists():
            raise ServiceError(_("Sluttutbetalingen er allerede godkjent; det kan ikke anmodes om mer."))
        if kind == Payout.Kind.FINAL:
            if payouts.filter(kind=Payout.Kind.FINAL, state=Payout.State.REQUESTED).exists():
                raise ServiceError(_("Det er allerede anmodet om sluttutbetaling."))
            if not _has_final_report(grant):
                raise ServiceError(_("Sluttutbetaling forutsetter at sluttrapporten er levert."))
        else:
            accounts_attestation = ""
        requested = payouts.filter(state=Payout.State.REQUESTED).aggregate(total=Sum("amount"))["total"]
        limit = payout_request_limit(grant, kind, committed=_committed(grant), requested=requested or 0)
        if amount > limit:
            if kind == Payout.Kind.PARTIAL:
                message = _(
                    "Du kan be om inntil %(limit)s kr som delutbetaling nå: %(held)s kr holdes tilbake til "
                    "sluttutbetalingen, og anmodninger som ikke er behandlet ennå, er trukket fra."
                ) % {"limit": format_nok(limit), "held": format_nok(held_back(grant))}
            else:
                message = _(
                    "Beløpet er større enn det som gjenstår å be om av tilsagnet (%(limit)s kr), når "
                    "anmodninger som ikke er behandlet ennå, er trukket fra."
                ) % {"limit": format_nok(limit)}
            raise ServiceError(message, field="amount")
        if kind == Payout.Kind.FINAL:
            _refuse_weak_attestation(grant, accounts_attestation)
        number = (payouts.aggregate(last=Max("number"))["last"] or 0) + 1
        payout = Payout(
            grant=grant,
            number=number,
            kind=kind,
            amount=amount,
            accumulated_costs=accumulated_costs,
            progress_note=(progress_note or "").strip(),
            accounts_attestation=accounts_attestation,
            requested_by=actor,
        )
        full_clean_or_refuse(payout)
        payout.save()
        audit_log(
            actor=actor,
            obj=payout,
            action="state:requested",
            to_state=Payout.State.REQUESTED,
            data={"amount": str(amount), "kind": kind, "accounts_attestation": accounts_attestation},
        )
    return payout


def _refuse_weak_attestation(grant, attestation):
    """A final payout needs project accounts attested as the programme requires for the grant's size."""
    rule = accounts_rule(grant)
    if rule.met_by(attestation):
        return
    if not attestation:
        message = _(
            "Sluttutbetalingen krever prosjektregnskap. For et tilsagn på %(amount)s kr må det være "
            "«%(required)s». Oppgi hvem som har attestert regnskapet."
        )
    else:
        message = _(
            "Prosjektregnskapet er «%(declared)s», men for et tilsagn på %(amount)s kr må det være "
            "«%(required)s»."
        )
    raise ServiceError(
        message
        % {
            "amount": format_nok(rule.grant_amount),
            "required": rule.required_label,
            "declared": Attestation(attestation).label if attestation in Attestation.values else "",
        },
        field="accounts_attestation",
    )


@guarded(can_manage_grant)
def payout_approve(payout: Payout, *, actor: User) -> Payout:
    """Approve a requested payout if the grant can still bear it.

    The grant row is locked before the committed sum is read, so two approvals racing for the
    last kroner of a grant are decided one after the other and the second sees the first.
    """
    with transaction.atomic():
        grant = Grant.objects.select_for_update().get(pk=payout.grant_id)
        payout = locked(payout)
        if payout.state != Payout.State.REQUESTED:
            raise ServiceError(
                _("Utbetaling nr. %(number)d har status «%(state)s» og kan ikke godkjennes.")
                % {"number": payout.number, "state": payout.get_state_display()}
            )
        _refuse_unless_money_moves(grant)
        committed = _committed(grant)
        # The figure the payout page states and payout_request enforced, now with this request alone
        # pending: the grant may have been reduced, or other requests approved, since it was made.
        limit = payout_request_limit(grant, payout.kind, committed=committed, requested=0)
        if payout.amount > limit:
            if committed + payout.amount > grant.effective_amount:
                message = _(
                    "Utbetalingen (%(amount)s kr) ville gitt %(total)s kr utbetalt, "
                    "mer enn tilsagnet på %(grant)s kr."
                ) % {
                    "amount": format_nok(payout.amount),
                    "total": format_nok(committed + payout.amount),
                    "grant": format_nok(grant.effective_amount),
                }
            else:
                kept = held_back(grant)
                message = _(
                    "Delutbetalinger kan til sammen være høyst %(limit)s kr. "
                    "%(held)s kr (%(percent)d %%) holdes tilbake til sluttutbetalingen."
                ) % {
                    "limit": format_nok(grant.effective_amount - kept),
                    "held": format_nok(kept),
                    "percent": grant.holdback_percent,
                }
            raise ServiceError(message)
        if payout.kind == Payout.Kind.FINAL:
            if not _has_final_report(grant):
                raise ServiceError(_("Sluttutbetaling forutsetter at sluttrapporten er levert."))
            if not payout.attachments.filter(kind=PayoutAttachment.Kind.ACCOUNTS).exists():
                raise ServiceError(_("Sluttutbetalingen kan ikke godkjennes uten prosjektregnskapet."))
            _refuse_weak_attestation(grant, payout.accounts_attestation)
        payout.approved_at = timezone.now()
        payout.approved_by = actor
        transition(
            payout,
            Payout.State.APPROVED,
            actor=actor,
            extra_fields=["approved_at", "approved_by"],
            data={"amount": str(payout.amount), "committed_after": str(committed + payout.amount)},
        )
        _notify("payout_notify", payout.pk, "approved")
    return payout


@guarded(can_manage_grant)
def payout_reject(payout: Payout, *, actor: User, reason: str) -> Payout:
    """Turn a request down, with the reason the project will be given."""
    reason = _require_reason(reason)
    with transaction.atomic():
        Grant.objects.select_for_update().get(pk=payout.grant_id)
        payout = locked(payout)
        payout.rejection_reason = reason
        transition(
            payout, Payout.State.REJECTED, actor=actor, reason=reason, extra_fields=["rejection_reason"]
        )
        _notify("payout_notify", payout.pk, "rejected")
    return payout


@guarded(can_manage_grant)
def payout_mark_paid(payout: Payout, *, actor: User, paid_on: dt.date) -> Payout:
    """Record the date the money left the programme's account."""
    if paid_on > _today():
        raise ServiceError(_("Utbetalingsdatoen kan ikke være frem i tid."), field="paid_on")
    with transaction.atomic():
        Grant.objects.select_for_update().get(pk=payout.grant_id)
        payout = locked(payout)
        if payout.approved_at and paid_on < timezone.localtime(payout.approved_at, OSLO).date():
            raise ServiceError(
                _("Utbetalingsdatoen kan ikke være før utbetalingen ble godkjent."), field="paid_on"
            )
        payout.paid_at = paid_on
        transition(
            payout,
            Payout.State.PAID,
            actor=actor,
            extra_fields=["paid_at"],
            data={"paid_on": paid_on.isoformat()},
        )
        _notify("payout_notify", payout.pk, "paid")
    return payout


# Result reports --------------------------------------------------------------------------------


@guarded(can_act_for_grant)
def result_report_submit(
    grant: Grant,
    *,
    actor: User,
    year: int,
    new_jobs: int = 0,
    secured_jobs: int = 0,
    new_firms: int = 0,
    networks: int = 0,
    narrative: str = "",
    funding_lines: tuple[tuple[str, Money], ...] | list = (),
    is_final: bool = False,
) -> ResultReport:
    """A project's results for a year, or its final report (sluttrapport).

    ``funding_lines`` are ``(source, amount)`` pairs of other funding the project mobilised;
    their sum is the report's ``other_funding`` (the numerator of giringseffekt).
    """
    lines = [((source or "").strip(), _money(amount)) for source, amount in funding_lines]
    with transaction.atomic():
        grant = locked(grant)
        if grant.state not in MONEY_MOVING_STATES:
            raise ServiceError(
                _(
                    "Resultater kan bare rapporteres for et akseptert eller aktivt tilsagn; "
                    "dette har status «%(state)s»."
                )
                % {"state": grant.get_state_display()}
            )
        years = report_years(grant)
        if year not in years:
            raise ServiceError(
                _("Rapporteringsåret må være mellom %(first)d og %(last)d.")
                % {"first": years[0], "last": years[-1]},
                field="year",
            )
        if is_final and _has_final_report(grant):
            raise ServiceError(_("Sluttrapporten er allerede levert."))
        if not is_final and grant.result_reports.filter(year=year, is_final=False).exists():
            raise ServiceError(_("Resultatrapporten for %(year)d er allerede levert.") % {"year": year})
        report = ResultReport(
            grant=grant,
            year=year,
            is_final=is_final,
            new_jobs=new_jobs,
            secured_jobs=secured_jobs,
            new_firms=new_firms,
            networks=networks,
            other_funding=sum((amount for _source, amount in lines), Decimal(0)),
            narrative=(narrative or "").strip(),
            submitted_by=actor,
        )
        full_clean_or_refuse(report)
        report.save()
        for source, amount in lines:
            line = ResultFunding(report=report, source=source, amount=amount)
            full_clean_or_refuse(line)
            line.save()
        audit_log(
            actor=actor,
            obj=report,
            action="result_report:final" if is_final else "result_report:submitted",
            data={"year": year, "other_funding": str(report.other_funding)},
        )
    return report

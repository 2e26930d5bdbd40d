"""Closing a board case and the decision (vedtak) that follows; the letters and minutes as issued.

- The board votes for or against the proposal (innstillingen). An adopted proposal becomes the
  decision; a proposal to grant that is voted down becomes a rejection; a proposal to reject that is
  voted down sends the application back to the programme leader for a new proposal.
- A case closes when every present, non-recused voter has voted for, against or abstained, or the
  møteleder has recorded that they did not vote. Only the møteleder closes it, and on a tie the
  møteleder's vote decides (dobbeltstemme; kommuneloven § 11-9, aksjeloven § 6-25).
- The decision's date is the day the case is closed, which is never before the meeting's day: a case
  opens for voting on the meeting's day at the earliest.
- A decision of the board is changed only by the board. The programme leader records a clerical
  correction (the wording of the conditions, with a reason), shown as the programme leader's.
- The grant an approving decision awards is offered through the board's grant side
  (:mod:`applications.board.money`), in the same transaction as the decision.
"""

import hashlib
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Appeal, BoardCase, Decision, Letter
from applications.services import application_reject, application_return_to_review
from omstilling.audit import audit_log, full_clean_or_refuse, locked, transition
from omstilling.celery import enqueue
from omstilling.exceptions import ServiceError
from omstilling.formatting import format_kr
from omstilling.policies import guarded, refuse, system_service

from ..services.journal import register_letter
from . import policies
from .money import grant_side
from .selectors import case_new_money, case_tally, seat_statuses


@guarded(policies.can_close)
def case_close(case: BoardCase, *, actor: User) -> Decision | None:
    """The møteleder closes the case; the tally (or the møteleder's casting vote) decides.

    Returns the Decision, or None when a proposal to reject was voted down and the application
    went back to the programme leader.
    """
    with transaction.atomic():
        case = locked(case)
        statuses = seat_statuses(case)
        refuse(policies.close_refusal(case, actor, statuses))
        tally = case_tally(case, statuses)
        casting, adopted = tally.casting_vote_used, tally.adopted
        application = case.application
        assessment = getattr(application, "assessment", None)
        proposes_grant = case.proposed_amount > 0
        case.closed_at = timezone.now()
        transition(
            case,
            BoardCase.State.CLOSED,
            actor=actor,
            extra_fields=["closed_at"],
            data={
                "for": tally.votes_for,
                "against": tally.votes_against,
                "abstain": tally.votes_abstain,
                "adopted": adopted,
                "casting_vote_used": casting,
                "presided_by": str(tally.presiding.user),
            },
        )
        if case.annual_plan_id:
            _plan_close(case, actor=actor, adopted=adopted)
            return None
        if case.reconsiders_id:
            return _reconsideration_close(case, actor=actor, tally=tally, adopted=adopted)
        if case.appeal_id:
            return _appeal_close(case, actor=actor, tally=tally, adopted=adopted)
        if not proposes_grant and not adopted:
            application_return_to_review(
                application,
                actor=actor,
                reason=_("Styret vedtok ikke innstillingen om avslag (sak %(number)d).")
                % {"number": case.number},
            )
            return None
        if proposes_grant and adopted:
            outcome, amount = Decision.Outcome.APPROVED, case.proposed_amount
            conditions = assessment.conditions if assessment else ""
            reason = case.recommendation
        elif proposes_grant:
            outcome, amount, conditions = Decision.Outcome.REJECTED, Decimal(0), ""
            reason = _("Styret vedtok ikke innstillingen om å gi tilsagn på %(amount)s.") % {
                "amount": format_kr(case.proposed_amount)
            }
        else:
            outcome, amount, conditions = Decision.Outcome.REJECTED, Decimal(0), ""
            reason = case.recommendation
        return _decision_record(
            case,
            actor=actor,
            outcome=outcome,
            amount=amount,
            conditions=conditions,
            reason=reason,
            tally=tally,
            casting_vote_used=casting,
        )


def _plan_close(case, *, actor, adopted):
    """The board's vote on a year's plan: adopted, the plan is dated with the case's closing day
    (the PDF then says "Vedtatt av styret" with that date); not adopted, it stays a draft."""
    plan = locked(case.annual_plan)
    if not adopted:
        audit_log(actor=actor, obj=plan, action="plan:not_adopted", data={"case_id": case.pk})
        return
    plan.adopted_on = timezone.localdate(case.closed_at)
    plan.save(update_fields=["adopted_on"])
    audit_log(
        actor=actor,
        obj=plan,
        action="plan:adopted",
        data={"case_id": case.pk, "adopted_on": plan.adopted_on.isoformat()},
    )


def _reconsideration_close(case, *, actor, tally, adopted):
    """The board's vote on changing its own decision: adopted, a new decision with the new amount
    replaces the old one and its offer; not adopted, the old decision stands (returns None)."""
    old = case.reconsiders
    if not adopted:
        audit_log(
            actor=actor,
            obj=old,
            action="decision:reconsideration_not_adopted",
            data={"case_id": case.pk, "proposed_amount": str(case.proposed_amount)},
        )
        return None
    return _decision_record(
        case,
        actor=actor,
        outcome=Decision.Outcome.APPROVED,
        amount=case.proposed_amount,
        conditions=old.conditions,
        reason=case.recommendation,
        tally=tally,
        casting_vote_used=tally.casting_vote_used,
        replaces=old,
    )


def _appeal_close(case, *, actor, tally, adopted):
    """The board's vote on an appeal against its decision (forvaltningsloven § 33).

    - A proposal to reverse, adopted: a new decision with the proposed grant replaces the appealed
      one (and its offer, if it made one); the applicant gets the new letter as usual.
    - A proposal to reverse voted down, or a proposal to uphold adopted: the decision stands and the
      appeal goes on to the programme's appeal body; the applicant gets a letter saying so.
    - A proposal to uphold voted down: the board neither upholds nor has a reversal before it, so
      the appeal goes back to the programme leader for a new proposal (returns None, as upholding does).
    """
    appeal = locked(case.appeal)
    old = appeal.decision
    reverses = case.proposed_amount != old.amount
    now = timezone.now()
    if reverses and adopted:
        assessment = getattr(case.application, "assessment", None)
        decision = _decision_record(
            case,
            actor=actor,
            outcome=Decision.Outcome.APPROVED,
            amount=case.proposed_amount,
            conditions=old.conditions or (assessment.conditions if assessment else ""),
            reason=case.recommendation,
            tally=tally,
            casting_vote_used=tally.casting_vote_used,
            replaces=old,
        )
        appeal.resolved_at = now
        transition(
            appeal,
            Appeal.State.REVERSED,
            actor=actor,
            extra_fields=["resolved_at"],
            data={"case_id": case.pk, "decision_id": decision.pk, "amount": str(decision.amount)},
        )
        return decision
    if reverses or adopted:
        reason = (
            case.recommendation
            if adopted
            else _("Styret vedtok ikke innstillingen om å omgjøre vedtaket (sak %(number)d).")
            % {"number": case.number}
        )
        appeal.resolved_at = now
        appeal.forwarded_to = case.meeting.programme.appeal_body
        transition(
            appeal,
            Appeal.State.FORWARDED,
            actor=actor,
            reason=reason,
            extra_fields=["resolved_at", "forwarded_to"],
            data={"case_id": case.pk, "appeal_body": appeal.forwarded_to, "adopted": adopted},
        )
        if old.outcome == Decision.Outcome.APPROVED:
            grant_side().reopen(old, actor=actor, reason=reason)
        transaction.on_commit(
            lambda: enqueue("applications.tasks.appeal_forwarded_letter_build", appeal.pk), robust=True
        )
        return None
    transition(
        appeal,
        Appeal.State.RECEIVED,
        actor=actor,
        reason=_("Styret vedtok ikke innstillingen om å opprettholde vedtaket (sak %(number)d).")
        % {"number": case.number},
        data={"case_id": case.pk},
    )
    return None


def _decision_record(
    case, *, actor, outcome, amount, conditions, reason, tally, casting_vote_used, replaces=None
):
    """Record the board's vedtak and carry it out: an approval becomes an offered grant, a rejection
    rejects the application, and a decision that ``replaces`` an earlier one (omgjøring) replaces
    its offer. The applicant's letter and e-mail follow after commit (Celery)."""
    with transaction.atomic():
        decision = Decision(
            application=case.application,
            case=case,
            corrects=replaces,
            outcome=outcome,
            amount=amount,
            conditions=conditions,
            reason=reason or "",
            votes_for=tally.votes_for,
            votes_against=tally.votes_against,
            votes_abstain=tally.votes_abstain,
            voters=tally.voters,
            recused=tally.recused,
            casting_vote_used=casting_vote_used,
            presided_by=str(tally.presiding.user) if tally.presiding is not None else "",
            decided_at=timezone.now(),
            recorded_by=actor,
        )
        full_clean_or_refuse(decision)
        # What the board was warned of (call budget, programme budget, de minimis) is kept with
        # the decision, as the figures stood when it was taken.
        new_money = case_new_money(case) if outcome == Decision.Outcome.APPROVED else 0
        warnings = (
            [str(text) for text in grant_side().warnings(case.application, new_money)]
            if new_money > 0
            else []
        )
        decision.save()
        audit_log(
            actor=actor,
            obj=decision,
            action=f"decision:{outcome}",
            to_state=outcome,
            reason=decision.reason,
            data={
                "amount": str(amount),
                "for": tally.votes_for,
                "against": tally.votes_against,
                "abstain": tally.votes_abstain,
                "casting_vote_used": casting_vote_used,
                "presided_by": decision.presided_by,
                "warnings": warnings,
                "replaces": replaces.pk if replaces else None,
            },
        )
        if replaces is not None:
            grant_side().replace(replaces, decision, actor=actor, reason=decision.reason)
        elif outcome == Decision.Outcome.APPROVED:
            grant_side().offer(decision, actor=actor)
        else:
            application_reject(
                decision.application, actor=actor, reason=decision.reason or _("Avslått av styret.")
            )
        _letter_on_commit(decision)
    return decision


def _letter_on_commit(decision):
    """The applicant's letter and e-mail, built by Celery once the decision is committed."""
    transaction.on_commit(
        lambda: enqueue("applications.tasks.decision_letter_build", decision.pk), robust=True
    )


@guarded(policies.can_correct_decision)
def decision_correct(decision: Decision, *, actor: User, conditions: str, reason: str) -> Decision:
    """The programme leader's clerical correction of an approving decision whose grant is not yet
    accepted: the wording of the conditions, never the amount or the outcome, which only the board
    changes (a new board case). The new decision refers to the old one, is recorded as the programme
    leader's (it carries no tally: the board did not vote it), and the offer is made again on the
    corrected wording, for the same amount."""
    reason = (reason or "").strip()
    conditions = (conditions or "").strip()
    if not reason:
        raise ServiceError(_("Skriv hvorfor vedtaket rettes."), field="reason")
    with transaction.atomic():
        decision = locked(decision)
        refuse(policies.can_correct_decision(actor, decision))
        if conditions == decision.conditions.strip():
            raise ServiceError(
                _("Vilkårene er de samme som i vedtaket; det er ingenting å rette."), field="conditions"
            )
        correction = Decision(
            application=decision.application,
            corrects=decision,
            outcome=decision.outcome,
            amount=decision.amount,
            conditions=conditions,
            reason=reason,
            decided_at=timezone.now(),
            recorded_by=actor,
        )
        full_clean_or_refuse(correction)
        correction.save()
        audit_log(
            actor=actor,
            obj=correction,
            action="decision:corrected",
            reason=reason,
            data={"corrects": decision.pk, "amount": str(decision.amount), "clerical": True},
        )
        grant_side().replace(decision, correction, actor=actor, reason=reason)
        _letter_on_commit(correction)
    return correction


@system_service
def letter_issue(kind, content, *, decision=None, meeting=None):
    """Store a generated letter or minutes with its checksum. Issued letters are never edited."""
    with transaction.atomic():
        letter = Letter(
            kind=kind, decision=decision, meeting=meeting, sha256=hashlib.sha256(content).hexdigest()
        )
        letter.file.save(f"{kind}.pdf", ContentFile(content), save=False)
        full_clean_or_refuse(letter)
        letter.save()
        register_letter(letter)
        audit_log(
            actor=None,
            obj=decision or meeting,
            action=f"letter:{kind}",
            data={"letter_id": letter.pk, "sha256": letter.sha256},
        )
    return letter

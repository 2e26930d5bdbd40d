"""The board's writes: meetings and their agenda, attendance, the møteleder, recusal, stand-ins and votes.

Rules that hold whichever door a request comes through (admin page, admin action, a test):

- Only a person's *own* active board seat in the case's programme can vote, and only a chair or a
  member present in person, or a deputy registered as standing in for a named absent member.
  Observers never vote and never declare a conflict of interest.
- A recused member (inhabil, forvaltningsloven § 6) cannot vote and does not count towards quorum.
  Declaring a conflict after voting deletes the vote: a vote cast while disqualified is void, and
  keeping it would leave it in the tally. The audit entry keeps what the vote was.
- A deputy present at the meeting without a seat of their own may take a recused member's seat for
  that one case (``case_deputy_step_in``), under the same rule as for the whole meeting: a personal
  deputy (``deputy_for``) stands in only for their own member. In that case the deputy votes and
  counts towards quorum in the seat; in the next case they have no vote again. A deputy who sits in
  a seat for the whole meeting and is recused in one case is replaced the same way, by a second
  deputy; the personal-deputy rule then looks at whose seat it is.
- Quorum: strictly more than ``meeting.quorum_share`` of the board's voting seats are present
  (in person or through a deputy) and not recused.
- Voting opens no earlier than the meeting's own day (Europe/Oslo).
- The case is led by its møteleder: the chair, present in person and not recused; otherwise whom
  the board chose to lead the case (``case_presiding_set``) among those who vote in it. A deputy
  standing in for the chair, for the meeting or for one case, takes the chair's vote, not the chair's
  office: they lead only when chosen to.

Who may call each service is its policy (``applications.board.policies``), asked first by
``omstilling.policies.guarded``. Every service runs in one transaction, locks the row it decides on
and writes its audit entry. Closing a case and the decision that follows are in
``applications.board.decisions``.
"""

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import (
    Appeal,
    Application,
    BoardCase,
    BoardMeeting,
    CaseStandIn,
    ConflictDeclaration,
    Decision,
    MeetingAttendance,
    Vote,
)
from applications.services import application_send_to_board
from omstilling.audit import audit_log, full_clean_or_refuse, locked, transition
from omstilling.celery import enqueue
from omstilling.exceptions import ServiceError
from omstilling.models import AnnualPlan, BoardMembership, Programme
from omstilling.policies import guarded, refuse

from . import policies
from .selectors import board_seat, case_presiding, eligible_voters, seat_statuses

Role = BoardMembership.Role


@guarded(policies.can_choose_presiding)
def case_presiding_set(case: BoardCase, *, actor: User, member: BoardMembership) -> BoardCase:
    """Register whom the board chose to lead ``case`` when the chair cannot (absent or recused):
    one of those who vote in the case. The møteleder closes the case and has the casting vote."""
    with transaction.atomic():
        # Locking the case serialises the choice with votes and with closing the case.
        case = locked(case)
        refuse(policies.can_choose_presiding(actor, case))
        statuses = seat_statuses(case)
        current = case_presiding(case, statuses)
        if current is not None and current.pk == member.pk:
            return case
        refusal = policies.presiding_refusal(case, member, statuses)
        if refusal:
            raise ServiceError(refusal)
        previous = case.presiding_id
        case.presiding = member
        full_clean_or_refuse(case)
        case.save(update_fields=["presiding"])
        audit_log(
            actor=actor,
            obj=case,
            action="case:presiding_set",
            data={"member_id": member.pk, "name": str(member.user), "previous_id": previous},
        )
    return case


@guarded(policies.can_run_meeting)
def meeting_create(
    programme: Programme, *, actor: User, starts_at, place: str, quorum_share=None
) -> BoardMeeting:
    """A board meeting; quorum follows the programme's rule unless this meeting sets its own."""
    with transaction.atomic():
        meeting = BoardMeeting(
            programme=programme,
            starts_at=starts_at,
            place=(place or "").strip(),
            quorum_share=programme.quorum_share if quorum_share is None else Decimal(quorum_share),
            created_by=actor,
        )
        full_clean_or_refuse(meeting)
        meeting.save()
        audit_log(
            actor=actor,
            obj=meeting,
            action="meeting:created",
            to_state=meeting.state,
            data={"place": meeting.place, "quorum_share": str(meeting.quorum_share)},
        )
    return meeting


@guarded(policies.can_run_meeting)
def case_add(meeting: BoardMeeting, *, actor: User, application: Application) -> BoardCase:
    """Put an assessed application on the meeting's agenda, last (sending it to the board if needed)."""
    with transaction.atomic():
        meeting = locked(meeting)
        application = locked(application)
        refusal = policies.case_add_refusal(meeting, application)
        if refusal:
            raise ServiceError(refusal)
        if application.state == Application.State.IN_REVIEW:
            application = application_send_to_board(application, actor=actor)
        assessment = application.assessment
        case = _agenda_append(
            meeting,
            application=application,
            recommendation=assessment.reasoning,
            proposed_amount=assessment.proposed_amount,
        )
        audit_log(
            actor=actor,
            obj=case,
            action="case:added",
            to_state=case.state,
            data={"number": case.number, "application_id": application.pk},
        )
    return case


@guarded(policies.can_run_meeting)
def case_add_plan(meeting: BoardMeeting, *, actor: User, plan: AnnualPlan) -> BoardCase:
    """Put a year's omstillingsplan before the board to adopt, last on the agenda."""
    with transaction.atomic():
        meeting = locked(meeting)
        plan = locked(plan)
        refusal = policies.plan_add_refusal(meeting, plan)
        if refusal:
            raise ServiceError(refusal)
        case = _agenda_append(
            meeting,
            annual_plan=plan,
            recommendation=_("Styret vedtar omstillingsplanen med status pr. desember %(year)d.")
            % {"year": plan.year},
        )
        audit_log(
            actor=actor,
            obj=case,
            action="case:added",
            to_state=case.state,
            data={"number": case.number, "annual_plan_id": plan.pk, "year": plan.year},
        )
    return case


@guarded(policies.can_run_meeting)
def case_add_reconsideration(
    meeting: BoardMeeting, *, actor: User, decision: Decision, proposed_amount, recommendation: str
) -> BoardCase:
    """Put a decision of the board back before the board with a changed amount (omgjøring,
    forvaltningsloven § 35), last on the agenda. The offer changes only if the board adopts it."""
    recommendation = (recommendation or "").strip()
    if not recommendation:
        raise ServiceError(_("Skriv innstillingen: hvorfor beløpet bør endres."), field="recommendation")
    amount = _decimal_or_none(proposed_amount)
    with transaction.atomic():
        meeting = locked(meeting)
        decision = locked(decision)
        refusal = policies.reconsideration_refusal(meeting, decision, amount)
        if refusal:
            raise ServiceError(refusal, field="proposed_amount")
        case = _agenda_append(
            meeting,
            application=decision.application,
            recommendation=recommendation,
            proposed_amount=amount,
            reconsiders=decision,
        )
        audit_log(
            actor=actor,
            obj=case,
            action="case:reconsideration_added",
            to_state=case.state,
            reason=recommendation,
            data={
                "number": case.number,
                "decision_id": decision.pk,
                "amount": str(amount),
                "old": str(decision.amount),
            },
        )
    return case


@guarded(policies.can_run_meeting)
def case_add_appeal(
    meeting: BoardMeeting, *, actor: User, appeal: Appeal, proposed_amount, recommendation: str
) -> BoardCase:
    """Put an appeal before the board that made the appealed decision (forvaltningsloven § 33),
    last on the agenda, with the programme leader's proposal: the appealed decision's amount to
    uphold it (0 for a rejection), a grant or a larger one to reverse it."""
    recommendation = (recommendation or "").strip()
    if not recommendation:
        raise ServiceError(
            _("Skriv innstillingen: om vedtaket bør omgjøres eller opprettholdes, og hvorfor."),
            field="recommendation",
        )
    amount = _decimal_or_none(proposed_amount)
    with transaction.atomic():
        meeting = locked(meeting)
        appeal = locked(appeal)
        refusal = policies.appeal_case_refusal(meeting, appeal, amount)
        if refusal:
            raise ServiceError(refusal, field="proposed_amount")
        case = _agenda_append(
            meeting,
            application=appeal.application,
            recommendation=recommendation,
            proposed_amount=amount,
            appeal=appeal,
        )
        audit_log(
            actor=actor,
            obj=case,
            action="case:appeal_added",
            to_state=case.state,
            reason=recommendation,
            data={
                "number": case.number,
                "appeal_id": appeal.pk,
                "decision_id": appeal.decision_id,
                "amount": str(amount),
                "reverses": amount != appeal.decision.amount,
            },
        )
        transition(appeal, Appeal.State.ON_AGENDA, actor=actor, data={"case_id": case.pk})
    return case


def _decimal_or_none(value):
    """``value`` as a Decimal, or None when it is no number (the policy then says what to write)."""
    try:
        return Decimal(value)
    except (TypeError, ValueError, ArithmeticError):
        return None


def _agenda_append(meeting, **fields):
    """A new case last on the locked ``meeting``'s agenda (the caller audits it)."""
    number = (meeting.cases.aggregate(last=Max("number"))["last"] or 0) + 1
    case = BoardCase(meeting=meeting, number=number, **fields)
    full_clean_or_refuse(case)
    case.save()
    return case


@guarded(policies.can_run_meeting)
def agenda_move(case: BoardCase, *, actor: User, offset: int) -> BoardCase:
    """Move a case up (-1) or down (+1) the agenda by swapping numbers with its neighbour."""
    with transaction.atomic():
        meeting = locked(case.meeting)
        cases = list(meeting.cases.select_for_update().order_by("number"))
        index = next(i for i, row in enumerate(cases) if row.pk == case.pk)
        other_index = index + offset
        if not 0 <= other_index < len(cases):
            return cases[index]
        this, other = cases[index], cases[other_index]
        if this.state != BoardCase.State.PENDING or other.state != BoardCase.State.PENDING:
            raise ServiceError(_("Bare saker som ikke er åpnet, kan flyttes på sakslisten."))
        this_number, other_number = this.number, other.number
        # The numbers are unique per meeting, so one case parks on 0 during the swap.
        BoardCase.objects.filter(pk=this.pk).update(number=0)
        BoardCase.objects.filter(pk=other.pk).update(number=this_number)
        BoardCase.objects.filter(pk=this.pk).update(number=other_number)
        this.number = other_number
        audit_log(actor=actor, obj=this, action="case:moved", data={"from": this_number, "to": other_number})
    return this


@guarded(policies.can_run_meeting)
def attendance_register(
    meeting: BoardMeeting,
    *,
    actor: User,
    member: BoardMembership,
    stands_in_for: BoardMembership | None = None,
) -> MeetingAttendance:
    """Register ``member`` as present; a deputy who names ``stands_in_for`` votes in that seat."""
    with transaction.atomic():
        meeting = locked(meeting)
        if meeting.state == BoardMeeting.State.CLOSED:
            raise ServiceError(_("Møtet er avsluttet; oppmøtet kan ikke endres."))
        if member.programme_id != meeting.programme_id or not member.is_active:
            raise ServiceError(_("Personen har ikke et aktivt sete i dette styret."))
        present = {row.member_id: row for row in meeting.attendance.all()}
        if member.pk in present:
            raise ServiceError(_("%(name)s er allerede registrert som til stede.") % {"name": member.user})
        if stands_in_for is not None:
            if member.role != Role.DEPUTY:
                raise ServiceError(_("Bare et varamedlem kan møte for et annet styremedlem."))
            if stands_in_for.programme_id != meeting.programme_id or not stands_in_for.has_vote:
                raise ServiceError(_("Varamedlemmet kan bare møte for styreleder eller et styremedlem."))
            if member.deputy_for_id and member.deputy_for_id != stands_in_for.pk:
                raise ServiceError(
                    _("%(deputy)s er vara for %(member)s, ikke for %(other)s.")
                    % {"deputy": member.user, "member": member.deputy_for.user, "other": stands_in_for.user}
                )
            if stands_in_for.pk in present:
                raise ServiceError(
                    _("%(member)s er selv til stede; varamedlemmet kan ikke møte for henne eller ham.")
                    % {"member": stands_in_for.user}
                )
            if any(row.stands_in_for_id == stands_in_for.pk for row in present.values()):
                raise ServiceError(
                    _("Et annet varamedlem møter allerede for %(member)s.") % {"member": stands_in_for.user}
                )
        elif member.pk in {row.stands_in_for_id for row in present.values()}:
            raise ServiceError(
                _("Et varamedlem er registrert som møtende for %(member)s. Fjern varamedlemmet først.")
                % {"member": member.user}
            )
        row = MeetingAttendance(meeting=meeting, member=member, stands_in_for=stands_in_for)
        full_clean_or_refuse(row)
        row.save()
        audit_log(
            actor=actor,
            obj=meeting,
            action="attendance:registered",
            data={
                "member_id": member.pk,
                "name": str(member.user),
                "stands_in_for_id": stands_in_for and stands_in_for.pk,
            },
        )
    return row


@guarded(policies.can_run_meeting)
def attendance_unregister(meeting: BoardMeeting, *, actor: User, member: BoardMembership) -> None:
    """``member`` left the meeting; refused while they have a vote in a case still open, or while a
    deputy who stepped in for them in a case still open has voted there. A deputy who leaves no
    longer stands in for anyone in the cases not yet decided, and nobody steps in for them there."""
    with transaction.atomic():
        meeting = locked(meeting)
        if meeting.state == BoardMeeting.State.CLOSED:
            raise ServiceError(_("Møtet er avsluttet; oppmøtet kan ikke endres."))
        if Vote.objects.filter(
            case__meeting=meeting, case__state=BoardCase.State.OPEN, member=member
        ).exists():
            raise ServiceError(
                _("%(name)s har stemt i en åpen sak og kan ikke føres ut før saken er avsluttet.")
                % {"name": member.user}
            )
        undecided = CaseStandIn.objects.filter(case__meeting=meeting).exclude(
            case__state=BoardCase.State.CLOSED
        )
        # Once a whole-meeting deputy leaves, their seat goes back to the absent member, and the
        # deputy who stepped in for them in a case no longer has it: refused where that vote counts.
        # (A recused member who leaves keeps their case stand-in: the seat is still theirs.)
        sits_for_someone = meeting.attendance.filter(member=member, stands_in_for__isnull=False).exists()
        replaced = undecided.filter(stands_in_for=member) if sits_for_someone else undecided.none()
        voted = (
            replaced.filter(case__state=BoardCase.State.OPEN, case__votes__member=F("deputy"))
            .select_related("deputy__user")
            .first()
        )
        if voted is not None:
            raise ServiceError(
                _(
                    "%(deputy)s har stemt i en åpen sak i stedet for %(name)s, som derfor ikke kan føres ut "
                    "før saken er avsluttet."
                )
                % {"deputy": voted.deputy.user, "name": member.user}
            )
        deleted, _rows = meeting.attendance.filter(member=member).delete()
        if deleted:
            stand_ins = undecided.filter(deputy=member)
            left_cases = sorted(stand_ins.values_list("case__number", flat=True))
            stand_ins.delete()
            replaced_cases = sorted(replaced.values_list("case__number", flat=True))
            replaced.delete()
            audit_log(
                actor=actor,
                obj=meeting,
                action="attendance:unregistered",
                data={
                    "member_id": member.pk,
                    "name": str(member.user),
                    "case_stand_ins_ended": left_cases,
                    "case_stand_ins_for_them_ended": replaced_cases,
                },
            )


@guarded(policies.can_open_case)
def case_open(case: BoardCase, *, actor: User) -> BoardCase:
    """Open the case for voting (and the meeting, at its first case)."""
    with transaction.atomic():
        case = locked(case)
        meeting = locked(case.meeting)
        refuse(policies.meeting_not_yet_refusal(meeting))
        if case.annual_plan_id:
            if AnnualPlan.objects.filter(pk=case.annual_plan_id, adopted_on__isnull=False).exists():
                raise ServiceError(_("Styret har allerede vedtatt denne omstillingsplanen."))
        else:
            if case.appeal_id:
                expected = (Application.State.APPROVED, Application.State.REJECTED)
            elif case.reconsiders_id:
                expected = (Application.State.APPROVED,)
            else:
                expected = (Application.State.TO_BOARD,)
            if case.application.state not in expected:
                raise ServiceError(_("Søknaden er ikke lenger til behandling i styret."))
        if meeting.state == BoardMeeting.State.PLANNED:
            transition(meeting, BoardMeeting.State.OPEN, actor=actor)
        case.opened_at = timezone.now()
        return transition(case, BoardCase.State.OPEN, actor=actor, extra_fields=["opened_at"])


@guarded(policies.can_run_meeting)
def meeting_close(meeting: BoardMeeting, *, actor: User) -> BoardMeeting:
    """End the meeting once every case is decided; the minutes are then written (Celery)."""
    with transaction.atomic():
        meeting = locked(meeting)
        if meeting.cases.exclude(state=BoardCase.State.CLOSED).exists():
            raise ServiceError(_("Alle saker må være avgjort før møtet kan avsluttes."))
        if meeting.state == BoardMeeting.State.PLANNED:
            raise ServiceError(_("Møtet er ikke holdt ennå."))
        transition(meeting, BoardMeeting.State.CLOSED, actor=actor)
        transaction.on_commit(
            lambda: enqueue("applications.tasks.meeting_minutes_build", meeting.pk), robust=True
        )
    return meeting


@guarded(policies.can_declare_conflict)
def conflict_declare(case: BoardCase, *, actor: User, reason: str) -> ConflictDeclaration:
    """The actor declares themself disqualified (inhabil) in ``case``; any vote they cast is void."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            _("Skriv hvorfor du er inhabil, f.eks. styreverv eller nær familie hos søkeren."), field="reason"
        )
    with transaction.atomic():
        case = locked(case)
        refuse(policies.can_declare_conflict(actor, case))
        seat = board_seat(actor, case.meeting.programme)
        if case.conflicts.filter(member=seat).exists():
            raise ServiceError(_("Du har allerede erklært deg inhabil i denne saken."))
        declaration = ConflictDeclaration(case=case, member=seat, reason=reason)
        full_clean_or_refuse(declaration)
        declaration.save()
        void = Vote.objects.filter(case=case, member=seat).first()
        data = {"member_id": seat.pk, "name": str(seat.user)}
        if void is not None:
            data["voided_vote"] = void.choice
            void.delete()
        audit_log(actor=actor, obj=case, action="conflict:declared", reason=reason, data=data)
    return declaration


@guarded(policies.can_run_case)
def case_deputy_step_in(
    case: BoardCase, *, actor: User, deputy: BoardMembership, stands_in_for: BoardMembership
) -> CaseStandIn:
    """``deputy``, present at the meeting, takes the seat of ``stands_in_for``, who is recused in
    ``case``: for this case the deputy votes and counts towards quorum in that seat."""
    with transaction.atomic():
        # Locking the case serialises the stand-in with votes and with closing the case.
        case = locked(case)
        refusal = policies.step_in_refusal(case, deputy, stands_in_for)
        if refusal:
            raise ServiceError(refusal)
        row = CaseStandIn(case=case, deputy=deputy, stands_in_for=stands_in_for)
        full_clean_or_refuse(row)
        row.save()
        audit_log(
            actor=actor,
            obj=case,
            action="case:deputy_stepped_in",
            data={
                "deputy_id": deputy.pk,
                "name": str(deputy.user),
                "stands_in_for_id": stands_in_for.pk,
                "stands_in_for": str(stands_in_for.user),
            },
        )
    return row


@guarded(policies.can_run_case)
def case_deputy_step_out(case: BoardCase, *, actor: User, deputy: BoardMembership) -> None:
    """Undo ``case_deputy_step_in`` before the deputy has voted in the case."""
    with transaction.atomic():
        case = locked(case)
        if case.state == BoardCase.State.CLOSED:
            raise ServiceError(_("Saken er avgjort; varaen i saken kan ikke endres."))
        row = case.stand_ins.select_related("stands_in_for__user").filter(deputy=deputy).first()
        if row is None:
            raise ServiceError(
                _("%(deputy)s trer ikke inn for noen i denne saken.") % {"deputy": deputy.user}
            )
        if case.votes.filter(member=deputy).exists():
            raise ServiceError(
                _("%(deputy)s har stemt i saken og kan ikke lenger tre ut av den.") % {"deputy": deputy.user}
            )
        row.delete()
        audit_log(
            actor=actor,
            obj=case,
            action="case:deputy_stepped_out",
            data={
                "deputy_id": deputy.pk,
                "name": str(deputy.user),
                "stands_in_for_id": row.stands_in_for_id,
                "stands_in_for": str(row.stands_in_for.user),
            },
        )


@guarded(policies.can_vote)
def vote_cast(case: BoardCase, *, actor: User, choice: str) -> Vote:
    """The actor votes for, against or abstains on the proposal; changeable while the case is open."""
    if choice not in Vote.BALLOT:
        raise ServiceError(_("Velg for, mot eller avstår."), field="choice")
    with transaction.atomic():
        # Locking the case serialises votes with closing it: no vote slips in after the count.
        case = locked(case)
        seat = board_seat(actor, case.meeting.programme)
        if case.state == BoardCase.State.CLOSED:
            raise ServiceError(_("Saken er avgjort; stemmen kan ikke endres."))
        if case.state != BoardCase.State.OPEN:
            raise ServiceError(_("Saken er ikke åpnet for votering ennå."))
        refuse(policies.vote_refusal(case, actor))
        vote = Vote.objects.filter(case=case, member=seat).first()
        previous = vote.choice if vote else ""
        if vote is None:
            vote = Vote(case=case, member=seat, choice=choice)
        elif previous == choice:
            return vote
        vote.choice = choice
        full_clean_or_refuse(vote, validate_unique=False)
        vote.save()
        audit_log(
            actor=actor,
            obj=case,
            action="vote:changed" if previous else "vote:cast",
            from_state=previous,
            to_state=choice,
            data={"member_id": seat.pk, "name": str(seat.user)},
        )
    return vote


@guarded(policies.can_record_not_voting)
def vote_record_not_voting(case: BoardCase, *, actor: User, member: BoardMembership) -> Vote:
    """The møteleder records that ``member``, present and not recused, gave no vote in ``case``:
    the case can then close, and the decision and the minutes name the member as not voting."""
    with transaction.atomic():
        case = locked(case)
        refuse(policies.can_record_not_voting(actor, case))
        statuses = seat_statuses(case)
        if member.pk not in eligible_voters(case, statuses):
            raise ServiceError(_("%(name)s stemmer ikke i denne saken.") % {"name": member.user})
        if Vote.objects.filter(case=case, member=member).exists():
            raise ServiceError(_("%(name)s har allerede stemt i saken.") % {"name": member.user})
        vote = Vote(case=case, member=member, choice=Vote.Choice.NOT_VOTING)
        full_clean_or_refuse(vote, validate_unique=False)
        vote.save()
        audit_log(
            actor=actor,
            obj=case,
            action="vote:not_voting",
            to_state=Vote.Choice.NOT_VOTING,
            data={"member_id": member.pk, "name": str(member.user)},
        )
    return vote

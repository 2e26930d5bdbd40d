"""Case handling and the board: assessment, meetings and their agenda, attendance, recusal, votes,
closing a case on the tally, and the immutable decision that follows.

Rules that hold whichever door a request comes through (admin action, admin view, a test):

- Only a person's *own* active board seat in the case's programme can vote, and only a chair or a
  member present in person, or a deputy registered as standing in for a named absent member.
  Observers never vote.
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
- The board votes for or against the proposal (innstillingen). An adopted proposal becomes the
  decision; a proposal to grant that is voted down becomes a rejection; a proposal to reject
  that is voted down sends the application back to the programme leader for a new proposal.
- The case is led by its møteleder: the chair, present in person and not recused; otherwise whom
  the board chose to lead the case (``case_presiding_set``) among those who vote in it. A deputy
  standing in for the chair, for the meeting or for one case, takes the chair's vote, not the chair's
  office: they lead only when chosen to. Only the møteleder closes the case, and on a tie the
  møteleder's vote decides (dobbeltstemme; kommuneloven § 11-9, aksjeloven § 6-25), recorded as
  ``casting_vote_used`` with the møteleder's name in ``presided_by``.

Every service runs in one transaction, locks the row it decides on and writes its audit entry.
"""

import hashlib
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import (
    Application,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    BoardCase,
    BoardMeeting,
    CaseStandIn,
    ConflictDeclaration,
    Decision,
    Letter,
    MeetingAttendance,
    Vote,
)
from applications.services import (
    application_reject,
    application_return_to_review,
    application_review_start,
    application_send_to_board,
)
from omstilling.audit import audit_log, full_clean_or_refuse, locked, transition
from omstilling.exceptions import ServiceError
from omstilling.formatting import format_kr, format_nok
from omstilling.models import BoardMembership, StaffMembership
from projects.models import Grant

Role = BoardMembership.Role


# Who may do what -------------------------------------------------------------------------------


def board_seat(user, programme):
    """``user``'s active board seat in ``programme`` today, or None."""
    if user is None or not user.is_authenticated:
        return None
    today = timezone.localdate()
    return (
        BoardMembership.objects.filter(programme=programme, user=user, is_active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("user")
        .first()
    )


def is_programme_staff(user, programme):
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return StaffMembership.objects.filter(programme=programme, user=user, is_active=True).exists()


def _require_staff(actor, programme):
    if not is_programme_staff(actor, programme):
        raise ServiceError(_("Bare programmets administrasjon kan gjøre dette."))


def may_run_meeting(user, programme):
    """Programme staff and the chair prepare and run the board's meetings."""
    if is_programme_staff(user, programme):
        return True
    seat = board_seat(user, programme)
    return seat is not None and seat.role == Role.CHAIR


def _require_staff_or_chair(actor, programme):
    if not may_run_meeting(actor, programme):
        raise ServiceError(_("Bare styreleder eller programmets administrasjon kan gjøre dette."))


def voting_seats(programme):
    """The board's seats that carry a vote today: the chair and the members."""
    today = timezone.localdate()
    return list(
        BoardMembership.objects.filter(
            programme=programme, is_active=True, role__in=[Role.CHAIR, Role.MEMBER]
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("user")
        .order_by("role", "user__full_name", "pk")
    )


# Quorum and who votes --------------------------------------------------------------------------


@dataclass(frozen=True)
class SeatStatus:
    seat: BoardMembership  # the voting seat
    voter: BoardMembership | None  # who sits in it in this case: the member or a deputy
    recused: bool
    case_stand_in: bool = False  # the voter is a deputy sitting in for a recused member in this case only
    # The recused person who would hold the seat in this case: the member, or the deputy sitting in
    # it for the whole meeting. A case stand-in takes the seat in their place.
    recused_holder: BoardMembership | None = None


@dataclass(frozen=True)
class Quorum:
    seats: int
    present: int  # seats taken at the meeting, by the member or a deputy
    impartial: int  # of those, not recused
    required: int
    share: Decimal

    @property
    def met(self):
        return self.impartial >= self.required

    @property
    def explanation(self):
        return _(
            "%(impartial)d av %(seats)d stemmeberettigede er til stede og habile; minst %(required)d kreves."
        ) % {"impartial": self.impartial, "seats": self.seats, "required": self.required}


def seat_statuses(case):
    """For every voting seat: who (if anyone) votes in it in ``case``, and whether they are recused.

    The seat is held by its member present in person, or by the deputy standing in for them for the
    whole meeting. When that holder is recused (or the absent member is, with nobody in the seat),
    the seat goes to the deputy stepped in for them in this case, as long as that deputy is at the
    meeting without a seat of their own."""
    meeting = case.meeting
    attendance = list(meeting.attendance.select_related("member__user"))
    in_person = {row.member_id for row in attendance if row.stands_in_for_id is None}
    deputies = {row.stands_in_for_id: row.member for row in attendance if row.stands_in_for_id}
    recused_ids = set(case.conflicts.values_list("member_id", flat=True))
    stand_ins = {
        row.stands_in_for_id: row.deputy
        for row in case.stand_ins.select_related("deputy__user")
        if row.deputy_id in in_person
    }
    statuses = []
    for seat in voting_seats(meeting.programme):
        voter = seat if seat.pk in in_person else deputies.get(seat.pk)
        holder = voter or seat
        recused_holder = holder if holder.pk in recused_ids else None
        deputy = stand_ins.get(recused_holder.pk) if recused_holder is not None else None
        if deputy is not None:
            statuses.append(
                SeatStatus(
                    seat=seat,
                    voter=deputy,
                    recused=deputy.pk in recused_ids,
                    case_stand_in=True,
                    recused_holder=recused_holder,
                )
            )
            continue
        statuses.append(
            SeatStatus(
                seat=seat,
                voter=voter,
                recused=voter is not None and recused_holder is not None,
                recused_holder=recused_holder,
            )
        )
    return statuses


def case_quorum(case, statuses=None):
    statuses = seat_statuses(case) if statuses is None else statuses
    share = case.meeting.quorum_share
    seats = len(statuses)
    # "More than the share": the smallest whole number strictly above share × seats.
    required = int((share * seats).to_integral_value(rounding=ROUND_FLOOR)) + 1
    present = sum(1 for status in statuses if status.voter is not None)
    impartial = sum(1 for status in statuses if status.voter is not None and not status.recused)
    return Quorum(seats=seats, present=present, impartial=impartial, required=required, share=share)


def eligible_voters(case, statuses=None):
    """{voter membership pk: seat status} of those who may vote in ``case`` now."""
    statuses = seat_statuses(case) if statuses is None else statuses
    return {status.voter.pk: status for status in statuses if status.voter is not None and not status.recused}


def _refuse_vote_reason(case, seat):
    """Why ``seat`` may not vote in ``case`` (None when it may)."""
    if seat is None:
        return _("Du har ikke sete i styret for dette programmet.")
    if seat.role == Role.OBSERVER:
        return _("Observatører har ikke stemmerett.")
    if case.conflicts.filter(member=seat).exists():
        return _("Du har erklært deg inhabil i denne saken og kan ikke stemme.")
    statuses = seat_statuses(case)
    if seat.pk in eligible_voters(case, statuses):
        # The vote is held under the møteleder, whose own vote decides a tie: choosing them after
        # the votes are in would let the choice decide the case.
        if case_presiding(case, statuses) is None:
            return _(
                "Saken har ingen møteleder ennå: styreleder er fraværende eller inhabil. Styret velger "
                "en møteleder før voteringen."
            )
        return None
    if seat.role == Role.DEPUTY:
        return _(
            "Som varamedlem stemmer du bare når du er registrert som møtende for et fraværende styremedlem, "
            "eller for et styremedlem som er inhabilt i denne saken."
        )
    if MeetingAttendance.objects.filter(meeting=case.meeting, stands_in_for=seat).exists():
        return _("Et varamedlem møter for deg på dette møtet.")
    return _("Du er ikke registrert som til stede på møtet.")


def vote_refusal(case, user):
    """Why ``user`` cannot vote in ``case`` right now, or None; for the case page's controls."""
    if case.state != BoardCase.State.OPEN:
        return _("Saken er ikke åpen for votering.")
    return _refuse_vote_reason(case, board_seat(user, case.meeting.programme))


# Who leads the case (møteleder) ------------------------------------------------------------------


def chair_leads(statuses):
    """Whether the chair leads the case: present in person in their own seat and not recused."""
    return any(
        status.seat.role == Role.CHAIR
        and status.voter is not None
        and status.voter.pk == status.seat.pk
        and not status.recused
        for status in statuses
    )


def case_presiding(case, statuses=None):
    """The møteleder of ``case``, who closes it and has the casting vote, or None until the board
    has chosen one: the chair when ``chair_leads``; otherwise whom the board chose to lead the case,
    while they still vote in it."""
    statuses = seat_statuses(case) if statuses is None else statuses
    if chair_leads(statuses):
        return next(status.seat for status in statuses if status.seat.role == Role.CHAIR)
    if case.presiding_id is None:
        return None
    status = eligible_voters(case, statuses).get(case.presiding_id)
    return status.voter if status is not None else None


def _presiding_refusal(case, member, statuses):
    """Why ``member`` cannot be made møteleder of ``case`` now (None when they can)."""
    if case.state == BoardCase.State.CLOSED:
        return _("Saken er avgjort; møteleder kan ikke endres.")
    if chair_leads(statuses):
        return _("Styreleder er til stede og habil i saken og leder den selv.")
    if member.pk not in eligible_voters(case, statuses):
        return _("%(name)s stemmer ikke i saken og kan ikke lede den.") % {"name": member.user}
    # The møteleder's vote decides a tie: once votes are cast, the choice must not follow them. A new
    # one is chosen then only when the case has lost its møteleder (recused or gone mid-vote).
    current = case_presiding(case, statuses)
    if current is not None and current.pk != member.pk and case.votes.exists():
        return _("Voteringen har begynt; møteleder kan ikke byttes nå.")
    return None


def case_presiding_candidates(case, statuses=None):
    """Those the board may choose to lead ``case`` now: those who vote in it; none when the chair
    leads it, when it is decided, or when votes are cast under its møteleder."""
    statuses = seat_statuses(case) if statuses is None else statuses
    if case.state == BoardCase.State.CLOSED or chair_leads(statuses):
        return []
    if case_presiding(case, statuses) is not None and case.votes.exists():
        return []
    return [status.voter for status in eligible_voters(case, statuses).values()]


def case_presiding_set(case, actor, member):
    """Register whom the board chose to lead ``case`` when the chair cannot (absent or recused):
    one of those who vote in the case. The møteleder closes the case and has the casting vote."""
    with transaction.atomic():
        # Locking the case serialises the choice with votes and with closing the case.
        case = locked(case)
        programme = case.meeting.programme
        _require_staff_or_chair(actor, programme)
        seat = board_seat(actor, programme)
        if (
            not is_programme_staff(actor, programme)
            and seat is not None
            and case.conflicts.filter(member=seat).exists()
        ):
            raise ServiceError(_("Du er inhabil i saken og kan ikke velge møteleder for den."))
        statuses = seat_statuses(case)
        current = case_presiding(case, statuses)
        if current is not None and current.pk == member.pk:
            return case
        refusal = _presiding_refusal(case, member, statuses)
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


# Assessment ------------------------------------------------------------------------------------


def assessment_submit(
    application,
    actor,
    *,
    scores,
    recommendation,
    reasoning,
    proposed_amount=0,
    conditions="",
):
    """The programme leader's assessment: a 1–6 score on each of the programme's criteria and a
    recommendation (approve with amount and conditions, or reject with the reason).

    ``scores`` maps criterion pk to score (or to ``(score, comment)``). Re-submitting replaces the
    earlier assessment while the application is still in case handling.
    """
    reasoning = (reasoning or "").strip()
    conditions = (conditions or "").strip()
    proposed_amount = Decimal(proposed_amount or 0)
    if not reasoning:
        raise ServiceError(_("Skriv en begrunnelse for innstillingen."), field="reasoning")
    if recommendation == Assessment.Recommendation.APPROVE:
        if proposed_amount <= 0:
            raise ServiceError(_("Oppgi beløpet som foreslås innvilget."), field="proposed_amount")
        if proposed_amount != proposed_amount.to_integral_value():
            raise ServiceError(_("Beløpet må være i hele kroner."), field="proposed_amount")
    elif recommendation == Assessment.Recommendation.REJECT:
        proposed_amount = Decimal(0)
        conditions = ""
    else:
        raise ServiceError(_("Velg en innstilling."), field="recommendation")

    with transaction.atomic():
        application = locked(application)
        _require_staff(actor, application.programme)
        if application.state == Application.State.SUBMITTED:
            application = application_review_start(application, actor)
        if application.state != Application.State.IN_REVIEW:
            raise ServiceError(
                _("Søknaden har status «%(state)s» og kan ikke vurderes nå.")
                % {"state": application.get_state_display()}
            )
        criteria = list(AssessmentCriterion.objects.filter(programme=application.programme_id))
        if not criteria:
            raise ServiceError(_("Programmet har ingen vurderingskriterier. Legg dem inn først."))
        given = {}
        for criterion in criteria:
            value = scores.get(criterion.pk, scores.get(str(criterion.pk)))
            score, comment = value if isinstance(value, tuple) else (value, "")
            try:
                score = int(score)
            except (TypeError, ValueError):
                score = None
            if score is None or not 1 <= score <= 6:
                raise ServiceError(
                    _("Gi «%(criterion)s» en poengsum fra 1 til 6.") % {"criterion": criterion.name},
                    field=f"score_{criterion.pk}",
                )
            given[criterion] = (score, (comment or "").strip())

        assessment = Assessment.objects.filter(application=application).first() or Assessment(
            application=application
        )
        assessment.assessor = actor
        assessment.recommendation = recommendation
        assessment.proposed_amount = proposed_amount
        assessment.conditions = conditions
        assessment.reasoning = reasoning
        assessment.submitted_at = timezone.now()
        full_clean_or_refuse(assessment)
        assessment.save()
        assessment.scores.all().delete()
        for criterion, (score, comment) in given.items():
            row = AssessmentScore(assessment=assessment, criterion=criterion, score=score, comment=comment)
            full_clean_or_refuse(row)
            row.save()
        audit_log(
            actor=actor,
            obj=assessment,
            action="assessment:submitted",
            data={
                "recommendation": recommendation,
                "proposed_amount": str(proposed_amount),
                "scores": {criterion.name: score for criterion, (score, _c) in given.items()},
            },
        )
    return assessment


# Meetings and the agenda -----------------------------------------------------------------------


def meeting_create(programme, actor, *, starts_at, place, quorum_share=None):
    """A board meeting; quorum follows the programme's rule unless this meeting sets its own."""
    with transaction.atomic():
        _require_staff_or_chair(actor, programme)
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


def case_add_refusal(meeting, application):
    """Why ``application`` cannot go on ``meeting``'s agenda (None when it can)."""
    if meeting.state == BoardMeeting.State.CLOSED:
        return _("Møtet er avsluttet; saker kan ikke føres opp på det.")
    if application.programme_id != meeting.programme_id:
        return _("Søknaden hører til et annet program.")
    if application.state == Application.State.IN_REVIEW:
        assessment = Assessment.objects.filter(application=application).first()
        if assessment is None or assessment.submitted_at is None:
            return _("Søknaden må ha en ferdig vurdering før den kan sendes til styret.")
    elif application.state != Application.State.TO_BOARD:
        return _(
            "Bare søknader som er vurdert og sendt til styret kan føres opp. Denne har status «%(state)s»."
        ) % {"state": application.get_state_display()}
    if BoardCase.objects.filter(application=application).exclude(state=BoardCase.State.CLOSED).exists():
        return _("Søknaden står allerede på sakslisten til et møte.")
    return None


def case_add(meeting, application, actor):
    """Put an assessed application on the meeting's agenda, last (sending it to the board if needed)."""
    with transaction.atomic():
        meeting = locked(meeting)
        application = locked(application)
        _require_staff_or_chair(actor, meeting.programme)
        refusal = case_add_refusal(meeting, application)
        if refusal:
            raise ServiceError(refusal)
        if application.state == Application.State.IN_REVIEW:
            application = application_send_to_board(application, actor)
        assessment = application.assessment
        number = (meeting.cases.aggregate(last=Max("number"))["last"] or 0) + 1
        case = BoardCase(
            meeting=meeting,
            application=application,
            number=number,
            recommendation=assessment.reasoning,
            proposed_amount=assessment.proposed_amount,
        )
        full_clean_or_refuse(case)
        case.save()
        audit_log(
            actor=actor,
            obj=case,
            action="case:added",
            to_state=case.state,
            data={"number": number, "application_id": application.pk},
        )
    return case


def agenda_move(case, actor, offset):
    """Move a case up (-1) or down (+1) the agenda by swapping numbers with its neighbour."""
    with transaction.atomic():
        meeting = locked(case.meeting)
        _require_staff_or_chair(actor, meeting.programme)
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


def attendance_register(meeting, actor, member, stands_in_for=None):
    """Register ``member`` as present; a deputy who names ``stands_in_for`` votes in that seat."""
    with transaction.atomic():
        meeting = locked(meeting)
        _require_staff_or_chair(actor, meeting.programme)
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


def attendance_unregister(meeting, actor, member):
    """``member`` left the meeting; refused while they have a vote in a case still open, or while a
    deputy who stepped in for them in a case still open has voted there. A deputy who leaves no
    longer stands in for anyone in the cases not yet decided, and nobody steps in for them there."""
    with transaction.atomic():
        meeting = locked(meeting)
        _require_staff_or_chair(actor, meeting.programme)
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


def case_open(case, actor):
    """Open the case for voting (and the meeting, at its first case)."""
    with transaction.atomic():
        case = locked(case)
        meeting = locked(case.meeting)
        _require_staff_or_chair(actor, meeting.programme)
        if case.application.state != Application.State.TO_BOARD:
            raise ServiceError(_("Søknaden er ikke lenger til behandling i styret."))
        if meeting.state == BoardMeeting.State.PLANNED:
            transition(meeting, BoardMeeting.State.OPEN, actor=actor)
        case.opened_at = timezone.now()
        return transition(case, BoardCase.State.OPEN, actor=actor, extra_fields=["opened_at"])


def meeting_close(meeting, actor):
    """End the meeting once every case is decided; the minutes are then written (Celery)."""
    with transaction.atomic():
        meeting = locked(meeting)
        _require_staff_or_chair(actor, meeting.programme)
        if meeting.cases.exclude(state=BoardCase.State.CLOSED).exists():
            raise ServiceError(_("Alle saker må være avgjort før møtet kan avsluttes."))
        if meeting.state == BoardMeeting.State.PLANNED:
            raise ServiceError(_("Møtet er ikke holdt ennå."))
        transition(meeting, BoardMeeting.State.CLOSED, actor=actor)
        transaction.on_commit(lambda: _enqueue("meeting_minutes_build", meeting.pk), robust=True)
    return meeting


# Recusal and votes -----------------------------------------------------------------------------


def conflict_declare(case, actor, reason):
    """The actor declares themself disqualified (inhabil) in ``case``; any vote they cast is void."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            _("Skriv hvorfor du er inhabil, f.eks. styreverv eller nær familie hos søkeren."), field="reason"
        )
    with transaction.atomic():
        case = locked(case)
        seat = board_seat(actor, case.meeting.programme)
        if seat is None:
            raise ServiceError(_("Du har ikke sete i styret for dette programmet."))
        if case.state == BoardCase.State.CLOSED:
            raise ServiceError(_("Saken er avgjort; inhabilitet kan ikke erklæres etterpå."))
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


def _step_in_refusal(case, deputy, stands_in_for):
    """Why ``deputy`` cannot take recused ``stands_in_for``'s seat in ``case`` (None when they can).

    ``stands_in_for`` is the chair or a member, or a deputy sitting in one of their seats for the
    whole meeting; a personal deputy steps in only in their own member's seat."""
    if case.state == BoardCase.State.CLOSED:
        return _("Saken er avgjort; varamedlemmer kan ikke lenger tre inn.")
    programme_id = case.meeting.programme_id
    if deputy.programme_id != programme_id or not deputy.is_active or deputy.role != Role.DEPUTY:
        return _("Bare et aktivt varamedlem i dette styret kan tre inn for et inhabilt styremedlem.")
    attendance = {
        row.member_id: row
        for row in case.meeting.attendance.select_related("stands_in_for__user", "stands_in_for__programme")
    }
    if stands_in_for.has_vote:
        seat = stands_in_for
    else:
        held = attendance.get(stands_in_for.pk)
        seat = held.stands_in_for if held is not None else None
    if seat is None or stands_in_for.programme_id != programme_id or not stands_in_for.is_active:
        return _(
            "Varamedlemmet kan bare tre inn for styreleder, et styremedlem eller et varamedlem som møter "
            "for en av dem."
        )
    if deputy.deputy_for_id and deputy.deputy_for_id != seat.pk:
        return _("%(deputy)s er vara for %(member)s, ikke for %(other)s.") % {
            "deputy": deputy.user,
            "member": deputy.deputy_for.user,
            "other": seat.user,
        }
    recused = set(case.conflicts.values_list("member_id", flat=True))
    if stands_in_for.pk not in recused:
        return _("%(member)s har ikke erklært seg inhabil i saken; et varamedlem kan ikke tre inn.") % {
            "member": stands_in_for.user
        }
    if deputy.pk in recused:
        return _("%(deputy)s har selv erklært seg inhabil i saken.") % {"deputy": deputy.user}
    own = attendance.get(deputy.pk)
    if own is None:
        return _("%(deputy)s er ikke registrert som til stede på møtet.") % {"deputy": deputy.user}
    if own.stands_in_for_id:
        return _("%(deputy)s møter allerede for %(member)s på hele møtet.") % {
            "deputy": deputy.user,
            "member": own.stands_in_for.user,
        }
    if any(row.stands_in_for_id == stands_in_for.pk for row in attendance.values()):
        return _("Et varamedlem møter allerede for %(member)s på hele møtet.") % {
            "member": stands_in_for.user
        }
    for row in case.stand_ins.select_related("deputy__user", "stands_in_for__user"):
        if row.deputy_id == deputy.pk:
            return _("%(deputy)s trer allerede inn for %(member)s i denne saken.") % {
                "deputy": deputy.user,
                "member": row.stands_in_for.user,
            }
        if row.stands_in_for_id == stands_in_for.pk:
            return _("%(other)s trer allerede inn for %(member)s i denne saken.") % {
                "other": row.deputy.user,
                "member": stands_in_for.user,
            }
    if case.votes.filter(member=deputy).exists():
        return _("%(deputy)s har allerede en stemme i saken.") % {"deputy": deputy.user}
    return None


def case_deputy_candidates(case, statuses=None):
    """{seat pk: [deputies who may step in for its recused holder in ``case``]}, for the seats a
    recusal left without a vote and no deputy has taken yet."""
    statuses = seat_statuses(case) if statuses is None else statuses
    if case.state == BoardCase.State.CLOSED:
        return {}
    empty = [status for status in statuses if status.recused_holder is not None and not status.case_stand_in]
    if not empty:
        return {}
    present = [
        row.member
        for row in case.meeting.attendance.filter(stands_in_for__isnull=True, member__role=Role.DEPUTY)
        .select_related("member__user", "member__deputy_for__user")
        .order_by("member__user__full_name", "pk")
    ]
    return {
        status.seat.pk: [
            deputy for deputy in present if _step_in_refusal(case, deputy, status.recused_holder) is None
        ]
        for status in empty
    }


def case_deputy_step_in(case, actor, deputy, stands_in_for):
    """``deputy``, present at the meeting, takes the seat of ``stands_in_for``, who is recused in
    ``case``: for this case the deputy votes and counts towards quorum in that seat."""
    with transaction.atomic():
        # Locking the case serialises the stand-in with votes and with closing the case.
        case = locked(case)
        _require_staff_or_chair(actor, case.meeting.programme)
        refusal = _step_in_refusal(case, deputy, stands_in_for)
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


def case_deputy_step_out(case, actor, deputy):
    """Undo ``case_deputy_step_in`` before the deputy has voted in the case."""
    with transaction.atomic():
        case = locked(case)
        _require_staff_or_chair(actor, case.meeting.programme)
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


def vote_cast(case, actor, choice):
    """The actor votes for, against or abstains on the proposal; changeable while the case is open."""
    if choice not in Vote.Choice.values:
        raise ServiceError(_("Velg for, mot eller avstår."), field="choice")
    with transaction.atomic():
        # Locking the case serialises votes with closing it: no vote slips in after the count.
        case = locked(case)
        seat = board_seat(actor, case.meeting.programme)
        if case.state == BoardCase.State.CLOSED:
            raise ServiceError(_("Saken er avgjort; stemmen kan ikke endres."))
        if case.state != BoardCase.State.OPEN:
            raise ServiceError(_("Saken er ikke åpnet for votering ennå."))
        refusal = _refuse_vote_reason(case, seat)
        if refusal:
            raise ServiceError(refusal)
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


# Closing a case and the decision ----------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    votes_for: int
    votes_against: int
    votes_abstain: int
    not_voted: list
    voters: list  # [{"name", "role", "choice", "stands_in_for"}]
    recused: list  # [{"name", "reason"}]
    presiding: BoardMembership | None  # the møteleder, whose vote decides a tie
    presiding_choice: str


def case_tally(case, statuses=None):
    """The count over the seats as they are taken now: a vote left by someone who is no longer
    present for a seat is not counted."""
    statuses = seat_statuses(case) if statuses is None else statuses
    votes = {vote.member_id: vote for vote in case.votes.select_related("member__user")}
    counts = {choice: 0 for choice in Vote.Choice.values}
    voters, not_voted = [], []
    for status in statuses:
        if status.voter is None or status.recused:
            continue
        vote = votes.get(status.voter.pk)
        if vote is None:
            not_voted.append(str(status.voter.user))
            continue
        counts[vote.choice] += 1
        voters.append(
            {
                "name": str(status.voter.user),
                "role": status.voter.get_role_display(),
                "choice": vote.choice,
                "stands_in_for": str(status.seat.user) if status.voter.pk != status.seat.pk else "",
            }
        )
    recused = [
        {"name": str(conflict.member.user), "reason": conflict.reason}
        for conflict in case.conflicts.select_related("member__user").order_by("declared_at", "pk")
    ]
    presiding = case_presiding(case, statuses)
    return Tally(
        votes_for=counts[Vote.Choice.FOR],
        votes_against=counts[Vote.Choice.AGAINST],
        votes_abstain=counts[Vote.Choice.ABSTAIN],
        not_voted=not_voted,
        voters=voters,
        recused=recused,
        presiding=presiding,
        presiding_choice=votes[presiding.pk].choice
        if presiding is not None and presiding.pk in votes
        else "",
    )


def close_refusal(case, user, statuses=None):
    """Why ``user`` cannot close ``case`` now (None when they can); the admin shows it as it is."""
    statuses = seat_statuses(case) if statuses is None else statuses
    if case.state != BoardCase.State.OPEN:
        return _("Saken er ikke åpen for votering.")
    presiding = case_presiding(case, statuses)
    if presiding is None:
        return _(
            "Styreleder kan ikke lede saken (fraværende eller inhabil). Styret må velge en møteleder "
            "for saken blant dem som stemmer i den, før den kan avsluttes."
        )
    if presiding.user_id != getattr(user, "pk", None):
        return _("Bare styreleder, eller den styret har valgt til møteleder i saken, kan avslutte saken.")
    quorum = case_quorum(case, statuses)
    if not quorum.met:
        return _("Styret er ikke vedtaksført: %(explanation)s") % {"explanation": quorum.explanation}
    tally = case_tally(case, statuses)
    if tally.votes_for == tally.votes_against:
        if tally.votes_for == 0:
            return _("Ingen har stemt for eller mot innstillingen.")
        if tally.presiding_choice not in (Vote.Choice.FOR, Vote.Choice.AGAINST):
            return _(
                "Stemmelikhet (%(for)d–%(against)d): møteleder %(name)s må stemme for eller mot, "
                "for møteleders stemme avgjør."
            ) % {"for": tally.votes_for, "against": tally.votes_against, "name": presiding.user}
    return None


def case_close(case, actor):
    """The møteleder closes the case; the tally (or the møteleder's casting vote) decides.

    Returns the Decision, or None when a proposal to reject was voted down and the application
    went back to the programme leader.
    """
    with transaction.atomic():
        case = locked(case)
        statuses = seat_statuses(case)
        refusal = close_refusal(case, actor, statuses)
        if refusal:
            raise ServiceError(refusal)
        tally = case_tally(case, statuses)
        casting = tally.votes_for == tally.votes_against
        adopted = (
            tally.presiding_choice == Vote.Choice.FOR if casting else tally.votes_for > tally.votes_against
        )
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
        if not proposes_grant and not adopted:
            application_return_to_review(
                application,
                actor,
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
        return decision_record(
            case,
            actor,
            outcome=outcome,
            amount=amount,
            conditions=conditions,
            reason=reason,
            tally=tally,
            casting_vote_used=casting,
        )


def decision_record(case, actor, *, outcome, amount, conditions, reason, tally, casting_vote_used):
    """Record the board's vedtak and carry it out: an approval becomes an offered grant, a rejection
    rejects the application. The applicant's letter and e-mail follow after commit (Celery)."""
    with transaction.atomic():
        decision = Decision(
            application=case.application,
            case=case,
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
        warnings = (
            [str(text) for text in grant_warnings(case.application, amount)]
            if outcome == Decision.Outcome.APPROVED
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
            },
        )
        _carry_out(decision, actor)
    return decision


def _carry_out(decision, actor):
    from projects.services import grant_offer

    if decision.outcome == Decision.Outcome.APPROVED:
        grant_offer(decision, actor)
    else:
        application_reject(decision.application, actor, decision.reason or _("Avslått av styret."))
    transaction.on_commit(lambda: _enqueue("decision_letter_build", decision.pk), robust=True)


def correction_refusal(decision):
    """Why ``decision`` cannot be corrected now (None when it can); the admin shows it as it is."""
    if decision.outcome != Decision.Outcome.APPROVED:
        return _("Bare et vedtak om tilsagn kan rettes her.")
    if Decision.objects.filter(corrects=decision).exists():
        return _("Vedtaket er allerede rettet; rett det nyeste vedtaket.")
    grant = Grant.objects.filter(decision=decision).first()
    if grant is not None and grant.state != Grant.State.OFFERED:
        return _(
            "Tilsagnet har status «%(state)s». Bare et tilsagn som ennå ikke er akseptert, "
            "kan erstattes av et rettet vedtak."
        ) % {"state": grant.get_state_display()}
    return None


def decision_correct(decision, actor, *, amount, conditions, reason):
    """Correct an approving decision whose grant is not yet accepted: a new decision refers to the
    old one, the old offer is cancelled and a new one is made on the corrected terms."""
    from projects.services import grant_cancel, grant_offer

    reason = (reason or "").strip()
    conditions = (conditions or "").strip()
    if not reason:
        raise ServiceError(_("Skriv hvorfor vedtaket rettes."), field="reason")
    amount = Decimal(amount)
    if amount <= 0 or amount != amount.to_integral_value():
        raise ServiceError(_("Beløpet må være et positivt beløp i hele kroner."), field="amount")
    with transaction.atomic():
        decision = locked(decision)
        _require_staff(actor, decision.application.programme)
        # The grant row is locked before its state is read: the applicant must not accept the
        # offer between the check and its cancellation.
        grant = Grant.objects.select_for_update().filter(decision=decision).first()
        refusal = correction_refusal(decision)
        if refusal:
            raise ServiceError(refusal)
        if amount == decision.amount and conditions == decision.conditions.strip():
            raise ServiceError(
                _("Beløp og vilkår er de samme som i vedtaket; det er ingenting å rette."), field="amount"
            )
        correction = Decision(
            application=decision.application,
            corrects=decision,
            outcome=decision.outcome,
            amount=amount,
            conditions=conditions,
            reason=reason,
            votes_for=decision.votes_for,
            votes_against=decision.votes_against,
            votes_abstain=decision.votes_abstain,
            voters=decision.voters,
            recused=decision.recused,
            casting_vote_used=decision.casting_vote_used,
            presided_by=decision.presided_by,
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
            data={"corrects": decision.pk, "amount": str(amount), "old_amount": str(decision.amount)},
        )
        if grant is not None:
            # The correction's own e-mail tells the applicant the old offer is cancelled and replaced.
            grant_cancel(
                grant,
                actor,
                _("Erstattet av rettet vedtak: %(reason)s") % {"reason": reason},
                notify=False,
            )
        grant_offer(correction, actor)
        transaction.on_commit(lambda: _enqueue("decision_letter_build", correction.pk), robust=True)
    return correction


def _enqueue(task_name, object_id):
    from applications import tasks

    getattr(tasks, task_name).delay(object_id)


# Letters ----------------------------------------------------------------------------------------


def letter_issue(kind, content, *, decision=None, meeting=None):
    """Store a generated letter or minutes with its checksum. Issued letters are never edited."""
    with transaction.atomic():
        letter = Letter(
            kind=kind, decision=decision, meeting=meeting, sha256=hashlib.sha256(content).hexdigest()
        )
        letter.file.save(f"{kind}.pdf", ContentFile(content), save=False)
        full_clean_or_refuse(letter)
        letter.save()
        audit_log(
            actor=None,
            obj=decision or meeting,
            action=f"letter:{kind}",
            data={"letter_id": letter.pk, "sha256": letter.sha256},
        )
    return letter


# Reads for the case file --------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantHistory:
    grants: list  # the organisation's earlier grants in this programme
    de_minimis_years: tuple  # (first, last) fiscal year
    de_minimis_in_portal: Decimal  # de minimis grants registered here, in any programme
    de_minimis_declared: Decimal  # what the applicant declared from other aid givers

    @property
    def de_minimis_total(self):
        return self.de_minimis_in_portal + self.de_minimis_declared


def organisation_grant_history(application):
    """The applicant's earlier grants and its de minimis aid in the last three fiscal years.

    The grants listed are those of the application's own programme; the de minimis sum counts
    every programme, as a single figure, because the EEA ceiling applies to all aid together.
    """
    year = timezone.localdate().year
    grants = (
        Grant.objects.filter(application__organisation=application.organisation_id)
        .exclude(application=application)
        .filter(application__programme=application.programme_id)
        .select_related("application")
        .order_by("-year", "reference")
    )
    counted = Grant.objects.filter(
        application__organisation=application.organisation_id,
        is_de_minimis=True,
        year__gte=year - 2,
    ).exclude(state__in=[Grant.State.CANCELLED, Grant.State.LAPSED])
    in_portal = counted.aggregate(total=Sum(F("amount") - F("released_amount")))["total"] or Decimal(0)
    return GrantHistory(
        grants=list(grants),
        de_minimis_years=(year - 2, year),
        de_minimis_in_portal=in_portal,
        de_minimis_declared=application.de_minimis_received,
    )


# Warnings before a grant is decided ----------------------------------------------------------------


def de_minimis_ceiling_nok():
    """The de minimis ceiling (EUR, settings.DE_MINIMIS_CEILING_EUR) in whole kroner at the
    configured rate (settings.DE_MINIMIS_EUR_RATE)."""
    rate = Decimal(str(settings.DE_MINIMIS_EUR_RATE))
    return (Decimal(settings.DE_MINIMIS_CEILING_EUR) * rate).quantize(Decimal(1))


def grant_warnings(application, amount, history=None):
    """What the board should know before granting ``amount`` to ``application``: a call budget
    that would be exceeded, more than the programme has available this year, and de minimis aid
    that would pass the EEA ceiling. Warnings only: the programme's budget is enforced when the
    grant is offered (``projects.services.grant_offer``)."""
    from reports.selectors import budget_ledger

    amount = Decimal(amount or 0)
    if amount <= 0:
        return []
    warnings = []
    call = application.call
    if call is not None and not call.is_historical:
        granted = Grant.objects.filter(application__call=call).exclude(application=application).aggregate(
            total=Sum(F("amount") - F("released_amount"))
        )["total"] or Decimal(0)
        if granted + amount > call.budget:
            warnings.append(
                _(
                    "Utlysningens ramme overskrides: «%(call)s» har en ramme på %(budget)s, det er gitt "
                    "%(granted)s i tilsagn, og dette tilsagnet på %(amount)s gir %(total)s."
                )
                % {
                    "call": call.title,
                    "budget": format_kr(call.budget),
                    "granted": format_kr(granted),
                    "amount": format_kr(amount),
                    "total": format_kr(granted + amount),
                }
            )
    year = timezone.localdate().year
    ledger = budget_ledger(application.programme, year)
    if ledger.has_funding and amount > ledger.available:
        warnings.append(
            _(
                "Programmet har %(available)s tilgjengelig for %(year)s; et tilsagn på %(amount)s kan ikke "
                "gis før budsjettet dekker det."
            )
            % {
                "available": format_kr(max(ledger.available, 0)),
                "year": str(year),
                "amount": format_kr(amount),
            }
        )
    if application.de_minimis_declared:
        history = history or organisation_grant_history(application)
        ceiling = de_minimis_ceiling_nok()
        total = history.de_minimis_total + amount
        if total > ceiling:
            warnings.append(
                _(
                    "Bagatellstøtte: søkeren har fått %(received)s i %(first)s–%(last)s. Med dette tilsagnet "
                    "blir det %(total)s, over taket på %(eur)s euro (%(ceiling)s)."
                )
                % {
                    "received": format_kr(history.de_minimis_total),
                    "first": str(history.de_minimis_years[0]),
                    "last": str(history.de_minimis_years[1]),
                    "total": format_kr(total),
                    "eur": format_nok(settings.DE_MINIMIS_CEILING_EUR),
                    "ceiling": format_kr(ceiling),
                }
            )
    return warnings


def case_warnings(case, history=None):
    """The warnings for the board's case page while the case is undecided."""
    if case.state == BoardCase.State.CLOSED or case.proposed_amount <= 0:
        return []
    return grant_warnings(case.application, case.proposed_amount, history=history)

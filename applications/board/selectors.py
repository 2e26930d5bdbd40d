"""Reads of the board: whose seat votes in a case, quorum, the møteleder and the tally.

No write happens here; the case page, the close confirmation, the policies and the services read the
same answers.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _

from applications.models import BoardCase, Vote
from omstilling.models import BoardMembership

from .money import grant_side

Role = BoardMembership.Role


def board_seat(user, programme):
    """``user``'s active board seat in ``programme`` today, or None."""
    if user is None or not user.is_authenticated:
        return None
    return (
        BoardMembership.objects.valid_on()
        .filter(programme=programme, user=user)
        .select_related("user")
        .first()
    )


def voting_seats(programme):
    """The board's seats that carry a vote today: the chair and the members."""
    return list(
        BoardMembership.objects.valid_on()
        .filter(programme=programme, role__in=[Role.CHAIR, Role.MEMBER])
        .select_related("user")
        .order_by("role", "user__full_name", "pk")
    )


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


@dataclass(frozen=True)
class Tally:
    votes_for: int
    votes_against: int
    votes_abstain: int
    not_voted: list  # present and not recused, no vote yet
    recorded_not_voting: list  # recorded by the møteleder as not voting
    voters: list  # [{"name", "role", "choice", "stands_in_for"}]
    recused: list  # [{"name", "reason"}]
    presiding: BoardMembership | None  # the møteleder, whose vote decides a tie
    presiding_choice: str

    @property
    def casting_vote_used(self):
        return self.votes_for == self.votes_against

    @property
    def adopted(self):
        """Whether the board adopted the proposal: more for than against, or on a tie the møteleder's vote."""
        if self.casting_vote_used:
            return self.presiding_choice == Vote.Choice.FOR
        return self.votes_for > self.votes_against


def case_tally(case, statuses=None):
    """The count over the seats as they are taken now: a vote left by someone who is no longer
    present for a seat is not counted."""
    statuses = seat_statuses(case) if statuses is None else statuses
    votes = {vote.member_id: vote for vote in case.votes.select_related("member__user")}
    counts = {choice: 0 for choice in Vote.Choice.values}
    voters, not_voted, recorded_not_voting = [], [], []
    for status in statuses:
        if status.voter is None or status.recused:
            continue
        vote = votes.get(status.voter.pk)
        if vote is None:
            not_voted.append(str(status.voter.user))
            continue
        counts[vote.choice] += 1
        if vote.choice == Vote.Choice.NOT_VOTING:
            recorded_not_voting.append(str(status.voter.user))
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
        recorded_not_voting=recorded_not_voting,
        voters=voters,
        recused=recused,
        presiding=presiding,
        presiding_choice=votes[presiding.pk].choice
        if presiding is not None and presiding.pk in votes
        else "",
    )


def case_new_money(case):
    """What adopting ``case``'s proposal would grant beyond what the applicant has been granted
    already: the whole amount for a new grant; for an omgjøring or an appeal on a grant, only the
    increase (the old offer is cancelled and replaced). Upholding a decision grants nothing new."""
    replaced = case.reconsiders or (case.appeal.decision if case.appeal_id else None)
    if replaced is not None and replaced.outcome == replaced.Outcome.APPROVED:
        return max(case.proposed_amount - replaced.amount, 0)
    return case.proposed_amount


def case_warnings(case, history=None):
    """The warnings for the board's case page while the case is undecided (budgets, de minimis)."""
    if case.state == BoardCase.State.CLOSED or not case.application_id:
        return []
    amount = case_new_money(case)
    if amount <= 0:
        return []
    return grant_side().warnings(case.application, amount, history=history)

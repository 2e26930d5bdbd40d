"""The board's rules through the services: recusal, quorum, the casting vote, observers, decisions."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from applications.board.decisions import case_close, decision_correct
from applications.board.selectors import case_quorum
from applications.board.services import attendance_register, conflict_declare, vote_cast
from applications.models import Application, BoardCase, Decision, Vote
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry
from omstilling.policies import Refused
from projects.models import Grant
from tests.board.conftest import application_to_board, open_case

pytestmark = pytest.mark.django_db

FOR, AGAINST, ABSTAIN = Vote.Choice.FOR, Vote.Choice.AGAINST, Vote.Choice.ABSTAIN


def _vote(case, seats_and_choices):
    for seat, choice in seats_and_choices:
        vote_cast(case, actor=seat.user, choice=choice)


def test_recused_member_cannot_vote_and_is_not_counted(board, case):
    anders = board.members[0]
    conflict_declare(case, actor=anders.user, reason="Styremedlem i søkerbedriften.")

    with pytest.raises(ServiceError, match="inhabil"):
        vote_cast(case, actor=anders.user, choice=FOR)
    quorum = case_quorum(case)
    assert (quorum.seats, quorum.present, quorum.impartial, quorum.required) == (5, 5, 4, 3)


def test_declaring_a_conflict_after_voting_voids_the_vote_and_the_log_keeps_it(board, case):
    anders = board.members[0]
    vote_cast(case, actor=anders.user, choice=FOR)

    conflict_declare(case, actor=anders.user, reason="Søkerens daglige leder er min bror.")

    assert not Vote.objects.filter(case=case, member=anders).exists()
    entry = AuditEntry.objects.get(action="conflict:declared")
    assert entry.data["voided_vote"] == FOR
    assert entry.reason == "Søkerens daglige leder er min bror."


def test_no_quorum_means_the_case_cannot_be_closed_and_the_message_says_why(board):
    present = [board.chair, board.members[0], board.members[1]]
    case = open_case(board, application_to_board(board), present=present)
    conflict_declare(case, actor=board.members[1].user, reason="Nær familie av søkeren.")
    _vote(case, [(board.chair, FOR), (board.members[0], FOR)])

    with pytest.raises(ServiceError) as refused:
        case_close(case, actor=board.chair.user)

    assert str(refused.value) == (
        "Styret er ikke vedtaksført: 2 av 5 stemmeberettigede er til stede og habile; minst 3 kreves."
    )
    case.refresh_from_db()
    assert case.state == BoardCase.State.OPEN
    assert not Decision.objects.exists()


def test_quorum_share_is_configurable_per_meeting(board):
    present = [board.chair, board.members[0], board.members[1]]
    case = open_case(board, application_to_board(board), present=present, quorum_share=Decimal("0.60"))

    quorum = case_quorum(case)

    # More than 60 % of 5 seats is 4.
    assert (quorum.impartial, quorum.required, quorum.met) == (3, 4, False)


def test_tie_is_decided_by_the_chairs_casting_vote_and_recorded_as_such(board, case):
    conflict_declare(case, actor=board.members[3].user, reason="Eier aksjer i søkeren.")
    _vote(
        case,
        [
            (board.chair, FOR),
            (board.members[0], FOR),
            (board.members[1], AGAINST),
            (board.members[2], AGAINST),
        ],
    )

    decision = case_close(case, actor=board.chair.user)

    assert decision.outcome == Decision.Outcome.APPROVED
    assert decision.casting_vote_used is True
    assert (decision.votes_for, decision.votes_against, decision.votes_abstain) == (2, 2, 0)
    assert decision.recused == [{"name": "Dina Dahl", "reason": "Eier aksjer i søkeren."}]
    assert {voter["name"] for voter in decision.voters} == {
        "Siri Styreleder",
        "Anders Andersen",
        "Berit Bakken",
        "Carl Christensen",
    }


def test_tie_with_the_chair_against_rejects(board, case):
    _vote(
        case,
        [
            (board.chair, AGAINST),
            (board.members[0], FOR),
            (board.members[1], ABSTAIN),
            (board.members[2], FOR),
            (board.members[3], AGAINST),
        ],
    )

    decision = case_close(case, actor=board.chair.user)

    assert decision.outcome == Decision.Outcome.REJECTED
    assert decision.casting_vote_used is True


def test_only_the_chair_closes_the_case(board, case):
    _vote(case, [(seat, FOR) for seat in board.seats])

    for user in (board.members[0].user, board.leader, board.observer.user):
        with pytest.raises(ServiceError, match="Bare styreleder"):
            case_close(case, actor=user)


def test_observer_cannot_vote(board, case):
    with pytest.raises(ServiceError, match="Observatører har ikke stemmerett"):
        vote_cast(case, actor=board.observer.user, choice=FOR)
    assert not Vote.objects.exists()


def test_observer_cannot_declare_a_conflict(board, case):
    with pytest.raises(Refused, match="Observatører stemmer ikke og erklærer derfor ikke inhabilitet."):
        conflict_declare(case, actor=board.observer.user, reason="Kjenner søkeren.")
    assert not case.conflicts.exists()


def test_deputy_votes_only_when_standing_in_for_an_absent_member(board):
    dina, eva = board.members[3], board.deputy
    case = open_case(board, application_to_board(board), present=[board.chair, *board.members[:3]])
    attendance_register(case.meeting, actor=board.leader, member=eva)
    with pytest.raises(ServiceError, match="varamedlem"):
        vote_cast(case, actor=eva.user, choice=FOR)

    case.meeting.attendance.filter(member=eva).delete()
    attendance_register(case.meeting, actor=board.leader, member=eva, stands_in_for=dina)
    vote_cast(case, actor=eva.user, choice=FOR)

    assert Vote.objects.get(case=case).member == eva
    assert case_quorum(case).impartial == 5


def test_deputy_cannot_stand_in_for_a_member_who_is_present(board, case):
    with pytest.raises(ServiceError, match="selv til stede"):
        attendance_register(
            case.meeting, actor=board.leader, member=board.deputy, stands_in_for=board.members[3]
        )


def test_approved_case_becomes_an_offered_grant_with_payout_plan_and_deadline(board, case):
    board.programme.acceptance_days = 21
    board.programme.save()
    _vote(case, [(seat, FOR) for seat in board.seats])

    decision = case_close(case, actor=board.chair.user)

    grant = Grant.objects.get(decision=decision)
    assert grant.state == Grant.State.OFFERED
    assert grant.amount == Decimal(350000)
    assert (grant.payout_on_acceptance_percent, grant.holdback_percent) == (50, 50)
    assert (grant.acceptance_deadline - decision.decided_at.date()).days == 21
    assert grant.conditions == "Sluttrapport innen 1. mars 2027."
    application = Application.objects.get(pk=case.application_id)
    assert application.state == Application.State.APPROVED


def test_rejected_case_rejects_the_application(board):
    case = open_case(board, application_to_board(board, amount=Decimal(0)))
    _vote(case, [(seat, FOR) for seat in board.seats])

    decision = case_close(case, actor=board.chair.user)

    assert decision.outcome == Decision.Outcome.REJECTED
    assert decision.reason == "Prosjektet ligger utenfor planen."
    assert Application.objects.get(pk=case.application_id).state == Application.State.REJECTED
    assert not Grant.objects.exists()


def test_a_proposal_to_grant_voted_down_is_a_rejection(board, case):
    _vote(
        case,
        [
            (board.chair, AGAINST),
            (board.members[0], AGAINST),
            (board.members[1], AGAINST),
            (board.members[2], FOR),
            (board.members[3], ABSTAIN),
        ],
    )

    decision = case_close(case, actor=board.chair.user)

    assert decision.outcome == Decision.Outcome.REJECTED
    assert "350\u00a0000 kr" in decision.reason


def test_changed_vote_is_audited_and_refused_after_close(board, case):
    anders = board.members[0]
    vote_cast(case, actor=anders.user, choice=AGAINST)
    vote_cast(case, actor=anders.user, choice=FOR)

    changed = AuditEntry.objects.get(action="vote:changed")
    assert (changed.from_state, changed.to_state, changed.actor) == (AGAINST, FOR, anders.user)

    _vote(case, [(seat, FOR) for seat in board.seats[1:] if seat != anders] + [(board.chair, FOR)])
    case_close(case, actor=board.chair.user)
    with pytest.raises(ServiceError, match="avgjort"):
        vote_cast(case, actor=anders.user, choice=AGAINST)
    assert Vote.objects.get(case=case, member=anders).choice == FOR


def test_decision_is_immutable(board, case):
    _vote(case, [(seat, FOR) for seat in board.seats])
    decision = case_close(case, actor=board.chair.user)

    decision.amount = Decimal(1)
    with pytest.raises(ValidationError):
        decision.save()
    assert Decision.objects.get(pk=decision.pk).amount == Decimal(350000)


def test_correction_is_a_new_decision_that_refers_to_the_old_and_replaces_the_offer(board, case):
    _vote(case, [(seat, FOR) for seat in board.seats])
    decision = case_close(case, actor=board.chair.user)

    correction = decision_correct(
        decision,
        actor=board.leader,
        conditions="Sluttrapport innen 1. april 2027.",
        reason="Skrivefeil i fristen.",
    )

    assert correction.corrects == decision
    assert Decision.objects.get(pk=decision.pk).conditions == "Sluttrapport innen 1. mars 2027."
    assert Grant.objects.get(decision=decision).state == Grant.State.CANCELLED
    grant = Grant.objects.get(decision=correction)
    assert (grant.state, grant.amount, grant.conditions) == (
        Grant.State.OFFERED,
        Decimal(350000),
        "Sluttrapport innen 1. april 2027.",
    )


def test_a_correction_is_the_leaders_and_carries_no_tally_of_the_board(board, case):
    _vote(case, [(seat, FOR) for seat in board.seats])
    decision = case_close(case, actor=board.chair.user)

    correction = decision_correct(
        decision, actor=board.leader, conditions="Sluttrapport innen 1. april 2027.", reason="Skrivefeil."
    )

    assert (correction.outcome, correction.amount) == (decision.outcome, decision.amount)
    assert (correction.votes_for, correction.votes_against, correction.votes_abstain) == (0, 0, 0)
    assert (correction.voters, correction.recused, correction.casting_vote_used) == ([], [], False)
    assert (correction.presided_by, correction.recorded_by) == ("", board.leader)

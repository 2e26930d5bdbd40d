"""A decision of the board is changed only by the board: the programme leader puts it back before the
board as a new case (omgjøring, forvaltningsloven § 35), and the offer changes only if the board
adopts the new amount."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications.board.decisions import case_close
from applications.board.services import attendance_register, case_open, meeting_create, vote_cast
from applications.models import BoardCase, Decision, Letter, Vote
from omstilling.models import AuditEntry
from projects.models import Grant
from tests.board.conftest import application_to_board, open_case
from tests.board.pages import case_url

FOR, AGAINST = Vote.Choice.FOR, Vote.Choice.AGAINST


@pytest.fixture
def decision(board):
    """The board granted 350 000 kr; the offer is not accepted yet."""
    case = open_case(board, application_to_board(board))
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)
    return case_close(case, actor=board.chair.user)


@pytest.fixture
def next_meeting(board):
    meeting = meeting_create(board.programme, actor=board.leader, starts_at=timezone.now(), place="Rådhuset")
    for seat in board.seats:
        attendance_register(meeting, actor=board.leader, member=seat)
    return meeting


def _reconsider_url(decision):
    return reverse("admin:applications_decision_reconsider", args=[decision.pk])


def _put_back(client, board, decision, meeting, amount="400000"):
    client.force_login(board.leader)
    return client.post(
        _reconsider_url(decision),
        {
            "meeting": meeting.pk,
            "amount": amount,
            "recommendation": "Prosjektet er utvidet med et nytt delprosjekt; kostnadene er dokumentert.",
        },
    )


def _vote_all(case, board, choice):
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=choice)


@pytest.mark.django_db
def test_leader_puts_a_decision_back_before_the_board_and_the_offer_waits_for_the_vote(
    client, board, decision, next_meeting
):
    grant = Grant.objects.get(decision=decision)

    response = _put_back(client, board, decision, next_meeting)

    case = BoardCase.objects.get(reconsiders=decision)
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    assert (case.meeting, case.proposed_amount, case.state) == (next_meeting, Decimal(400000), "pending")
    grant.refresh_from_db()
    assert (grant.state, grant.amount) == (Grant.State.OFFERED, Decimal(350000))
    assert not Decision.objects.filter(corrects=decision).exists()
    page = client.get(case_url(case)).content.decode()
    assert "Omgjøring av styrets vedtak" in page


@pytest.mark.django_db
def test_board_adopts_the_new_amount_and_its_decision_replaces_the_old_offer(
    client, board, decision, next_meeting, django_capture_on_commit_callbacks
):
    _put_back(client, board, decision, next_meeting)
    case = case_open(BoardCase.objects.get(reconsiders=decision), actor=board.leader)
    _vote_all(case, board, FOR)
    client.force_login(board.chair.user)
    confirm = client.get(reverse("admin:applications_boardcase_close", args=[case.pk])).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        new = case_close(case, actor=board.chair.user)

    assert "omgjøringen er vedtatt – tilsagnet endres til 400\xa0000 kr" in confirm

    assert (new.corrects, new.case, new.amount) == (decision, case, Decimal(400000))
    assert (new.votes_for, new.votes_against, new.presided_by) == (5, 0, "Siri Styreleder")
    old_grant = Grant.objects.get(decision=decision)
    new_grant = Grant.objects.get(decision=new)
    assert old_grant.state == Grant.State.CANCELLED
    assert (new_grant.state, new_grant.amount) == (Grant.State.OFFERED, Decimal(400000))
    assert Letter.objects.filter(decision=new, kind=Letter.Kind.GRANT_LETTER).exists()
    assert "Styret i" in mail.outbox[-1].body and "omgjort" in mail.outbox[-1].body


@pytest.mark.django_db
def test_board_votes_the_new_amount_down_and_its_old_decision_stands(client, board, decision, next_meeting):
    _put_back(client, board, decision, next_meeting)
    case = case_open(BoardCase.objects.get(reconsiders=decision), actor=board.leader)
    _vote_all(case, board, AGAINST)
    client.force_login(board.chair.user)
    confirm = client.get(reverse("admin:applications_boardcase_close", args=[case.pk])).content.decode()

    closed = client.post(
        reverse("admin:applications_boardcase_close", args=[case.pk]), {"confirm": "yes"}, follow=True
    ).content.decode()

    assert "omgjøringen falt – det tidligere vedtaket står" in confirm
    # The chair is told what happened: the old decision stands (not "sent back to the administration").
    assert "Styret vedtok ikke omgjøringen; det tidligere vedtaket står." in closed
    assert "sendt tilbake til administrasjonen" not in closed

    grant = Grant.objects.get(decision=decision)
    assert (grant.state, grant.amount) == (Grant.State.OFFERED, Decimal(350000))
    assert not Decision.objects.filter(corrects=decision).exists()
    assert AuditEntry.objects.filter(action="decision:reconsideration_not_adopted").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "observer"])
def test_board_member_and_observer_cannot_put_a_decision_back_before_the_board(
    client, board, decision, next_meeting, who
):
    user = board.members[0].user if who == "member" else board.observer.user
    client.force_login(user)

    response = client.post(
        _reconsider_url(decision), {"meeting": next_meeting.pk, "amount": "400000", "recommendation": "Mer."}
    )

    assert response.status_code == 403
    assert "styreleder eller programmets administrasjon" in response.content.decode()
    assert not BoardCase.objects.filter(reconsiders=decision).exists()


@pytest.mark.django_db
def test_an_accepted_grant_is_not_put_back_before_the_board(client, board, decision, next_meeting):
    # Set up as the applicant's acceptance leaves it (the acceptance itself is tested in grants_portal).
    Grant.objects.filter(decision=decision).update(state=Grant.State.ACCEPTED, accepted_at=timezone.now())
    client.force_login(board.leader)

    page = client.get(_reconsider_url(decision)).content.decode()
    response = _put_back(client, board, decision, next_meeting)

    assert "Bare et tilsagn som ennå ikke er akseptert" in page
    assert response.status_code == 200
    assert not BoardCase.objects.filter(reconsiders=decision).exists()


@pytest.mark.django_db
def test_the_same_amount_is_nothing_to_reconsider_and_what_was_typed_is_kept(
    client, board, decision, next_meeting
):
    response = _put_back(client, board, decision, next_meeting, amount="350000")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Beløpet er det samme som i vedtaket" in page
    assert "Prosjektet er utvidet med et nytt delprosjekt" in page
    assert not BoardCase.objects.filter(reconsiders=decision).exists()

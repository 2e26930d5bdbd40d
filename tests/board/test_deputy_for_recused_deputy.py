"""A deputy who sits in an absent member's seat for the whole meeting and is recused in one case is
replaced in that case by a second deputy (the same case stand-in as for a recused member), so the
board keeps its quorum and its full vote there: through the admin's case and agenda pages."""

import pytest
from django.urls import reverse

from applications.board.selectors import case_quorum, case_tally
from applications.board.services import attendance_register
from applications.models import CaseStandIn, Decision, Vote
from omstilling.models import AuditEntry
from tests.board.conftest import free_deputy, meeting_with_cases
from tests.board.pages import case_url, post_case, post_case_refused

pytestmark = pytest.mark.django_db

FOR, AGAINST, ABSTAIN = Vote.Choice.FOR, Vote.Choice.AGAINST, Vote.Choice.ABSTAIN


def _vote(client, seat, case, choice):
    assert "Stemmen din er registrert." in post_case(
        client, seat.user, case, {"action": "vote", "choice": choice}
    )


def _leave(client, board, meeting, member):
    client.force_login(board.leader)
    url = reverse("admin:applications_boardmeeting_agenda", args=[meeting.pk])
    return client.post(url, {"action": "leave", "member": member.pk}, follow=True).content.decode()


def _meeting_with_eva_in_dinas_seat(client, board, titles=("Velferdsteknologi på Raufoss",)):
    """Siri (chair) and Anders present; Berit, Carl and Dina absent; Eva, Dina's deputy, sits in
    Dina's seat for the meeting; Frida, a deputy without a seat, is present. Eva declares herself
    recused in the first case on the case page."""
    frida = free_deputy(board)
    cases = meeting_with_cases(
        board,
        [board.chair, board.members[0]],
        titles=titles,
        deputies=[frida],
        standing_in={board.deputy: board.members[3]},
    )
    page = post_case(
        client, board.deputy.user, cases[0], {"action": "conflict", "reason": "Samboeren min eier søkeren."}
    )
    assert "Du er registrert som inhabil i saken." in page
    return cases, frida


def test_second_deputy_steps_in_for_the_recused_deputy_and_the_board_keeps_its_quorum(client, board):
    (case,), frida = _meeting_with_eva_in_dinas_seat(client, board)
    eva, dina = board.deputy, board.members[3]
    before = case_quorum(case)
    assert (before.present, before.impartial, before.required, before.met) == (3, 2, 3, False)
    client.force_login(board.leader)
    page = client.get(case_url(case)).content.decode()
    assert f'name="stands_in_for" value="{eva.pk}"' in page
    assert "Varamedlem som trer inn for Eva Vara" in page
    assert f'<option value="{frida.pk}">Frida Fri</option>' in page

    page = post_case(
        client, board.leader, case, {"action": "step_in", "deputy": frida.pk, "stands_in_for": eva.pk}
    )

    assert "Frida Fri trer inn for Eva Vara i denne saken." in page
    assert "vara for Eva Vara (inhabil i saken), som møter for Dina Dahl" in page
    after = case_quorum(case)
    assert (after.seats, after.present, after.impartial, after.met) == (5, 3, 3, True)
    assert "Du har erklært deg inhabil i denne saken og kan ikke stemme." in post_case_refused(
        client, eva.user, case, {"action": "vote", "choice": AGAINST}
    )
    _vote(client, frida, case, FOR)
    _vote(client, board.chair, case, FOR)
    _vote(client, board.members[0], case, AGAINST)
    client.force_login(board.leader)
    status = client.get(case_url(case, "status")).json()
    assert (status["for"], status["against"], status["quorum_met"]) == (2, 1, True)

    assert "Saken er avgjort: innvilget." in post_case(
        client, board.chair.user, case, {"confirm": "yes"}, "close"
    )

    decision = Decision.objects.get(case=case)
    assert (decision.votes_for, decision.votes_against, decision.casting_vote_used) == (2, 1, False)
    frida_vote = next(voter for voter in decision.voters if voter["name"] == "Frida Fri")
    assert (frida_vote["choice"], frida_vote["stands_in_for"]) == (FOR, dina.user.full_name)
    assert "Eva Vara" not in {voter["name"] for voter in decision.voters}
    assert decision.recused == [{"name": "Eva Vara", "reason": "Samboeren min eier søkeren."}]
    entry = AuditEntry.objects.get(action="case:deputy_stepped_in")
    assert (entry.data["name"], entry.data["stands_in_for"]) == ("Frida Fri", "Eva Vara")


def test_in_the_next_case_the_whole_meeting_deputy_votes_again_and_the_second_deputy_does_not(client, board):
    (first, second), frida = _meeting_with_eva_in_dinas_seat(
        client, board, titles=("Velferdsteknologi på Raufoss", "Reiseliv ved Mjøsa")
    )
    eva = board.deputy
    post_case(client, board.leader, first, {"action": "step_in", "deputy": frida.pk, "stands_in_for": eva.pk})
    _vote(client, frida, first, FOR)

    assert "Som varamedlem stemmer du bare" in post_case_refused(
        client, frida.user, second, {"action": "vote", "choice": FOR}
    )
    _vote(client, eva, second, AGAINST)

    assert case_quorum(second).impartial == 3
    assert [voter["name"] for voter in case_tally(second).voters] == ["Eva Vara"]
    assert [voter["name"] for voter in case_tally(first).voters] == ["Frida Fri"]
    assert not Vote.objects.filter(case=second, member=frida).exists()


def test_personal_deputy_steps_in_for_a_recused_deputy_only_in_her_own_members_seat(client, board):
    (case,), _frida = _meeting_with_eva_in_dinas_seat(client, board)
    carl, dina, eva = board.members[2], board.members[3], board.deputy
    gunnar = free_deputy(board, "Gunnar Gran", deputy_for=carl)
    hanne = free_deputy(board, "Hanne Holm", deputy_for=dina)
    for deputy in (gunnar, hanne):
        attendance_register(case.meeting, actor=board.leader, member=deputy)

    page = post_case(
        client, board.leader, case, {"action": "step_in", "deputy": gunnar.pk, "stands_in_for": eva.pk}
    )
    assert "Gunnar Gran er vara for Carl Christensen, ikke for Dina Dahl." in page
    assert not CaseStandIn.objects.exists()

    page = post_case(
        client, board.leader, case, {"action": "step_in", "deputy": hanne.pk, "stands_in_for": eva.pk}
    )
    assert "Hanne Holm trer inn for Eva Vara i denne saken." in page
    assert case_quorum(case).met


def test_deputy_cannot_step_in_for_a_recused_deputy_who_has_no_seat_at_the_meeting(client, board):
    frida = free_deputy(board)
    gunnar = free_deputy(board, "Gunnar Gran")
    (case,) = meeting_with_cases(board, [board.chair, *board.members[:2]], deputies=[frida, gunnar])
    post_case(client, gunnar.user, case, {"action": "conflict", "reason": "Styremedlem i søkerbedriften."})
    client.force_login(board.leader)
    assert 'value="step_in"' not in client.get(case_url(case)).content.decode()

    page = post_case(
        client, board.leader, case, {"action": "step_in", "deputy": frida.pk, "stands_in_for": gunnar.pk}
    )

    assert (
        "Varamedlemmet kan bare tre inn for styreleder, et styremedlem eller et varamedlem som møter "
        "for en av dem." in page
    )
    assert not CaseStandIn.objects.exists()


def test_recused_deputy_who_leaves_before_the_vote_takes_the_stand_in_for_her_along(client, board):
    (case,), frida = _meeting_with_eva_in_dinas_seat(client, board)
    eva = board.deputy
    post_case(client, board.leader, case, {"action": "step_in", "deputy": frida.pk, "stands_in_for": eva.pk})

    _leave(client, board, case.meeting, eva)

    assert not CaseStandIn.objects.exists()
    assert not case.meeting.attendance.filter(member=eva).exists()
    assert (case_quorum(case).present, case_quorum(case).met) == (2, False)
    entry = AuditEntry.objects.get(action="attendance:unregistered")
    assert entry.data["case_stand_ins_for_them_ended"] == [case.number]


def test_recused_deputy_cannot_leave_while_the_deputy_in_her_place_has_voted_in_an_open_case(client, board):
    (case,), frida = _meeting_with_eva_in_dinas_seat(client, board)
    eva = board.deputy
    post_case(client, board.leader, case, {"action": "step_in", "deputy": frida.pk, "stands_in_for": eva.pk})
    _vote(client, frida, case, FOR)

    page = _leave(client, board, case.meeting, eva)

    assert (
        "Frida Fri har stemt i en åpen sak i stedet for Eva Vara, som derfor ikke kan føres ut før saken er "
        "avsluttet." in page
    )
    assert case.meeting.attendance.filter(member=eva).exists()
    assert [voter["name"] for voter in case_tally(case).voters] == ["Frida Fri"]


def test_second_deputy_takes_the_chairs_seat_from_a_recused_deputy_and_leads_only_if_chosen(client, board):
    siri, anders, berit, carl, dina = board.seats
    frida, gunnar = free_deputy(board), free_deputy(board, "Gunnar Gran")
    (case,) = meeting_with_cases(board, board.members, deputies=[gunnar], standing_in={frida: siri})
    post_case(client, frida.user, case, {"action": "conflict", "reason": "Søkeren er min bror."})
    post_case(
        client, board.leader, case, {"action": "step_in", "deputy": gunnar.pk, "stands_in_for": frida.pk}
    )
    assert case_quorum(case).impartial == 5

    page = post_case(client, board.leader, case, {"action": "presiding", "member": berit.pk})

    assert "Berit Bakken leder saken som møteleder." in page
    for seat, choice in [(gunnar, FOR), (anders, FOR), (berit, AGAINST), (carl, AGAINST), (dina, ABSTAIN)]:
        _vote(client, seat, case, choice)
    assert "Bare styreleder, eller den styret har valgt" in post_case_refused(
        client, gunnar.user, case, {"confirm": "yes"}, "close"
    )
    assert "Saken er avgjort: avslått." in post_case(client, berit.user, case, {"confirm": "yes"}, "close")
    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.casting_vote_used, decision.presided_by) == (
        Decision.Outcome.REJECTED,
        True,
        "Berit Bakken",
    )
    gunnar_vote = next(voter for voter in decision.voters if voter["name"] == "Gunnar Gran")
    assert gunnar_vote["stands_in_for"] == "Siri Styreleder"

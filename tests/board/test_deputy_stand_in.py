"""A deputy present at the meeting takes the seat of a member recused (inhabil) in one case, so the
board keeps its quorum and its full vote in that case, and only in that case."""

import pytest
from django.db import IntegrityError, transaction

from applications.board.decisions import case_close
from applications.board.selectors import case_quorum, case_tally
from applications.board.services import (
    attendance_register,
    attendance_unregister,
    case_deputy_step_in,
    case_deputy_step_out,
    conflict_declare,
    vote_cast,
)
from applications.models import CaseStandIn, Decision, Vote
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry
from tests.board.conftest import free_deputy, make_board, meeting_with_cases
from tests.board.pages import browser_login, case_url
from tests.browser import assert_accessible

pytestmark = pytest.mark.django_db

FOR, AGAINST = Vote.Choice.FOR, Vote.Choice.AGAINST


@pytest.fixture
def dina_recused(board):
    """Chair, Anders and Dina present, Eva (Dina's deputy) present without a vote; Dina is recused."""
    dina = board.members[3]
    (case,) = meeting_with_cases(board, [board.chair, board.members[0], dina], deputies=[board.deputy])
    conflict_declare(case, actor=dina.user, reason="Daglig leder i søkerbedriften er min svoger.")
    return case


def test_deputy_stepping_in_for_a_recused_member_gives_the_board_its_quorum_back(board, dina_recused):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    before = case_quorum(case)
    assert (before.impartial, before.required, before.met) == (2, 3, False)

    case_deputy_step_in(case, actor=board.leader, deputy=eva, stands_in_for=dina)

    after = case_quorum(case)
    assert (after.present, after.impartial, after.required, after.met) == (3, 3, 3, True)
    entry = AuditEntry.objects.get(action="case:deputy_stepped_in")
    assert (entry.actor, entry.data["name"], entry.data["stands_in_for"]) == (
        board.leader,
        "Eva Vara",
        "Dina Dahl",
    )


def test_the_deputys_vote_counts_in_the_decision_and_the_recused_member_still_cannot_vote(
    board, dina_recused
):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    case_deputy_step_in(case, actor=board.chair.user, deputy=eva, stands_in_for=dina)

    vote_cast(case, actor=board.chair.user, choice=FOR)
    vote_cast(case, actor=board.members[0].user, choice=AGAINST)
    vote_cast(case, actor=eva.user, choice=FOR)
    with pytest.raises(ServiceError, match="inhabil"):
        vote_cast(case, actor=dina.user, choice=AGAINST)
    decision = case_close(case, actor=board.chair.user)

    assert decision.outcome == Decision.Outcome.APPROVED
    assert (decision.votes_for, decision.votes_against, decision.casting_vote_used) == (2, 1, False)
    eva_vote = next(voter for voter in decision.voters if voter["name"] == "Eva Vara")
    assert (eva_vote["choice"], eva_vote["stands_in_for"]) == (FOR, "Dina Dahl")
    assert "Dina Dahl" not in {voter["name"] for voter in decision.voters}
    assert decision.recused == [
        {"name": "Dina Dahl", "reason": "Daglig leder i søkerbedriften er min svoger."}
    ]


def test_stand_in_holds_for_that_case_only(board):
    dina, eva = board.members[3], board.deputy
    first, second = meeting_with_cases(
        board,
        [board.chair, board.members[0], dina],
        titles=("Velferdsteknologi på Raufoss", "Reiseliv ved Mjøsa"),
        deputies=[eva],
    )
    conflict_declare(first, actor=dina.user, reason="Styremedlem i søkerbedriften.")
    case_deputy_step_in(first, actor=board.leader, deputy=eva, stands_in_for=dina)
    vote_cast(first, actor=eva.user, choice=FOR)

    with pytest.raises(ServiceError, match="Som varamedlem stemmer du bare"):
        vote_cast(second, actor=eva.user, choice=FOR)
    vote_cast(second, actor=dina.user, choice=FOR)
    assert case_quorum(second).impartial == 3
    assert [voter["name"] for voter in case_tally(second).voters] == ["Dina Dahl"]
    assert not Vote.objects.filter(case=second, member=eva).exists()


def test_deputy_cannot_stand_in_for_two_members_in_one_case(board):
    carl, dina = board.members[2], board.members[3]
    frida = free_deputy(board)
    (case,) = meeting_with_cases(board, [board.chair, board.members[0], carl, dina], deputies=[frida])
    conflict_declare(case, actor=carl.user, reason="Eier aksjer i søkeren.")
    conflict_declare(case, actor=dina.user, reason="Søsteren min er daglig leder.")
    case_deputy_step_in(case, actor=board.leader, deputy=frida, stands_in_for=carl)

    with pytest.raises(ServiceError, match="Frida Fri trer allerede inn for Carl Christensen i denne saken"):
        case_deputy_step_in(case, actor=board.leader, deputy=frida, stands_in_for=dina)

    assert list(CaseStandIn.objects.values_list("stands_in_for", flat=True)) == [carl.pk]


def test_two_deputies_cannot_stand_in_for_the_same_member_in_one_case(board, dina_recused):
    case, dina = dina_recused, board.members[3]
    frida = free_deputy(board)
    attendance_register(case.meeting, actor=board.leader, member=frida)
    case_deputy_step_in(case, actor=board.leader, deputy=frida, stands_in_for=dina)

    with pytest.raises(ServiceError, match="Frida Fri trer allerede inn for Dina Dahl"):
        case_deputy_step_in(case, actor=board.leader, deputy=board.deputy, stands_in_for=dina)


def test_the_database_refuses_a_second_stand_in_for_the_same_member_or_by_the_same_deputy(
    board, dina_recused
):
    case, carl, dina, eva = dina_recused, board.members[2], board.members[3], board.deputy
    frida = free_deputy(board)
    CaseStandIn.objects.create(case=case, deputy=eva, stands_in_for=dina)

    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStandIn.objects.create(case=case, deputy=frida, stands_in_for=dina)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStandIn.objects.create(case=case, deputy=eva, stands_in_for=carl)
    assert CaseStandIn.objects.count() == 1


def test_deputy_cannot_stand_in_for_a_member_who_is_not_recused(board, dina_recused):
    case = dina_recused
    frida = free_deputy(board)
    attendance_register(case.meeting, actor=board.leader, member=frida)

    with pytest.raises(ServiceError, match="Anders Andersen har ikke erklært seg inhabil i saken"):
        case_deputy_step_in(case, actor=board.leader, deputy=frida, stands_in_for=board.members[0])
    assert not CaseStandIn.objects.exists()


def test_recused_deputy_cannot_stand_in(board, dina_recused):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    conflict_declare(case, actor=eva.user, reason="Samboeren min eier søkerbedriften.")

    with pytest.raises(ServiceError, match="Eva Vara har selv erklært seg inhabil i saken"):
        case_deputy_step_in(case, actor=board.leader, deputy=eva, stands_in_for=dina)
    assert not case_quorum(case).met


def test_personal_deputy_stands_in_only_for_her_own_member(board):
    carl, eva = board.members[2], board.deputy
    (case,) = meeting_with_cases(board, [board.chair, board.members[0], carl], deputies=[eva])
    conflict_declare(case, actor=carl.user, reason="Eier aksjer i søkeren.")

    with pytest.raises(ServiceError, match="Eva Vara er vara for Dina Dahl, ikke for Carl Christensen"):
        case_deputy_step_in(case, actor=board.leader, deputy=eva, stands_in_for=carl)


def test_deputy_must_be_at_the_meeting_without_a_seat_of_her_own(board):
    dina, eva = board.members[3], board.deputy
    (case,) = meeting_with_cases(board, [board.chair, board.members[0], dina])
    conflict_declare(case, actor=dina.user, reason="Styremedlem i søkerbedriften.")
    with pytest.raises(ServiceError, match="Eva Vara er ikke registrert som til stede"):
        case_deputy_step_in(case, actor=board.leader, deputy=eva, stands_in_for=dina)

    berit = board.members[1]
    frida = free_deputy(board)
    attendance_register(case.meeting, actor=board.leader, member=frida, stands_in_for=berit)
    with pytest.raises(ServiceError, match="Frida Fri møter allerede for Berit Bakken på hele møtet"):
        case_deputy_step_in(case, actor=board.leader, deputy=frida, stands_in_for=dina)


def test_only_the_chair_or_programme_staff_register_a_stand_in(board, dina_recused):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    for user in (board.members[0].user, eva.user, board.observer.user):
        with pytest.raises(ServiceError, match="Bare styreleder eller programmets administrasjon"):
            case_deputy_step_in(case, actor=user, deputy=eva, stands_in_for=dina)
    assert not CaseStandIn.objects.exists()


def test_stand_in_is_removed_before_the_deputy_votes_but_not_after(board, dina_recused):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    case_deputy_step_in(case, actor=board.leader, deputy=eva, stands_in_for=dina)
    case_deputy_step_out(case, actor=board.leader, deputy=eva)
    assert not CaseStandIn.objects.exists()
    assert not case_quorum(case).met
    assert AuditEntry.objects.filter(action="case:deputy_stepped_out", actor=board.leader).exists()

    case_deputy_step_in(case, actor=board.leader, deputy=eva, stands_in_for=dina)
    vote_cast(case, actor=eva.user, choice=FOR)
    with pytest.raises(ServiceError, match="Eva Vara har stemt i saken"):
        case_deputy_step_out(case, actor=board.leader, deputy=eva)
    assert CaseStandIn.objects.filter(case=case, deputy=eva).exists()


def test_no_stand_in_once_the_case_is_decided(board, dina_recused):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    for seat in (board.chair, board.members[0]):
        vote_cast(case, actor=seat.user, choice=FOR)
    frida = free_deputy(board)
    attendance_register(case.meeting, actor=board.leader, member=frida)
    case_deputy_step_in(case, actor=board.leader, deputy=frida, stands_in_for=dina)
    vote_cast(case, actor=frida.user, choice=FOR)
    case_close(case, actor=board.chair.user)

    with pytest.raises(ServiceError, match="Saken er avgjort"):
        case_deputy_step_in(case, actor=board.leader, deputy=eva, stands_in_for=board.members[0])
    with pytest.raises(ServiceError, match="Saken er avgjort"):
        case_deputy_step_out(case, actor=board.leader, deputy=frida)


def test_deputy_who_leaves_the_meeting_no_longer_sits_in_the_recused_members_seat(board, dina_recused):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    case_deputy_step_in(case, actor=board.leader, deputy=eva, stands_in_for=dina)

    attendance_unregister(case.meeting, actor=board.leader, member=eva)

    assert not CaseStandIn.objects.exists()
    assert not case_quorum(case).met
    assert AuditEntry.objects.get(action="attendance:unregistered").data["case_stand_ins_ended"] == [
        case.number
    ]


# Through the admin's case page ------------------------------------------------------------------


def test_leader_lets_the_deputy_step_in_on_the_case_page_and_the_deputy_votes_there(
    client, board, dina_recused
):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    client.force_login(board.leader)
    page = client.get(case_url(case)).content.decode()
    assert 'name="action" value="step_in"' in page
    assert f'<option value="{eva.pk}">Eva Vara</option>' in page

    response = client.post(
        case_url(case), {"action": "step_in", "deputy": eva.pk, "stands_in_for": dina.pk}, follow=True
    )

    assert "Eva Vara trer inn for Dina Dahl i denne saken." in response.content.decode()
    assert CaseStandIn.objects.get(case=case).deputy == eva
    assert "vara for Dina Dahl (inhabil i saken)" in response.content.decode()

    client.force_login(eva.user)
    assert 'name="choice"' in client.get(case_url(case)).content.decode()
    client.post(case_url(case), {"action": "vote", "choice": FOR})
    assert Vote.objects.get(case=case, member=eva).choice == FOR
    status = client.get(case_url(case, "status")).json()
    assert (status["for"], status["quorum_met"], status["voted"]) == (1, True, ["Eva Vara"])


def test_chair_removes_the_stand_in_on_the_case_page(client, board, dina_recused):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    case_deputy_step_in(case, actor=board.leader, deputy=eva, stands_in_for=dina)
    client.force_login(board.chair.user)
    assert 'name="action" value="step_out"' in client.get(case_url(case)).content.decode()

    client.post(case_url(case), {"action": "step_out", "deputy": eva.pk})

    assert not CaseStandIn.objects.exists()
    client.force_login(eva.user)
    assert 'name="choice"' not in client.get(case_url(case)).content.decode()


def test_member_deputy_and_observer_cannot_register_a_stand_in_on_the_case_page(client, board, dina_recused):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    for user in (board.members[0].user, eva.user, board.observer.user):
        client.force_login(user)
        assert 'value="step_in"' not in client.get(case_url(case)).content.decode()
        data = {"action": "step_in", "deputy": eva.pk, "stands_in_for": dina.pk}
        assert client.post(case_url(case), data).status_code == 403
    assert not CaseStandIn.objects.exists()


def test_another_programmes_leader_gets_404_on_the_case_page(client, board, dina_recused):
    case, dina, eva = dina_recused, board.members[3], board.deputy
    elverum = make_board("elverumregionen", "Omstillingsprogrammet for Elverumregionen", "elverum.demo")
    client.force_login(elverum.leader)

    data = {"action": "step_in", "deputy": eva.pk, "stands_in_for": dina.pk}
    assert client.post(case_url(case), data).status_code == 404
    assert not CaseStandIn.objects.exists()


def test_refused_stand_in_is_explained_on_the_case_page(client, board, dina_recused):
    case, eva = dina_recused, board.deputy
    client.force_login(board.leader)

    response = client.post(
        case_url(case),
        {"action": "step_in", "deputy": eva.pk, "stands_in_for": board.members[0].pk},
        follow=True,
    )

    assert "Eva Vara er vara for Dina Dahl, ikke for Anders Andersen." in response.content.decode()
    assert not CaseStandIn.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_leader_picks_the_deputy_in_the_browser_and_the_deputy_votes(
    browser_page, live_server, screenshot_dir
):
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    dina, eva = board.members[3], board.deputy
    (case,) = meeting_with_cases(board, [board.chair, board.members[0], dina], deputies=[eva])
    conflict_declare(case, actor=dina.user, reason="Daglig leder i søkerbedriften er min svoger.")
    page = browser_page
    page.set_viewport_size({"width": 1360, "height": 1000})
    url = f"{live_server.url}{case_url(case)}"

    browser_login(page, live_server, board.leader)
    page.goto(url)
    page.screenshot(path=screenshot_dir / "stand-in-01-recused.png", full_page=True)
    assert_accessible(page, "case page with a recused member")
    page.get_by_label("Varamedlem som trer inn for Dina Dahl").select_option(label="Eva Vara")
    page.get_by_role("button", name="Vara trer inn").click()
    page.wait_for_selector("text=Eva Vara trer inn for Dina Dahl i denne saken.")
    page.screenshot(path=screenshot_dir / "stand-in-02-stepped-in.png", full_page=True)
    assert_accessible(page, "case page with the deputy stepped in")

    browser_login(page, live_server, eva.user)
    page.goto(url)
    page.get_by_role("button", name="For", exact=True).click()
    page.wait_for_selector("text=Stemmen din er registrert.")
    page.screenshot(path=screenshot_dir / "stand-in-03-deputy-voted.png", full_page=True)

    assert Vote.objects.get(case=case, member=eva).choice == FOR

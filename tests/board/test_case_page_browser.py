"""The case page in a real browser, as a board member and as the chair (screenshots kept in
$E2E_SCREENSHOT_DIR when it is set)."""

import pytest

from applications.board.services import conflict_declare, vote_cast
from applications.models import Decision, Vote
from tests.board.conftest import application_to_board, make_board, open_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(browser_page):
    browser_page.set_viewport_size({"width": 1360, "height": 1000})
    return browser_page


@pytest.fixture
def shots(screenshot_dir):
    return screenshot_dir


def _login(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", "pass-word-123")
    page.click("input[type=submit]")


def test_member_votes_and_chair_closes_the_case_in_the_browser(page, live_server, shots):
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    case = open_case(board, application_to_board(board))
    conflict_declare(case, actor=board.members[3].user, reason="Styremedlem i søkerbedriften.")
    vote_cast(case, actor=board.chair.user, choice=Vote.Choice.FOR)
    vote_cast(case, actor=board.members[1].user, choice=Vote.Choice.AGAINST)
    vote_cast(case, actor=board.members[2].user, choice=Vote.Choice.ABSTAIN)
    url = f"{live_server.url}/admin/applications/boardcase/{case.pk}/votering/"

    _login(page, live_server, board.members[0].user)
    page.goto(url)
    page.screenshot(path=shots / "case-member.png", full_page=True)
    page.get_by_role("button", name="For", exact=True).click()
    page.wait_for_selector("text=Stemmen din er registrert.")
    page.screenshot(path=shots / "case-member-voted.png", full_page=True)
    assert Vote.objects.get(case=case, member=board.members[0]).choice == Vote.Choice.FOR

    _login(page, live_server, board.observer.user)
    page.goto(url)
    assert page.locator("button[name=choice]").count() == 0
    page.screenshot(path=shots / "case-observer.png", full_page=True)

    _login(page, live_server, board.chair.user)
    page.goto(url)
    page.screenshot(path=shots / "case-chair.png", full_page=True)
    page.get_by_role("link", name="Avslutt sak").click()
    page.screenshot(path=shots / "case-chair-confirm.png", full_page=True)
    page.get_by_role("button", name="Ja, avslutt saken og registrer vedtaket").click()
    page.wait_for_selector("text=Saken er avgjort: innvilget.")
    page.screenshot(path=shots / "case-decided.png", full_page=True)

    decision = Decision.objects.get(case=case)
    assert (decision.votes_for, decision.votes_against, decision.votes_abstain) == (2, 1, 1)

    _login(page, live_server, board.leader)
    page.goto(f"{live_server.url}/admin/applications/boardmeeting/{case.meeting_id}/saksliste/")
    assert page.get_by_text("innvilget 350\u00a0000 kr").count() == 1
    page.screenshot(path=shots / "meeting-agenda.png", full_page=True)

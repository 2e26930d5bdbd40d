"""The appeal's pages in a real browser, checked with axe (screenshots kept in $E2E_SCREENSHOT_DIR
when it is set): the appeal as the programme leader sees it, the meeting's agenda listing it, the
page that puts it before the board, and the case page a board member votes on."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications.board.services import case_add_appeal
from applications.models import Letter
from applications.services.appeals import appeal_lodge
from tests.appeals.conftest import applicant_of, decide, next_meeting
from tests.board.conftest import make_board
from tests.browser import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

RECOMMENDATION = "Prosjektet hører til innsatsområde 2; klagen tas til følge."
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _login(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", "pass-word-123")
    page.click("input[type=submit]")


def test_the_appeal_page_the_agenda_and_the_case_page_are_accessible(
    browser_page, live_server, screenshot_dir
):
    page = browser_page
    page.set_viewport_size({"width": 1360, "height": 1000})
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    rejection = decide(board)
    Letter.objects.filter(decision=rejection).update(created_at=timezone.now() - dt.timedelta(days=30))
    appeal = appeal_lodge(
        rejection.application,
        actor=applicant_of(rejection.application),
        reasons=(
            "Styret la til grunn at prosjektet ligger utenfor planen, men det hører til innsatsområde 2."
            "\n\nVi legger ved utdraget av omstillingsplanen som viser det."
        ),
        uploads=[SimpleUploadedFile("innsatsomrade.pdf", PDF, content_type="application/pdf")],
    )
    meeting = next_meeting(board)
    later = next_meeting(board, place="Kommunestyresalen")

    _login(page, live_server, board.leader)
    page.goto(f"{live_server.url}/admin/applications/appeal/{appeal.pk}/change/")
    page.screenshot(path=screenshot_dir / "appeal-change.png", full_page=True)
    assert_accessible(page, "appeal change page")
    page.goto(f"{live_server.url}/admin/applications/boardmeeting/{meeting.pk}/saksliste/")
    page.screenshot(path=screenshot_dir / "appeal-agenda.png", full_page=True)
    assert_accessible(page, "agenda with appeals waiting")
    page.get_by_role("link", name="Før opp på dette møtet").click()
    page.get_by_label("Innstilling til styret").fill(RECOMMENDATION)
    page.get_by_label("Foreslått beløp (kr)").fill("12.5")
    page.get_by_role("button", name="Før opp saken").click()
    page.wait_for_selector("text=Oppgi beløpet i hele kroner")
    page.screenshot(path=screenshot_dir / "appeal-to-board-error.png", full_page=True)
    assert_accessible(page, "appeal to the board, refused amount")

    case = case_add_appeal(
        later,
        actor=board.leader,
        appeal=appeal,
        proposed_amount="300000",
        recommendation=RECOMMENDATION,
    )
    _login(page, live_server, board.members[0].user)
    page.goto(f"{live_server.url}/admin/applications/boardcase/{case.pk}/votering/")
    page.get_by_text("Klagen kom etter klagefristen.").wait_for()
    page.screenshot(path=screenshot_dir / "appeal-case.png", full_page=True)
    assert_accessible(page, "appeal case page")
    assert page.get_by_role("link", name="innsatsomrade.pdf").count() == 1

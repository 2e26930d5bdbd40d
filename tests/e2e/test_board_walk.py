"""The board's rules in a real browser: a board member, the observer, the møteleder and the programme
leader each walk their part of one case, with real clicks (issue 15).

1. A board member sees in the admin only the application on the agenda (not the programme's draft),
   downloads its attachment through the link on its admin page, and votes on the case page.
2. The observer sees the case page without vote or conflict controls, is told the draft does not
   exist, and finds no annual report among the report jobs.
3. The møteleder records "stemte ikke" for a present member who gave no vote and closes the case
   through the confirmation page.
4. The programme leader puts the decision back before the board ("Omgjøring i styret") with a new
   amount and lands on the new case page.

axe-core must find nothing on any page visited; a full-page screenshot of each stop is kept in
/tmp/walk/NN-name.png.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.board.services import vote_cast
from applications.models import ApplicationSnapshot, BoardCase, ConflictDeclaration, Decision, Vote
from applications.services import _snapshot_data
from omstilling.formatting import long_date
from reports.models import ReportJob
from tests.board.conftest import application_to_board, make_board, open_case
from tests.board.integrity_helpers import attach_pdf, done_report_job, draft_application, planned_meeting
from tests.board.pages import browser_login, case_url
from tests.browser import Walk, unnamed_violations
from tests.portal.files import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/walk")

AGENDA_TITLE = "Velferdsteknologi på Raufoss"
DRAFT_TITLE = "Utkast: Sentrumsutvikling på Raufoss"


def submitted_with_attachment(board):
    """The application on the agenda, with a PDF attachment that its submitted copy lists."""
    application = application_to_board(board, title=AGENDA_TITLE)
    attachment = attach_pdf(application, name="prosjektplan.pdf")
    ApplicationSnapshot.objects.create(
        application=application,
        submitted_at=application.submitted_at or timezone.now(),
        submitted_by=None,
        data=_snapshot_data(
            application,
            list(application.cost_lines.order_by("order")),
            list(application.financing_lines.order_by("order")),
        ),
    )
    return application, attachment


@pytest.fixture
def board(db):
    """The board of tests/board/conftest.py's ``board`` fixture (fixtures there are not seen here)."""
    return make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")


class BoardWalk(Walk):
    """``Walk``, but a page's axe violations (and what ``expect`` finds wrong on a page) are collected
    and asserted once at the end of the walk, so that one run reports every page that has any."""

    def __init__(self, page, screenshot_dir):
        super().__init__(page, screenshot_dir)
        self.violations = []
        self.problems = []

    def expect(self, ok, message):
        if not ok:
            self.problems.append(f"after {len(self.stops):02d}-{self.stops[-1]}: {message}")

    def check(self, name):
        self.page.screenshot(
            path=str(self.screenshot_dir / f"{len(self.stops) + 1:02d}-{name}.png"), full_page=True
        )
        self.stops.append(name)
        unnamed, results = unnamed_violations(self.page)
        if unnamed:
            self.violations.append(
                f"{len(self.stops):02d}-{name} ({self.page.url}):\n{results.generate_report()}"
            )

    def assert_clean(self):
        report = [*self.problems, *(["axe found violations:", *self.violations] if self.violations else [])]
        assert not report, "\n\n".join(report)


@pytest.fixture
def walk(browser_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    browser_page.set_viewport_size({"width": 1360, "height": 1000})
    return BoardWalk(browser_page, SHOTS)


def test_board_member_observer_moteleder_and_leader_walk_one_case(live_server, walk, board):
    page = walk.page
    # The draft first: it makes the programme's focus area, which the submitted application reuses.
    draft, _draft_attachment = draft_application(board, title=DRAFT_TITLE)
    application, attachment = submitted_with_attachment(board)
    case = open_case(board, application)
    report_job = done_report_job(board.programme)
    siri, anders, berit, carl, dina = board.seats
    case_page = f"{live_server.url}{case_url(case)}"

    # 1. A board member ---------------------------------------------------------------------------
    browser_login(page, live_server, anders.user)
    page.wait_for_url(f"{live_server.url}/admin/")
    walk.check("medlem-forside")

    walk.link("Søknader")
    page.wait_for_url(re.compile(r"/admin/applications/application/$"))
    results = page.locator("#result_list")
    assert results.get_by_text(AGENDA_TITLE, exact=True).count() == 1
    assert results.get_by_text(DRAFT_TITLE).count() == 0, "the board member sees the applicant's draft"
    assert results.locator("tbody tr").count() == 1
    walk.check("medlem-soknadsliste")

    results.get_by_role("link", name=application.reference, exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/applications/application/{application.pk}/change/$"))
    assert page.get_by_role("heading", name=re.compile(r"^Innsendt versjon")).is_visible()
    walk.check("medlem-soknad")

    submitted_copy = page.locator(".bc-file .bc-main")
    assert submitted_copy.get_by_text("Innsendt versjon").is_visible()
    with page.expect_download() as download_info:
        submitted_copy.get_by_role("link", name="prosjektplan.pdf", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "prosjektplan.pdf"
    assert download.url.endswith(
        reverse("admin:applications_application_attachment", args=[application.pk, attachment.pk])
    )
    assert Path(download.path()).read_bytes() == PDF
    # The same link, fetched with the member's session: a 200 with the PDF's bytes.
    fetched = page.request.get(download.url)
    assert fetched.status == 200
    assert fetched.body() == PDF

    page.get_by_role("link", name=re.compile(r"^Sak 1, styremøte")).click()
    page.wait_for_url(case_page)
    assert page.get_by_text("Du har ikke stemt ennå.").is_visible()
    walk.check("medlem-sak")

    walk.button("For")
    page.wait_for_selector("text=Stemmen din er registrert.")
    assert page.get_by_text("Du har stemt «For».").is_visible()
    assert page.locator("[data-tally=not_voted]").inner_text() == "4"
    walk.check("medlem-har-stemt")
    assert Vote.objects.get(case=case, member=anders).choice == Vote.Choice.FOR

    # 2. The observer -----------------------------------------------------------------------------
    browser_login(page, live_server, board.observer.user)
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(case_page)
    assert page.get_by_text("Du er observatør. Du ser saken og resultatet, men stemmer ikke.").is_visible()
    assert page.locator("button[name=choice]").count() == 0, "the observer is offered the vote"
    assert page.locator("input[name=action][value=conflict]").count() == 0
    assert page.get_by_text("Jeg er inhabil").count() == 0, "the observer is offered the conflict form"
    assert page.locator("#conflict-reason").count() == 0
    walk.check("observator-sak")

    draft_response = page.goto(
        f"{live_server.url}{reverse('admin:applications_application_change', args=[draft.pk])}"
    )
    # The admin answers an object the user may not know of as missing: a 404, or its redirect to the
    # index saying the object does not exist.
    assert draft_response.status == 404 or page.url == f"{live_server.url}/admin/", (
        draft_response.status,
        page.url,
    )
    assert page.get_by_text(DRAFT_TITLE).count() == 0
    assert page.get_by_text("prosjektplan.pdf").count() == 0
    walk.check("observator-utkast-finnes-ikke")

    reports_response = page.goto(f"{live_server.url}{reverse('admin:reports_reportjob_changelist')}")
    if reports_response.status == 200:
        # The list opens, but holds no report of the programme.
        assert page.locator("#result_list tbody tr").count() == 0
        assert page.get_by_role("link", name="Åpne").count() == 0
        assert page.locator(f"a[href*='/reportjob/{report_job.pk}/']").count() == 0
    else:
        assert reports_response.status in (403, 404), reports_response.status
    walk.check("observator-rapportjobber")
    assert ReportJob.objects.get(pk=report_job.pk).state == ReportJob.State.DONE
    assert not ConflictDeclaration.objects.filter(case=case).exists()

    # 3. The møteleder ----------------------------------------------------------------------------
    for seat in (siri, berit, carl):
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
    browser_login(page, live_server, siri.user)
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(case_page)
    walk.check("moteleder-sak")

    page.get_by_label("Før at et medlem ikke stemte", exact=True).select_option(label=str(dina.user))
    walk.button("Før som «stemte ikke»")
    page.wait_for_selector(f"text={dina.user} er ført som «stemte ikke».")
    walk.check("moteleder-stemte-ikke-fort")
    dina_row = page.locator(".bc-seats li").filter(has_text=str(dina.user)).locator(".what").inner_text()
    walk.expect(
        "har stemt" not in dina_row and "stemte ikke" in dina_row.lower(),
        f"the case page says {dina_row.strip()!r} for {dina.user}, whom the møteleder recorded as "
        "«stemte ikke»; it should say «stemte ikke», not «har stemt»",
    )
    not_voting = Vote.objects.get(case=case, member=dina)
    assert not_voting.choice == Vote.Choice.NOT_VOTING

    walk.link("Avslutt sak")
    page.wait_for_url(re.compile(rf"/boardcase/{case.pk}/avslutt/$"))
    walk.check("moteleder-bekreft-avslutning")
    walk.button("Ja, avslutt saken og registrer vedtaket")
    page.wait_for_selector("text=Saken er avgjort: innvilget.")
    walk.check("moteleder-avgjort")
    case.refresh_from_db()
    assert case.state == BoardCase.State.CLOSED
    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.amount) == (Decision.Outcome.APPROVED, 350000)
    assert (decision.votes_for, decision.votes_against, decision.votes_abstain) == (4, 0, 0)

    # 4. The programme leader ---------------------------------------------------------------------
    next_meeting = planned_meeting(board, starts_at=timezone.now() + dt.timedelta(days=14))
    browser_login(page, live_server, board.leader)
    page.wait_for_url(f"{live_server.url}/admin/")
    walk.link("Vedtak")
    page.wait_for_url(re.compile(r"/admin/applications/decision/$"))
    walk.check("leder-vedtaksliste")
    page.locator("#result_list").get_by_role("link", name=str(application), exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/applications/decision/{decision.pk}/change/$"))
    walk.check("leder-vedtak")

    walk.link("Omgjøring i styret")
    page.wait_for_url(re.compile(rf"/admin/applications/decision/{decision.pk}/omgjoring/$"))
    walk.check("leder-omgjoring")
    page.get_by_label("Styremøte", exact=True).select_option(
        label=f"{long_date(next_meeting.starts_at)} – {next_meeting.place}"
    )
    page.get_by_label("Foreslått nytt beløp (kr)", exact=True).fill("300000")
    page.get_by_label("Innstilling til styret", exact=True).fill(
        "Kostnadsplanen er redusert; administrasjonen innstiller på 300 000 kr."
    )
    walk.check("leder-omgjoring-utfylt")
    walk.button("Før opp saken")

    page.wait_for_url(re.compile(r"/admin/applications/boardcase/\d+/votering/$"))
    new_case = BoardCase.objects.get(reconsiders=decision)
    assert page.url == f"{live_server.url}{case_url(new_case)}"
    assert new_case.meeting_id == next_meeting.pk
    assert new_case.proposed_amount == 300000
    assert page.get_by_text(re.compile(r"^Omgjøringen er ført opp som sak \d+ på styremøtet")).is_visible()
    assert page.get_by_text(re.compile(r"^Omgjøring av styrets vedtak av")).is_visible()
    walk.check("leder-ny-sak")
    # Nothing changes for the applicant until the board has voted the new amount.
    decision.refresh_from_db()
    assert decision.amount == 350000
    assert not Decision.objects.filter(corrects=decision).exists()

    assert len(walk.stops) == 17
    walk.assert_clean()

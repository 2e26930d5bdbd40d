"""Issue 16's walk in a real browser: the programme leader asks for a document, the applicant supplies
it, the board rejects the application, the applicant appeals, and the board reverses its decision.
Then the leader screens one entry of the public journal, and the public journal shows the walk's
documents with that one withheld.

axe-core must find nothing the accessibility statement does not name on any page visited; a full-page
screenshot of each stop is kept in /tmp/walk16b/NN-name.png.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from applications.board.services import attendance_register, meeting_create, vote_cast
from applications.models import (
    Appeal,
    Application,
    BoardCase,
    Decision,
    JournalEntry,
    OrganisationMembership,
    SupplementRequest,
    Vote,
)
from applications.services.journal import register_application
from projects.models import Grant
from tests.board.conftest import application_to_board, make_board
from tests.board.pages import PASSWORD, browser_login
from tests.browser import Walk
from tests.factories import UserFactory
from tests.portal.files import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/walk16b")
TITLE = "Velferdsteknologi på Raufoss"


def _meeting(board, place):
    meeting = meeting_create(board.programme, actor=board.leader, starts_at=timezone.now(), place=place)
    for seat in board.seats:
        attendance_register(meeting, actor=board.leader, member=seat)
    return meeting


def _applicant_login(page, live_server, applicant):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/konto/logg-inn/")
    page.get_by_label("E-postadresse").fill(applicant.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def _board_decides(page, live_server, walk, board, meeting, choice, name):
    """The leader opens the case from the agenda; the members vote (their own pages are tested
    elsewhere); the chair votes and closes the case in the browser."""
    browser_login(page, live_server, board.leader)
    page.goto(f"{live_server.url}/admin/applications/boardmeeting/{meeting.pk}/saksliste/")
    walk.check(f"{name}-agenda")
    walk.button("Åpne for votering")
    case = BoardCase.objects.get(meeting=meeting)
    assert case.state == BoardCase.State.OPEN
    for seat in board.members:
        vote_cast(case, actor=seat.user, choice=choice)
    browser_login(page, live_server, board.chair.user)
    page.goto(f"{live_server.url}/admin/applications/boardcase/{case.pk}/votering/")
    walk.check(f"{name}-case")
    walk.button("For" if choice == Vote.Choice.FOR else "Mot")
    page.get_by_role("link", name="Avslutt sak").click()
    walk.check(f"{name}-close-confirm")
    page.get_by_role("button", name="Ja, avslutt saken og registrer vedtaket").click()
    walk.check(f"{name}-closed")
    return case


def test_the_leader_asks_the_applicant_supplies_the_board_rejects_she_appeals_and_the_board_reverses(
    browser_page, live_server, tmp_path
):
    SHOTS.mkdir(exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    walk = Walk(page, SHOTS)
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    board.programme.appeal_body = "klagenemnda i Vestre Toten kommune"
    board.programme.save()
    application = application_to_board(board, title=TITLE, amount=Decimal(300000))
    Application.objects.filter(pk=application.pk).update(state=Application.State.IN_REVIEW)
    register_application(application, registered_at=application.submitted_at)
    applicant = UserFactory(
        email="kari@raufoss-velferd.no", full_name="Kari Nordmann", email_verified_at=timezone.now()
    )
    applicant.set_password(PASSWORD)
    applicant.save()
    OrganisationMembership.objects.create(
        organisation=application.organisation, user=applicant, role=OrganisationMembership.Role.ADMIN
    )

    # 1. The leader asks for a document on the application's admin page.
    browser_login(page, live_server, board.leader)
    page.goto(f"{live_server.url}/admin/applications/application/{application.pk}/change/")
    walk.link("Meldinger og ettersending")
    page.get_by_label("Hva må søkeren ettersende eller rette?").fill(
        "Send oss avtalen med kommunen om utprøving i hjemmetjenesten."
    )
    page.get_by_label("Svarfrist").fill((timezone.localdate() + dt.timedelta(days=14)).isoformat())
    walk.button("Send anmodningen")
    walk.check("leader-asks")

    # 2. The applicant supplies it in the portal.
    _applicant_login(page, live_server, applicant)
    page.goto(f"{live_server.url}/soknader/{application.pk}/")
    walk.link("Svar og last opp dokumenter")
    page.get_by_label("Svar").fill("Her er avtalen med Vestre Toten kommune.")
    agreement = tmp_path / "avtale-hjemmetjenesten.pdf"
    agreement.write_bytes(PDF)
    page.get_by_label("Dokumenter").set_input_files(str(agreement))
    walk.button("Send svaret")
    walk.check("applicant-supplies")
    assert not SupplementRequest.objects.filter(application=application, answered_at__isnull=True).exists()

    # 3. The leader puts the application on the agenda; the board votes the grant down: a rejection.
    first = _meeting(board, "Rådhuset, Raufoss")
    browser_login(page, live_server, board.leader)
    page.goto(f"{live_server.url}/admin/applications/boardmeeting/{first.pk}/saksliste/")
    page.get_by_label("Før opp søknad").select_option(str(application.pk))
    page.locator("form:has(#add-application)").get_by_role("button", name="Før opp").click()
    _board_decides(page, live_server, walk, board, first, Vote.Choice.AGAINST, "board-rejects")
    rejection = Decision.objects.get(application=application)
    assert rejection.outcome == Decision.Outcome.REJECTED
    assert page.get_by_text("Saken er avgjort: avslått.").is_visible()

    # 4. The applicant reads the rejection and appeals, with a document.
    _applicant_login(page, live_server, applicant)
    page.goto(f"{live_server.url}/soknader/{application.pk}/")
    walk.check("applicant-rejected")
    page.get_by_role("link", name="Klag på vedtaket").click()
    walk.check("appeal-form")
    page.get_by_label("Begrunnelse for klagen").fill(
        "Avtalen med kommunen viser at utprøvingen er sikret; styret la til grunn at den manglet."
    )
    page.get_by_label("Dokumenter").set_input_files(str(agreement))
    walk.button("Send klagen")
    walk.check("appeal-lodged")
    appeal = Appeal.objects.get(application=application)
    assert (appeal.state, appeal.is_late, appeal.decision) == (Appeal.State.RECEIVED, False, rejection)

    # 5. The leader puts the appeal before the board, proposing to reverse with a grant of 300 000 kr.
    second = _meeting(board, "Kommunestyresalen, Raufoss")
    browser_login(page, live_server, board.leader)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Klager som venter på styret").click()
    walk.check("leader-appeals-waiting")
    assert page.get_by_role("link", name=application.reference).count() == 1
    page.goto(f"{live_server.url}/admin/applications/boardmeeting/{second.pk}/saksliste/")
    walk.check("leader-agenda-with-appeal")
    page.get_by_role("link", name="Før opp på dette møtet").first.click()
    walk.check("leader-appeal-to-board")
    assert page.get_by_label("Styremøte").input_value() == str(second.pk)
    page.get_by_label("Foreslått beløp (kr)").fill("300000")
    page.get_by_label("Innstilling til styret").fill(
        "Avtalen med kommunen var ettersendt før møtet. Vedtaket omgjøres: tilsagn på 300 000 kr."
    )
    walk.button("Før opp saken")
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.ON_AGENDA

    # 6. The board reverses its decision.
    _board_decides(page, live_server, walk, board, second, Vote.Choice.FOR, "board-reverses")
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.REVERSED
    reversal = Decision.objects.get(application=application, corrects=rejection)
    assert (reversal.outcome, reversal.amount) == (Decision.Outcome.APPROVED, Decimal(300000))
    assert Grant.objects.get(decision=reversal).state == Grant.State.OFFERED

    # 7. The applicant sees the new decision, the offer and the appeal's outcome.
    _applicant_login(page, live_server, applicant)
    page.goto(f"{live_server.url}/soknader/{application.pk}/")
    walk.check("applicant-reversed")
    text = page.content()
    assert "Innvilget" in text and "Styret omgjorde vedtaket" in text
    page.get_by_text("Vedtaket det ble klaget på").click()
    assert page.get_by_text("Omgjort etter klage ved vedtak av").is_visible()

    # 8. The leader screens the supplement's title in the journal (business secrets).
    supplement_entry = JournalEntry.objects.get(application=application, kind=JournalEntry.Kind.SUPPLEMENT)
    browser_login(page, live_server, board.leader)
    page.goto(f"{live_server.url}/admin/applications/journalentry/{supplement_entry.pk}/change/")
    page.get_by_label("Tittel skjermet").check()
    page.get_by_label("Hjemmel for skjerming").select_option(JournalEntry.Basis.BUSINESS_SECRETS)
    page.get_by_role("button", name="Lagre", exact=True).click()
    walk.check("leader-screens-entry")
    supplement_entry.refresh_from_db()
    assert supplement_entry.title_screened

    # 9. The public journal lists the walk's documents, the supplement's title withheld.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/journal/vestre-toten/")
    walk.check("public-journal")
    text = page.content()
    for title in (
        f"Søknad om tilskudd: {TITLE}",
        f"Avslagsbrev: {TITLE}",
        f"Klage på vedtak: {TITLE}",
        f"Tilsagnsbrev: {TITLE}",
    ):
        assert title in text, title
    assert f"Ettersendt dokumentasjon: {TITLE}" not in text
    assert "Skjermet" in text
    entries = JournalEntry.objects.filter(application=application).order_by("sequence")
    kinds = list(entries.values_list("kind", "direction"))
    assert kinds == [
        ("application", "I"),
        ("supplement", "I"),
        ("letter", "U"),
        ("appeal", "I"),
        ("letter", "U"),
    ]

"""Issue 16 in a real browser: the programme leader asks for more information in the admin, the
applicant answers in the portal with a document and writes a message, and the public journal, the
privacy and accessibility statements and "Personvern: dine opplysninger" are what they say.

axe-core must find nothing the accessibility statement does not name on any page visited; a full-page
screenshot of each stop is kept in /tmp/walk16/NN-name.png.
"""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from applications.models import Application, JournalEntry, OrganisationMembership, SupplementRequest
from tests.board.conftest import application_to_board, make_board
from tests.board.pages import PASSWORD, browser_login
from tests.browser import Walk
from tests.factories import UserFactory
from tests.portal.files import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/walk16")


def test_the_leader_asks_the_applicant_answers_and_the_public_sees_the_journal(
    browser_page, live_server, tmp_path
):
    SHOTS.mkdir(exist_ok=True)
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    application = application_to_board(board, title="Velferdsteknologi på Raufoss")
    Application.objects.filter(pk=application.pk).update(state=Application.State.IN_REVIEW)
    applicant = UserFactory(
        email="kari@raufoss-velferd.no", full_name="Kari Nordmann", email_verified_at=timezone.now()
    )
    applicant.set_password(PASSWORD)
    applicant.save()
    OrganisationMembership.objects.create(
        organisation=application.organisation, user=applicant, role=OrganisationMembership.Role.ADMIN
    )
    page = browser_page
    walk = Walk(page, SHOTS)

    # 1. The leader asks for more information on the application's admin page.
    browser_login(page, live_server, board.leader)
    page.goto(f"{live_server.url}/admin/applications/application/{application.pk}/change/")
    walk.link("Meldinger og ettersending")
    walk.check("leader-case-exchange")
    page.get_by_label("Hva må søkeren ettersende eller rette?").fill(
        "Send oss et oppdatert budsjett for 2027."
    )
    page.get_by_label("Svarfrist").fill((timezone.localdate() + dt.timedelta(days=14)).isoformat())
    walk.button("Send anmodningen")
    walk.check("leader-request-sent")
    assert SupplementRequest.objects.filter(application=application, answered_at__isnull=True).exists()

    # 2. The applicant answers in the portal with a document, then writes a message.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/konto/logg-inn/")
    page.get_by_label("E-postadresse").fill(applicant.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.goto(f"{live_server.url}/soknader/{application.pk}/")
    walk.check("applicant-sees-request")
    walk.link("Svar og last opp dokumenter")
    walk.check("applicant-answer-form")
    page.get_by_label("Svar").fill("Her er det oppdaterte budsjettet.")
    budget = tmp_path / "budsjett-2027.pdf"
    budget.write_bytes(PDF)
    page.get_by_label("Dokumenter").set_input_files(str(budget))
    walk.button("Send svaret")
    walk.check("applicant-answered")
    assert "Besvart" in page.content() and "budsjett-2027.pdf" in page.content()
    page.get_by_label("Ny melding").fill("Takk! Si fra om dere trenger mer.")
    walk.button("Send melding til programmet")
    walk.check("applicant-message-sent")
    page.goto(f"{live_server.url}/konto/personvern/")
    walk.check("my-data")

    # 3. The public: the journal shows the application and the answer; the two statements.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/journal/vestre-toten/")
    walk.check("public-journal")
    assert "Ettersendt dokumentasjon: Velferdsteknologi på Raufoss" in page.content()
    assert JournalEntry.objects.filter(application=application, kind="supplement").exists()
    page.goto(f"{live_server.url}/personvern/")
    walk.check("privacy-statement")
    page.goto(f"{live_server.url}/tilgjengelighet/")
    walk.check("accessibility-statement")

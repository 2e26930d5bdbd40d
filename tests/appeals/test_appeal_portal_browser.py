"""The applicant appeals a rejection in a real browser, after the deadline: the form with its warning
and the application's page with the appeal received. axe-core must find nothing the accessibility
statement does not name on either page; the screenshots go to ``screenshot_dir``."""

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import Appeal, Letter
from tests.appeals.conftest import applicant_of, decide
from tests.board.conftest import make_board
from tests.board.pages import PASSWORD
from tests.browser import Walk
from tests.portal.files import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_applicant_appeals_a_rejection_after_the_deadline(
    browser_page, live_server, screenshot_dir, tmp_path
):
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    rejection = decide(board)
    Letter.objects.filter(decision=rejection).update(created_at=timezone.now() - dt.timedelta(days=30))
    applicant = applicant_of(rejection.application)
    applicant.email_verified_at = timezone.now()
    applicant.set_password(PASSWORD)
    applicant.save()
    page = browser_page
    walk = Walk(page, screenshot_dir, prefix="appeal-")

    page.goto(f"{live_server.url}/konto/logg-inn/")
    page.get_by_label("E-postadresse").fill(applicant.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.goto(f"{live_server.url}/soknader/{rejection.application_id}/")
    walk.link("Klag på vedtaket")
    walk.check("form")
    assert page.get_by_role("heading", name="Klagefristen har gått ut").is_visible()

    page.get_by_label("Begrunnelse for klagen").fill(
        "Styret la til grunn at prosjektet ligger utenfor planen.\nDet hører til innsatsområde 2."
    )
    plan = tmp_path / "ny-plan.pdf"
    plan.write_bytes(PDF)
    page.get_by_label("Dokumenter").set_input_files(str(plan))
    walk.button("Send klagen")
    walk.check("received")
    assert "Mottatt" in page.content() and "ny-plan.pdf" in page.content()
    appeal = Appeal.objects.get(application=rejection.application)
    assert appeal.is_late and appeal.attachments.count() == 1

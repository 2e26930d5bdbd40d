"""A grant holder, reading only the pages, goes from an offered grant to the final payout request.

Every new page on the way, forms with errors included, is checked with axe-core and must have no
violations; a screenshot is taken at each stop.
"""

import pytest
from django.utils import timezone
from pypdf import PdfReader

from applications.models import OrganisationMembership
from applications.tasks import decision_letter_build
from projects.models import Grant, Payout, ResultReport
from tests.browser import Walk, required
from tests.factories import OrganisationFactory, OrganisationMembershipFactory, ProgrammeFactory, UserFactory
from tests.grants_portal.conftest import make_offer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "kari@raufoss-velferd.no"
PASSWORD = "Raufoss-og-Totenvika-2026"


@pytest.fixture
def offered():
    programme = ProgrammeFactory(
        slug="vestre-toten",
        name="Omstillingsprogrammet i Vestre Toten",
        short_name="Vestre Toten",
        payout_on_acceptance_percent=40,
        holdback_percent=30,
    )
    user = UserFactory(email=EMAIL, full_name="Kari Nordmann", email_verified_at=timezone.now())
    user.set_password(PASSWORD)
    user.save()
    organisation = OrganisationFactory(name="Raufoss Velferd AS")
    OrganisationMembershipFactory(
        organisation=organisation, user=user, role=OrganisationMembership.Role.ADMIN
    )
    officer = UserFactory(email="leder@vestre-toten.demo", is_staff=True)
    grant = make_offer(
        programme, organisation, officer, decided_at=timezone.now() - timezone.timedelta(days=400)
    )
    # The tilsagnsbrev, as the Celery task builds it after the board's decision.
    decision_letter_build(grant.decision_id)
    return grant


def test_a_grant_holder_accepts_requests_payouts_and_reports_to_the_end(
    live_server, browser_page, screenshot_dir, offered, tmp_path
):
    walk = Walk(browser_page, screenshot_dir, prefix="grant-")
    page = browser_page
    reference = offered.reference

    page.goto(live_server.url + "/")
    walk.link("Logg inn")
    walk.label("E-postadresse").fill(EMAIL)
    walk.label("Passord").fill(PASSWORD)
    walk.button("Logg inn")

    walk.link("Mine tilsagn")
    assert page.get_by_role("heading", name="Mine tilsagn").is_visible()
    assert page.get_by_text("300\xa0000 kr").first.is_visible()
    walk.check("mine-tilsagn-tilbudt")

    with page.expect_download() as download:
        page.get_by_role("link", name=f"Tilsagnsbrev for {reference} (PDF)").click()
    letter = PdfReader(download.value.path())
    assert "Raufoss Velferd AS" in "".join(sheet.extract_text() for sheet in letter.pages)

    walk.link(f"Se {reference}")
    assert page.get_by_text("Sluttrapport innen 1. mars.").is_visible()
    assert page.get_by_text("Programmets standardvilkår").is_visible()
    assert page.get_by_role("link", name="Tilsagnsbrev datert").first.is_visible()
    walk.check("tilsagn-tilbudt")

    # Accept: first without ticking the box.
    walk.link("Aksepter tilsagnet")
    walk.check("aksepter")
    walk.button("Aksepter tilsagnet")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.get_by_text("Kryss av for at du aksepterer vilkårene.").first.is_visible()
    walk.check("aksepter-med-feil")
    page.get_by_label(required("Jeg aksepterer tilsagnet og vilkårene for det")).check()
    walk.button("Aksepter tilsagnet")
    assert page.get_by_text("Du har akseptert tilsagnet").is_visible()
    walk.check("tilsagn-akseptert")
    assert Grant.objects.get().state == Grant.State.ACCEPTED

    # A partial payout with an attachment, with a mistake first.
    walk.link("Be om delutbetaling")
    assert walk.label("Beløp du ber om (kr)").input_value() == "120\xa0000"
    walk.label("Påløpte kostnader hittil (kr)").fill("150 000")
    walk.label("Beløp du ber om (kr)").fill("999 999")
    walk.button("Send utbetalingsanmodningen")
    assert page.locator("#error-summary").is_visible()
    assert walk.label("Påløpte kostnader hittil (kr)").input_value() == "150 000"
    walk.check("utbetaling-med-feil")
    walk.label("Beløp du ber om (kr)").fill("120 000")
    walk.label("Fremdrift").fill("Pilot på to sykehjem er i gang.")
    pdf = tmp_path / "kostnadsoversikt.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    walk.label("Vedlegg").set_input_files(str(pdf))
    walk.check("utbetaling")
    walk.button("Send utbetalingsanmodningen")
    assert page.get_by_role("heading", name="Utbetalingsanmodning nr. 1").is_visible()
    assert page.get_by_role("link", name="kostnadsoversikt.pdf").is_visible()
    assert page.locator(".state", has_text="Anmodet").is_visible()
    walk.check("utbetaling-sendt")
    walk.link("Tilbake til tilsagnet")

    # Results for the grant's first year.
    walk.link("Rapporter resultater")
    walk.label("År").select_option(str(offered.year))
    walk.label("Nye arbeidsplasser").fill("2")
    walk.label("Sikrede arbeidsplasser").fill("5")
    funding = page.get_by_role("group", name="Finansiering 1")
    walk.label("Kilde", funding).fill("Innovasjon Norge")
    walk.label("Beløp (kr)", funding).fill("250 000")
    walk.check("resultater")
    walk.button("Lever resultatrapporten")
    assert page.get_by_text(f"Resultatrapporten for {offered.year} er levert.").is_visible()
    walk.check("tilsagn-med-resultater")

    # The final report, forgetting the description first.
    walk.link("Lever sluttrapport")
    walk.label("Nye arbeidsplasser").fill("3")
    walk.button("Lever sluttrapporten")
    assert page.locator("#error-summary").is_visible()
    walk.check("sluttrapport-med-feil")
    walk.label("Sluttrapport: hva ble gjort, og hva ble oppnådd?").fill("Løsningen er i drift i to kommuner.")
    walk.button("Lever sluttrapporten")
    assert page.get_by_text("Sluttrapporten er levert. Be om sluttutbetaling").is_visible()

    # And the final payout.
    walk.link("Be om sluttutbetaling")
    assert page.get_by_role("radio", name="Sluttutbetaling").is_checked()
    assert walk.label("Beløp du ber om (kr)").input_value() == "180\xa0000"
    assert page.get_by_text("må regnskapet være: Attestert av autorisert regnskapsfører").is_visible()
    walk.label("Påløpte kostnader hittil (kr)").fill("600 000")
    walk.label("Fremdrift").fill("Prosjektet er ferdig.")
    walk.button("Send utbetalingsanmodningen")
    assert page.get_by_text("Sluttutbetalingen krever prosjektregnskapet").first.is_visible()
    walk.check("sluttutbetaling-uten-regnskap")
    accounts = tmp_path / "prosjektregnskap.pdf"
    accounts.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    walk.label("Prosjektregnskap (ved sluttutbetaling)").set_input_files(str(accounts))
    page.get_by_label("Attestert av autorisert regnskapsfører").check()
    walk.check("sluttutbetaling")
    walk.button("Send utbetalingsanmodningen")
    walk.link("Tilbake til tilsagnet")
    assert page.get_by_text("det er bedt om sluttutbetaling").is_visible()
    walk.check("tilsagn-ferdig-fra-soker")

    assert [p.kind for p in Payout.objects.order_by("number")] == ["partial", "final"]
    assert ResultReport.objects.filter(is_final=True).count() == 1

    # The public list of granted projects and its open data.
    walk.link("Bevilgede prosjekter")
    assert page.get_by_role("heading", name="Bevilgede prosjekter", level=1).is_visible()
    assert page.get_by_role("cell", name="Raufoss Velferd AS").is_visible()
    walk.label("Program").select_option(label="Omstillingsprogrammet i Vestre Toten")
    walk.button("Vis")
    walk.check("bevilgede-prosjekter")
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned listen som CSV").click()
    with open(download.value.path(), encoding="utf-8") as downloaded:
        assert "Raufoss Velferd AS" in downloaded.read()

"""A new applicant, reading only the pages, goes from the front page to a submitted application.

Every public and applicant page on the way, forms with errors included, is checked with axe-core
and must have no violations.
"""

import re
from decimal import Decimal

import pytest
from django.core import mail
from pypdf import PdfReader

from applications.models import Application
from tests.browser import Walk, required
from tests.factories import (
    CallFactory,
    FocusAreaFactory,
    PlanPeriodFactory,
    ProgrammeFactory,
    StaffMembershipFactory,
    UserFactory,
    valid_orgnr,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "ingrid@elvesafari.no"
PASSWORD = "Glomma-og-Trysilelva-2027"


@pytest.fixture
def open_call():
    programme = ProgrammeFactory(slug="elverumregionen", name="Omstillingsprogrammet for Elverumregionen")
    period = PlanPeriodFactory(programme=programme)
    areas = [
        FocusAreaFactory(plan_period=period, number=1, name="Reiseliv og opplevelsesnæringer"),
        FocusAreaFactory(plan_period=period, number=2, name="Eksisterende næringsliv med vekstpotensial"),
        FocusAreaFactory(plan_period=period, number=3, name="Bioøkonomi"),
    ]
    call = CallFactory(programme=programme, title="Utlysning 2027", budget=Decimal(1900000))
    call.focus_areas.set(areas)
    StaffMembershipFactory(programme=programme, user=UserFactory(email="leder@elverum.demo"))
    return call


def test_a_new_applicant_registers_drafts_and_submits(
    live_server, browser_page, screenshot_dir, open_call, tmp_path
):
    walk = Walk(browser_page, screenshot_dir)
    page = browser_page

    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="Utlysning 2027").is_visible()
    assert page.get_by_text("1\xa0900\xa0000 kr").is_visible()
    walk.check("forside")

    # Register, with a mistake first.
    walk.link("Registrer deg")
    walk.label("Fullt navn").fill("Ingrid Elvesafari")
    walk.label("E-postadresse").fill(EMAIL)
    walk.label("Passord").fill(PASSWORD)
    walk.label("Gjenta passordet").fill(PASSWORD + "x")
    walk.button("Registrer deg")
    assert page.locator("#error-summary").is_visible()
    assert walk.label("Fullt navn").input_value() == "Ingrid Elvesafari"
    walk.check("registrering-med-feil")
    walk.label("Passord").fill(PASSWORD)
    walk.label("Gjenta passordet").fill(PASSWORD)
    walk.button("Registrer deg")
    assert page.get_by_role("heading", name="Sjekk e-posten din").is_visible()
    walk.check("registrert")

    # Confirm the address with the link from the e-mail.
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    walk.check("bekreft-e-post")
    walk.button("Bekreft e-postadressen")

    # Organisation, with a wrong number first.
    walk.link("Registrer en organisasjon")
    walk.label("Organisasjonsnummer").fill("123 456 789")
    walk.label("Navn på organisasjonen").fill("Elvesafari AS")
    walk.button("Registrer organisasjonen")
    assert page.get_by_text("er ikke et gyldig organisasjonsnummer").first.is_visible()
    walk.check("organisasjon-med-feil")
    walk.label("Organisasjonsnummer").fill(valid_orgnr(4242))
    walk.button("Registrer organisasjonen")
    walk.check("organisasjoner")

    # Start under the open call.
    walk.link("Utlysninger")
    walk.link("Søk på Utlysning 2027")
    walk.label("Kategori").select_option(label="Forprosjekt")
    walk.label("Innsatsområde").select_option(label="Reiseliv og opplevelsesnæringer")
    walk.label("Prosjekttittel").fill("Elvesafari på Glomma")
    walk.check("start-soknad")
    walk.button("Start søknaden")
    walk.check("steg-kontakt")
    walk.button("Lagre og gå videre")

    # The project, with an error that keeps everything typed.
    walk.label("Sammendrag").fill("Guidede turer med kano og flåte på Glomma for tilreisende.")
    walk.label("Prosjektbeskrivelse").fill("Vi utvikler et helårs opplevelsestilbud.")
    walk.label("Startdato").fill("2027-08-01")
    walk.label("Sluttdato").fill("2027-01-31")
    walk.button("Lagre og gå videre")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert walk.label("Prosjektbeskrivelse").input_value() == "Vi utvikler et helårs opplevelsestilbud."
    walk.check("steg-prosjekt-med-feil")
    walk.label("Sluttdato").fill("2028-06-30")
    walk.button("Lagre utkast")

    # Log out and in again: the draft is still there.
    walk.button("Logg ut")
    walk.link("Logg inn")
    walk.check("logg-inn")
    # The address typed with capitals is the same address.
    walk.label("E-postadresse").fill(EMAIL.capitalize().replace("@e", "@E"))
    walk.label("Passord").fill(PASSWORD)
    walk.button("Logg inn")
    walk.check("mine-soknader-utkast")
    reference = Application.objects.get().reference
    walk.link(f"Fortsett på {reference}")
    walk.link("Prosjektet")
    assert walk.label("Sluttdato").input_value() == "2028-06-30"
    assert "kano og flåte" in walk.label("Sammendrag").input_value()
    walk.check("steg-prosjekt")
    walk.button("Lagre og gå videre")

    # Budget: costs and a financing plan that balances.
    costs = page.get_by_role("group", name="Kostnad 1")
    costs.get_by_label(required("Kostnad")).fill("Kanoer og utstyr")
    costs.get_by_label(required("Beløp (kr)")).fill("300 000")
    page.get_by_role("group", name="Finansiering 1").get_by_label(required("Beløp (kr)")).fill("150 000")
    page.get_by_role("group", name="Finansiering 4").get_by_label(required("Beløp (kr)")).fill("150 000")
    walk.check("steg-budsjett")
    walk.button("Lagre og gå videre")

    walk.label("Nye arbeidsplasser").fill("2")
    walk.label("Sikrede arbeidsplasser").fill("1")
    walk.check("steg-resultater")
    walk.button("Lagre og gå videre")

    walk.label("Bagatellstøtte mottatt de tre siste regnskapsårene (kr)").fill("0")
    walk.label("Jeg erklærer at opplysningene om bagatellstøtte er riktige og fullstendige").check()
    walk.check("steg-bagatellstotte")
    walk.button("Lagre og gå videre")

    # Attachment.
    pdf = tmp_path / "prosjektplan.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    walk.label("Type vedlegg").select_option(label="Prosjektplan")
    walk.label("Fil").set_input_files(str(pdf))
    walk.button("Last opp")
    assert page.get_by_role("link", name="prosjektplan.pdf").is_visible()
    walk.check("steg-vedlegg")
    walk.link("Gå videre til oppsummering")

    walk.check("oppsummering")
    # Submitting asks her to confirm first; the refusal is at the checkbox.
    walk.button("Send inn søknaden")
    assert page.get_by_text("Kryss av for at opplysningene er riktige før du sender inn.").first.is_visible()
    assert Application.objects.get().state == Application.State.DRAFT
    walk.check("oppsummering-uten-bekreftelse")
    walk.label("Jeg bekrefter at opplysningene er riktige").check()
    walk.button("Send inn søknaden")

    assert page.get_by_role("heading", name="Søknaden er sendt inn").is_visible()
    assert page.locator(".reference").inner_text() == reference
    walk.check("kvittering")
    # Her copy of the application as submitted, built by the (in-process) Celery task on the first click.
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned søknaden slik den ble sendt inn (PDF)").click()
    copy = "".join(sheet.extract_text() for sheet in PdfReader(download.value.path()).pages)
    assert reference in copy
    walk.link("Til Mine søknader")
    assert page.get_by_text("Sendt inn", exact=True).first.is_visible()
    walk.check("mine-soknader-sendt")

    application = Application.objects.get()
    assert application.state == Application.State.SUBMITTED
    assert {EMAIL, "leder@elverum.demo"} <= {address for message in mail.outbox for address in message.to}

    # The remaining public pages.
    walk.button("Logg ut")
    walk.link("Logg inn")
    walk.link("Glemt passordet?")
    walk.check("glemt-passord")

"""The budget step's "add row" buttons (static/portal/portal.js), and the same step without JavaScript.

The page renders the saved lines and two blank rows; with JavaScript a button adds one more row per
click (from the formset's empty form) and counts it in the management form, so a row added in the
browser is saved like any other. Without JavaScript the button stays hidden and the blank rows do.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from applications.models import Application, FinancingLine
from omstilling.formatting import format_kr
from tests.factories import (
    CallFactory,
    FocusAreaFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    PlanPeriodFactory,
    ProgrammeFactory,
    UserFactory,
)
from tests.portal.conftest import PASSWORD, make_complete, make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def required(text):
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


@pytest.fixture
def draft_with_budget():
    """A draft whose budget (one cost line, two financing lines, 200 000 kr) balances."""
    programme = ProgrammeFactory(slug="vestre-toten", name="Omstillingsprogrammet i Vestre Toten")
    area = FocusAreaFactory(plan_period=PlanPeriodFactory(programme=programme), number=1, name="Industri")
    call = CallFactory(programme=programme, title="Utlysning 2027", budget=Decimal(1900000))
    call.focus_areas.set([area])
    applicant = UserFactory(email="per@raufoss.no")
    organisation = OrganisationFactory(name="Raufoss Verksted AS")
    OrganisationMembershipFactory(organisation=organisation, user=applicant, role="admin")
    return make_complete(make_draft(call, organisation, applicant))


def log_in_and_open_budget(page, live_server, application):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Logg inn", exact=True).click()
    page.get_by_label(required("E-postadresse")).fill("per@raufoss.no")
    page.get_by_label(required("Passord")).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    page.goto(live_server.url + reverse("application_step", args=[application.pk, "budsjett"]))


def lines(application):
    application = Application.objects.get(pk=application.pk)
    return (
        [(line.description, line.amount) for line in application.cost_lines.all()],
        [(line.kind, line.source, line.amount) for line in application.financing_lines.all()],
    )


def test_rows_added_with_the_buttons_are_saved(live_server, browser_page, screenshot_dir, draft_with_budget):
    page = browser_page
    log_in_and_open_budget(page, live_server, draft_with_budget)
    costs = page.locator("[data-formset=cost]")
    financing = page.locator("[data-formset=fin]")
    assert costs.locator("fieldset.budget-line").count() == 3  # the saved line and two blank ones

    page.get_by_role("button", name="Legg til kostnad").click()
    added = page.get_by_role("group", name="Ny kostnad")
    assert costs.locator("fieldset.budget-line").count() == 4
    assert page.locator("#id_cost-TOTAL_FORMS").input_value() == "4"
    # The new row is the fourth form of the formset, and the cursor is in it.
    assert added.get_by_label(required("Kostnad")).get_attribute("name") == "cost-3-description"
    assert page.evaluate("document.activeElement.id") == "id_cost-3-description"
    added.get_by_label(required("Kostnad")).fill("Reise og opphold")
    added.get_by_label(required("Beløp (kr)")).fill("50 000")

    page.get_by_role("button", name="Legg til finansiering").click()
    page.get_by_role("button", name="Legg til finansiering").click()
    assert page.locator("#id_fin-TOTAL_FORMS").input_value() == "6"
    last = financing.locator("fieldset.budget-line").last
    last.get_by_label(required("Type finansiering")).select_option(FinancingLine.Kind.PRIVATE)
    last.get_by_label("Kilde").fill("Sparebank 1 Østlandet")
    last.get_by_label(required("Beløp (kr)")).fill("50 000")
    # The running sums follow what is typed.
    assert page.locator("[data-total=cost]").text_content() == "250\xa0000 kr"
    assert page.locator("[data-total=fin]").text_content() == "250\xa0000 kr"
    page.screenshot(path=str(screenshot_dir / "budsjett-rader-lagt-til.png"), full_page=True)

    page.get_by_role("button", name="Lagre utkast").click()

    assert page.get_by_text("Utkastet er lagret.").is_visible()
    assert lines(draft_with_budget) == (
        [("Konsulent", Decimal(200000)), ("Reise og opphold", Decimal(50000))],
        [
            (FinancingLine.Kind.OWN_FUNDS, "", Decimal(100000)),
            (FinancingLine.Kind.PROGRAMME, "", Decimal(100000)),
            (FinancingLine.Kind.PRIVATE, "Sparebank 1 Østlandet", Decimal(50000)),
        ],
    )
    # Saved lines come back as ordinary rows, with two blank ones after them.
    assert costs.locator("fieldset.budget-line").count() == 4
    assert page.locator("#id_cost-1-description").input_value() == "Reise og opphold"


# Amounts around each grouping boundary, up to what a budget line may hold (14 digits).
AMOUNTS = [0, 7, 999, 1000, 25_000, 999_999, 1_000_000, 12_345_678, 99_999_999_999_999 - 200_000]


def running_sums_match_the_server(page, language):
    """The cost sum the page's script writes, for each amount typed in the blank row, is the text the
    server writes for the same sum (format_kr, in the page's language); and clearing the row again
    gives back, character for character, the sum the server rendered with the page."""
    total = page.locator("[data-total=cost]")
    rendered = total.text_content()
    blank = page.locator("#id_cost-1-amount")
    with translation.override(language):
        assert rendered == format_kr(200000)
        for amount in AMOUNTS:
            blank.fill(str(amount))
            assert total.text_content() == format_kr(200000 + amount), amount
        blank.fill("1 000 kr")  # typed the way the server accepts it, grouping and unit included
        assert total.text_content() == format_kr(201000)
    blank.fill("")
    assert total.text_content() == rendered


def test_running_sums_read_exactly_as_the_server_writes_amounts(live_server, browser_page, draft_with_budget):
    page = browser_page
    log_in_and_open_budget(page, live_server, draft_with_budget)
    assert page.evaluate("document.documentElement.lang") == "nb"
    running_sums_match_the_server(page, "nb")

    page.get_by_role("button", name="English", exact=True).click()
    assert page.evaluate("document.documentElement.lang") == "en"
    running_sums_match_the_server(page, "en")


def test_without_javascript_the_blank_rows_do_the_same(
    live_server, chromium_browser, screenshot_dir, draft_with_budget
):
    context = chromium_browser.new_context(
        locale="nb-NO", viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in_and_open_budget(page, live_server, draft_with_budget)
        assert page.get_by_role("button", name="Legg til kostnad").count() == 0  # hidden without JS
        assert page.locator("[data-formset=cost] fieldset.budget-line").count() == 3
        blank = page.get_by_role("group", name="Kostnad 2")
        blank.get_by_label(required("Kostnad")).fill("Reise og opphold")
        blank.get_by_label(required("Beløp (kr)")).fill("50 000")
        page.locator("#id_fin-0-amount").fill("150 000")
        page.screenshot(path=str(screenshot_dir / "budsjett-uten-javascript.png"), full_page=True)

        page.get_by_role("button", name="Lagre utkast").click()

        assert page.get_by_text("Utkastet er lagret.").is_visible()
        assert lines(draft_with_budget)[0] == [
            ("Konsulent", Decimal(200000)),
            ("Reise og opphold", Decimal(50000)),
        ]
        assert page.locator("[data-formset=cost] fieldset.budget-line").count() == 4
    finally:
        context.close()

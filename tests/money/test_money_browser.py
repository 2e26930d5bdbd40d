"""The ledger and a payout approval in a real browser, as the demo programme leader (screenshots
kept in $E2E_SCREENSHOT_DIR when it is set)."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from omstilling.models import Programme
from omstilling.seed import DEMO_PASSWORD
from projects.models import Payout
from tests.browser import assert_accessible
from tests.projects.vestre_toten import SHIPPED_CSV

from .conftest import grant_in, requested

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(browser_page):
    browser_page.set_viewport_size({"width": 1360, "height": 1000})
    return browser_page


def test_leader_reads_the_ledger_and_approves_a_payout_in_the_browser(page, live_server, screenshot_dir):
    call_command("seed_programmes", verbosity=0)
    call_command("import_grants", str(SHIPPED_CSV), "--programme", "vestre-toten", verbosity=0)
    with override_settings(DEMO_USERS=True):
        call_command("seed_demo_users", stdout=None, stderr=None)
    programme = Programme.objects.get(slug="vestre-toten")
    grant = grant_in(programme, amount=400000, title="Sensorteknologi i omsorgsboliger")
    payout = requested(grant, 150000)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "leder@vestre-toten.demo")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("input[type=submit]")

    page.goto(f"{live_server.url}/admin/projects/grant/")
    page.click("text=Budsjettregnskap")
    page.select_option("#ledger-year", "2012")
    page.click("#ledger-picker input[type=submit]")
    assert page.inner_text("[data-figure=available]") == "1\u00a0160\u00a0000 kr"
    page.screenshot(path=screenshot_dir / "ledger-2012.png", full_page=True)
    assert_accessible(page, "ledger")

    page.goto(f"{live_server.url}/admin/projects/payout/{payout.pk}/change/")
    page.click("text=Godkjenn")
    page.screenshot(path=screenshot_dir / "payout-approve.png", full_page=True)
    assert_accessible(page, "payout approval")
    page.click("input[value='Ja, godkjenn utbetalingen']")
    assert "er godkjent" in page.inner_text(".messagelist")
    page.screenshot(path=screenshot_dir / "payout-approved.png", full_page=True)

    payout.refresh_from_db()
    assert payout.state == Payout.State.APPROVED

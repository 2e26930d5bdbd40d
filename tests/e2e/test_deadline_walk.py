"""The final report deadline, walked in the browser: the grant holder sees it and asks for more time
(with a mistake first), the beat task records a reminder, the programme leader finds the request on
her worklist and grants it, and the worklist's counts change. axe-core checks every stop."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from applications.models import OrganisationMembership
from omstilling.formatting import long_date
from projects.models import DeadlineExtension, Grant, GrantReminder
from projects.services import grant_accept
from projects.tasks import grant_deadline_reminders
from tests.board.conftest import make_board
from tests.board.pages import browser_login
from tests.browser import Walk
from tests.factories import OrganisationFactory, OrganisationMembershipFactory, UserFactory
from tests.grants_portal.conftest import make_offer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "kari@raufoss-velferd.no"
PASSWORD = "Raufoss-og-Totenvika-2026"
REASON = "Underleverandøren av sensorene er forsinket med tre måneder."


@pytest.fixture
def setting():
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    user = UserFactory(email=EMAIL, full_name="Kari Nordmann", email_verified_at=timezone.now())
    user.set_password(PASSWORD)
    user.save()
    organisation = OrganisationFactory(name="Raufoss Velferd AS", contact_email="post@raufoss-velferd.no")
    OrganisationMembershipFactory(
        organisation=organisation, user=user, role=OrganisationMembership.Role.ADMIN
    )
    grant = grant_accept(make_offer(board.programme, organisation, board.leader), actor=user)
    # The project ends in a month; the final report is due 50 days from today.
    deadline = timezone.localdate() + dt.timedelta(days=50)
    Grant.objects.filter(pk=grant.pk).update(
        project_end=deadline - dt.timedelta(days=20), final_report_deadline=deadline
    )
    grant.refresh_from_db()
    return board, grant


def _count(page, label):
    row = page.locator("#worklist tr", has=page.get_by_role("link", name=label, exact=True))
    return int(row.locator("td").inner_text())


def test_holder_asks_for_more_time_and_the_leader_grants_it_from_her_worklist(
    live_server, browser_page, screenshot_dir, setting
):
    board, grant = setting
    walk = Walk(browser_page, screenshot_dir, prefix="frist-")
    page = browser_page
    deadline = grant.final_report_deadline
    later = deadline + dt.timedelta(days=90)

    page.goto(live_server.url + "/")
    walk.link("Logg inn")
    walk.label("E-postadresse").fill(EMAIL)
    walk.label("Passord").fill(PASSWORD)
    walk.button("Logg inn")
    walk.link("Mine tilsagn")
    assert page.get_by_text(f"Frist for sluttrapport: {long_date(deadline)}").is_visible()
    walk.check("mine-tilsagn")
    walk.link(f"Se {grant.reference}")
    assert page.get_by_role("heading", name="Prosjektperiode og frister").is_visible()
    assert page.get_by_text("50 dager igjen").is_visible()
    walk.check("tilsagn")

    # More time: first a date that is not after the deadline.
    walk.link("Søk om lengre frist")
    walk.check("lengre-frist")
    walk.label("Ønsket ny frist").fill(deadline.isoformat())
    walk.label("Begrunnelse").fill(REASON)
    walk.button("Send søknaden")
    assert page.locator("#error-summary").is_visible()
    assert walk.label("Begrunnelse").input_value() == REASON
    walk.check("lengre-frist-med-feil")
    walk.label("Ønsket ny frist").fill(later.isoformat())
    walk.button("Send søknaden")
    assert page.get_by_text(f"Søknaden om ny frist {long_date(later)} er sendt til programmet.").is_visible()
    assert page.get_by_role("cell", name="Til behandling").is_visible()
    walk.check("tilsagn-med-soknad")

    # The beat task reminds her: 50 days left is the 60-day reminder.
    assert grant_deadline_reminders() == [f"{grant.reference}:60_days"]
    assert GrantReminder.objects.filter(grant=grant, kind="60_days").count() == 1
    assert any("Påminnelse" in message.subject for message in mail.outbox)

    # The leader's worklist.
    browser_login(page, live_server, board.leader)
    page.wait_for_url(f"{live_server.url}/admin/")
    assert _count(page, "Søknader om lengre frist") == 1
    assert _count(page, "Sluttrapporter med frist innen 60 dager") == 1
    walk.check("arbeidsliste")
    walk.link("Søknader om lengre frist")
    page.wait_for_url(re.compile(r"/admin/projects/deadlineextension/\?"))
    walk.check("fristsoknader")
    page.locator("#result_list tbody tr a").first.click()
    walk.check("fristsoknad")
    walk.link("Innvilg ny frist")
    walk.check("innvilg")
    page.get_by_role("button", name="Ja, innvilg ny frist").click()
    page.wait_for_url(re.compile(r"/admin/projects/deadlineextension/\d+/change/$"))
    page.get_by_text(f"Ny frist {long_date(later)} er innvilget.").wait_for()
    assert page.get_by_text(f"Ny frist {long_date(later)} er innvilget.").is_visible()
    assert DeadlineExtension.objects.get().state == DeadlineExtension.State.GRANTED

    page.goto(f"{live_server.url}/admin/")
    assert _count(page, "Søknader om lengre frist") == 0
    assert _count(page, "Sluttrapporter med frist innen 60 dager") == 0
    walk.check("arbeidsliste-etter")

    # The holder sees the new deadline and the answer with the grant.
    page.context.clear_cookies()
    page.goto(live_server.url + "/")
    walk.link("Logg inn")
    walk.label("E-postadresse").fill(EMAIL)
    walk.label("Passord").fill(PASSWORD)
    walk.button("Logg inn")
    walk.link("Mine tilsagn")
    walk.link(f"Se {grant.reference}")
    assert page.get_by_role("cell", name="Innvilget").is_visible()
    assert page.get_by_text(long_date(later)).first.is_visible()
    walk.check("tilsagn-ny-frist")

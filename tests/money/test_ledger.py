"""The budget ledger: every figure summed from the records, and the two balances hold."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from omstilling.models import Programme
from projects.models import Grant, Payout
from projects.selectors import budget_ledger, budget_ledger_grants
from tests.projects.vestre_toten import SHIPPED_CSV

from .conftest import fund, grant_in, requested

pytestmark = pytest.mark.django_db


def assert_balances(ledger):
    assert ledger.brought_forward + ledger.funding_in - ledger.granted + ledger.released == ledger.available
    assert ledger.granted - ledger.released - ledger.paid == ledger.outstanding


def test_ledger_of_a_constructed_year(board):
    programme = board.programme
    fund(programme, 2024, 1_000_000)
    fund(programme, 2025, 2_500_000, 500_000)
    grant_in(programme, amount=600_000, year=2024)  # leaves 400 000 to carry forward
    cancelled = grant_in(programme, amount=300_000, year=2025, state=Grant.State.CANCELLED)
    Grant.objects.filter(pk=cancelled.pk).update(released_amount=300_000)
    lapsed = grant_in(programme, amount=200_000, year=2025, state=Grant.State.LAPSED)
    Grant.objects.filter(pk=lapsed.pk).update(released_amount=200_000)
    paying = grant_in(programme, amount=1_000_000, year=2025)
    now = timezone.now()
    paid = requested(paying, 250_000)
    Payout.objects.filter(pk=paid.pk).update(state=Payout.State.APPROVED, approved_at=now)
    Payout.objects.filter(pk=paid.pk).update(state=Payout.State.PAID, paid_at=now.date())
    approved = requested(paying, 100_000)
    Payout.objects.filter(pk=approved.pk).update(state=Payout.State.APPROVED, approved_at=now)
    requested(paying, 50_000)  # not decided: counts for nothing
    reduced = grant_in(programme, amount=400_000, year=2025)
    Grant.objects.filter(pk=reduced.pk).update(released_amount=150_000)

    ledger = budget_ledger(programme, 2025)

    assert ledger.brought_forward == 400_000
    assert [(row.source, row.amount) for row in ledger.funding] == [
        ("Tilskudd OFK", 2_500_000),
        ("Egenandel kommune", 500_000),
    ]
    assert ledger.funding_in == 3_000_000
    assert (ledger.granted_count, ledger.granted) == (4, 1_900_000)
    assert (ledger.released_cancelled, ledger.released_lapsed, ledger.released_other) == (
        300_000,
        200_000,
        150_000,
    )
    assert ledger.available == 400_000 + 3_000_000 - 1_900_000 + 650_000 == 2_150_000
    assert (ledger.paid, ledger.approved_unpaid, ledger.paid_historical) == (250_000, 100_000, 0)
    assert ledger.outstanding == 1_900_000 - 650_000 - 250_000 == 1_000_000
    assert_balances(ledger)
    lines = budget_ledger_grants(programme, 2025)
    assert sum(line.granted for line in lines) == ledger.granted
    assert sum(line.released for line in lines) == ledger.released
    assert sum(line.paid for line in lines) == ledger.paid


@pytest.fixture
def demo_data(db):
    call_command("seed_programmes", verbosity=0)
    call_command("import_grants", str(SHIPPED_CSV), "--programme", "vestre-toten", verbosity=0)
    with override_settings(DEMO_USERS=True):
        call_command("seed_demo_users", stdout=None, stderr=None)
    return Programme.objects.get(slug="vestre-toten")


# The Vestre Toten seed: 2.5 mill. from OFK and 0.5 mill. from the municipality each year 2010–2015;
# the imported grants of 2011 (2 600 000) and 2012 (5 240 000), none with payouts recorded.
DEMO_LEDGER = {
    2011: dict(
        brought_forward=3_000_000,
        funding_in=3_000_000,
        granted_count=11,
        granted=2_600_000,
        released=0,
        available=3_400_000,
        paid=1_190_000,
        outstanding=1_410_000,
    ),
    2012: dict(
        brought_forward=3_400_000,
        funding_in=3_000_000,
        granted_count=17,
        granted=5_240_000,
        released=0,
        available=1_160_000,
        paid=1_390_000,
        outstanding=3_850_000,
    ),
    2015: dict(
        brought_forward=7_160_000,
        funding_in=3_000_000,
        granted_count=0,
        granted=0,
        released=0,
        available=10_160_000,
        paid=0,
        outstanding=0,
    ),
}


@pytest.mark.parametrize("year", sorted(DEMO_LEDGER))
def test_demo_data_ledger_balances(demo_data, year):
    ledger = budget_ledger(demo_data, year)

    figures = {name: getattr(ledger, name) for name in DEMO_LEDGER[year]}
    assert figures == DEMO_LEDGER[year]
    # Completed imported grants count as paid in full; there are no payout rows behind them.
    assert ledger.paid_historical == ledger.paid
    assert_balances(ledger)


def test_demo_data_has_no_budget_for_elverum(demo_data):
    """Elverum's source document gives no funding per source and year, so none is seeded; the demo
    grant the demo board gave is then granted from no recorded budget, and the ledger says
    so rather than inventing one."""
    elverum = Programme.objects.get(slug="elverumregionen")
    # The demo grant is of the demo call's year (a grant takes its call's year), next year.
    year = Grant.objects.get(application__programme=elverum, application__is_historical=False).year
    ledger = budget_ledger(elverum, year)
    assert not ledger.has_funding
    assert ledger.funding_in == 0
    assert ledger.granted == 300_000  # the demo grant (seed_demo_users)
    assert ledger.available == -300_000


def test_leader_sees_the_ledger_page(client, demo_data):
    from omstilling.models import User

    client.force_login(User.objects.get(email="leder@vestre-toten.demo"))

    page = client.get(reverse("admin:projects_grant_ledger"), {"programme": demo_data.pk, "year": "2012"})

    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-figure="granted">5\u00a0240\u00a0000 kr' in text
    assert "<strong>1\u00a0160\u00a0000 kr</strong>" in text
    assert 'data-figure="outstanding"><strong>3\u00a0850\u00a0000 kr' in text
    assert "regnes som utbetalt i sin helhet" in text
    assert text.count("(importert)") == 17
    assert page.context["ledger"].available == Decimal(1_160_000)


def test_the_year_picker_shows_the_year_on_the_page_and_the_programmes_years(admin_client, demo_data):
    """Elverum has no records in 2018 (its call year), yet that is the year asked for: the picker must
    show it selected, not this year, and offer the programme's whole status period."""
    elverum = Programme.objects.get(slug="elverumregionen")

    page = admin_client.get(reverse("admin:projects_grant_ledger"), {"programme": elverum.pk, "year": "2018"})

    text = page.content.decode()
    assert '<option value="2018" selected>2018</option>' in text
    offered = [int(year) for year in page.context["years"]]
    assert set(range(elverum.status_start_year, elverum.status_end_year + 1)) <= set(offered)
    assert offered == sorted(offered)

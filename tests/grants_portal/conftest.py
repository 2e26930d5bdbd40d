"""Grants built the way the programme builds them: an approving decision, then ``grant_offer``."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from applications.models import Application, CostLine, Decision, FinancingLine
from omstilling.models import FocusArea
from projects.models import Grant
from projects.services import grant_accept, grant_offer
from tests.applicants import applicant_fixtures
from tests.factories import (
    ApplicationFactory,
    FocusAreaFactory,
    ProgrammeFactory,
    StaffMembershipFactory,
    UserFactory,
)

CONDITIONS = "Sluttrapport innen 1. mars.\nProsjektet skal profilere programmet."


@pytest.fixture
def programme(db):
    # 40 % on acceptance, 30 % against costs underway, 30 % held back until the final report.
    return ProgrammeFactory(
        slug="vestre-toten",
        name="Omstillingsprogrammet i Vestre Toten",
        short_name="Vestre Toten",
        payout_on_acceptance_percent=40,
        holdback_percent=30,
    )


@pytest.fixture
def officer(programme):
    """The programme's leader, who decides payouts and changes grants."""
    officer = UserFactory(email="leder@vestre-toten.demo", full_name="Lise Leder", is_staff=True)
    StaffMembershipFactory(programme=programme, user=officer)
    return officer


applicant, organisation, applicant_client = applicant_fixtures("kari@raufoss.no", "Raufoss Velferd AS")


def make_offer(
    programme, organisation, officer, *, amount=Decimal(300000), title=None, decided_at=None, call=None
):
    """An approved application with a cost plan, and the tilsagn ``grant_offer`` makes of it."""
    application = ApplicationFactory(
        programme=programme,
        focus_area=FocusArea.objects.filter(plan_period__programme=programme).first()
        or FocusAreaFactory(plan_period__programme=programme, name="Velferdsinnovasjon"),
        organisation=organisation,
        call=call,
        title=title or "Velferdsteknologi på Raufoss",
        state=Application.State.APPROVED,
        submitted_at=timezone.now(),
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 12, 31),
    )
    CostLine.objects.create(application=application, order=1, description="Utvikling", amount=Decimal(500000))
    CostLine.objects.create(
        application=application, order=2, description="Pilotdrift", amount=Decimal(100000)
    )
    FinancingLine.objects.create(
        application=application, order=1, kind=FinancingLine.Kind.OWN_FUNDS, amount=Decimal(600000) - amount
    )
    FinancingLine.objects.create(
        application=application, order=2, kind=FinancingLine.Kind.PROGRAMME, amount=amount
    )
    decision = Decision.objects.create(
        application=application,
        outcome=Decision.Outcome.APPROVED,
        amount=amount,
        conditions=CONDITIONS,
        decided_at=decided_at or timezone.now(),
    )
    return grant_offer(decision, actor=officer)


def last_year():
    return timezone.now() - dt.timedelta(days=400)


@pytest.fixture
def offered(programme, organisation, officer):
    """Offered last year, so results can be reported for two years; accept within 21 days from today."""
    return make_offer(programme, organisation, officer, decided_at=last_year())


@pytest.fixture
def accepted(offered, applicant):
    return grant_accept(offered, actor=applicant)


def reload(grant):
    return Grant.objects.get(pk=grant.pk)

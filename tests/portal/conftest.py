import datetime as dt
from decimal import Decimal

import pytest

from applications.models import Application, CostLine, FinancingLine
from omstilling.models import Category
from tests.applicants import applicant_fixtures
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocusAreaFactory,
    PlanPeriodFactory,
    ProgrammeFactory,
)

PASSWORD = "pass-word-123"


@pytest.fixture
def programme(db):
    return ProgrammeFactory(slug="elverumregionen", name="Omstillingsprogrammet for Elverumregionen")


@pytest.fixture
def focus_areas(programme):
    period = PlanPeriodFactory(programme=programme)
    return [
        FocusAreaFactory(plan_period=period, number=1, name="Reiseliv og opplevelsesnæringer"),
        FocusAreaFactory(plan_period=period, number=2, name="Bioøkonomi"),
        FocusAreaFactory(plan_period=period, number=3, name="Ikke i utlysningen"),
    ]


@pytest.fixture
def call(programme, focus_areas):
    call = CallFactory(
        programme=programme,
        title="Utlysning 2027",
        budget=Decimal("1900000"),
        admits_hovedprosjekt=False,
        max_amount=Decimal("500000"),
        max_share_percent=50,
    )
    call.focus_areas.set(focus_areas[:2])
    return call


applicant, organisation, applicant_client = applicant_fixtures("kari@bedrift.no", "Elverum Reiseliv AS")


def make_draft(call, organisation, user=None, **fields):
    defaults = {
        "programme": call.programme,
        "call": call,
        "organisation": organisation,
        "created_by": user,
        "category": Category.FORSTUDIE,
        "focus_area": call.focus_areas.order_by("number").first(),
        "title": "Vinteropplevelser i Elverum",
        "summary": "Et kort sammendrag.",
    }
    return ApplicationFactory(**{**defaults, **fields})


def make_complete(application):
    application.description = "Bakgrunn, mål og aktiviteter."
    application.start_date = dt.date(2027, 8, 1)
    application.end_date = dt.date(2028, 6, 30)
    application.de_minimis_declared = True
    application.save()
    CostLine.objects.create(application=application, description="Konsulent", amount=Decimal(200000))
    FinancingLine.objects.create(
        application=application, kind=FinancingLine.Kind.OWN_FUNDS, amount=Decimal(100000)
    )
    FinancingLine.objects.create(
        application=application, kind=FinancingLine.Kind.PROGRAMME, amount=Decimal(100000)
    )
    return application


@pytest.fixture
def draft(call, organisation, applicant):
    return make_draft(call, organisation, applicant)


@pytest.fixture
def complete_draft(draft):
    return make_complete(draft)


def reload(application):
    return Application.objects.get(pk=application.pk)

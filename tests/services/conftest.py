"""A complete draft application and the people who handle it, for the service tests: the applicant
acts for the application's organisation, the officer is the programme's leader."""

import datetime as dt
from decimal import Decimal

import pytest

from applications.models import Application, CostLine, FinancingLine
from omstilling.models import StaffMembership
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocusAreaFactory,
    OrganisationMembershipFactory,
    ProgrammeFactory,
    StaffMembershipFactory,
    UserFactory,
)


@pytest.fixture
def applicant():
    return UserFactory(email="soker@bedrift.no", full_name="Kari Søker")


@pytest.fixture
def officer():
    return UserFactory(email="leder@program.no", full_name="Programleder")


@pytest.fixture
def make_draft(officer, applicant):
    """A draft that can be submitted: every part filled in, costs 150 000, financing balanced."""

    def make(*, state=Application.State.DRAFT, call=None, **fields):
        programme = call.programme if call else ProgrammeFactory()
        StaffMembershipFactory(programme=programme, user=officer, role=StaffMembership.Role.LEADER)
        focus_area = FocusAreaFactory(plan_period__programme=programme)
        call = call or CallFactory(programme=programme)
        values = {
            "programme": programme,
            "call": call,
            "focus_area": focus_area,
            "title": "Bioenergi i Åmot",
            "summary": "Forstudie om flisfyring for næringsbygg.",
            "description": "Vi vil kartlegge markedet for flis i regionen.",
            "start_date": dt.date(2018, 8, 1),
            "end_date": dt.date(2018, 12, 31),
            "contact_email": "kontakt@bedrift.no",
            "state": state,
        }
        values.update(fields)
        application = ApplicationFactory(**values)
        OrganisationMembershipFactory(organisation=application.organisation, user=applicant)
        CostLine.objects.create(
            application=application, order=1, description="Konsulent", amount=Decimal(100000)
        )
        CostLine.objects.create(
            application=application, order=2, description="Egen tid", amount=Decimal(50000)
        )
        FinancingLine.objects.create(
            application=application, order=1, kind=FinancingLine.Kind.OWN_FUNDS, amount=Decimal(75000)
        )
        FinancingLine.objects.create(
            application=application, order=2, kind=FinancingLine.Kind.PROGRAMME, amount=Decimal(75000)
        )
        return application

    return make


@pytest.fixture
def with_roles(officer, applicant):
    """``with_roles(grant)``: the officer leads the grant's programme and the applicant acts for the
    organisation that holds it, as the services' policies require."""

    def give(grant):
        application = grant.application
        StaffMembershipFactory(
            programme=application.programme, user=officer, role=StaffMembership.Role.LEADER
        )
        OrganisationMembershipFactory(organisation=application.organisation, user=applicant)
        return grant

    return give

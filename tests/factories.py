"""factory-boy factories for the whole domain. Defaults build a consistent little world."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from stdnum.no import orgnr

from applications.models import (
    Application,
    Assessment,
    BoardCase,
    BoardMeeting,
    Decision,
    Organisation,
    OrganisationMembership,
)
from omstilling.models import (
    BoardMembership,
    Call,
    Category,
    FocusArea,
    Funding,
    FundingSource,
    PlanPeriod,
    Programme,
    StaffMembership,
    User,
)
from projects.models import Grant, Payout, ResultReport
from reports.models import ReportJob


def valid_orgnr(n):
    """The n-th valid organisasjonsnummer in a test range (mod-11 check digit computed)."""
    base = 91000000 + n * 10
    while True:
        for digit in "0123456789":
            if orgnr.is_valid(f"{base:08d}{digit}"):
                return f"{base:08d}{digit}"
        base += 1


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.no")
    full_name = factory.Faker("name", locale="no_NO")
    password = factory.django.Password("pass-word-123")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Omstillingsprogram {n}")
    short_name = factory.Sequence(lambda n: f"P{n}")
    status_start_year = 2010
    status_end_year = 2016


class PlanPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanPeriod

    programme = factory.SubFactory(ProgrammeFactory)
    start_year = 2010
    end_year = 2012
    title = "Omstillingsplan"


class FocusAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusArea

    plan_period = factory.SubFactory(PlanPeriodFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Innsatsområde {n}")


class FundingSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingSource

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Kilde {n}")


class FundingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Funding

    source = factory.SubFactory(FundingSourceFactory)
    year = 2012
    amount = Decimal("2500000")


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    programme = factory.SubFactory(ProgrammeFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    title = factory.Sequence(lambda n: f"Utlysning {n}")
    budget = Decimal("1900000")
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))


class BoardMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMembership

    programme = factory.SubFactory(ProgrammeFactory)
    user = factory.SubFactory(UserFactory)
    role = BoardMembership.Role.MEMBER


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    programme = factory.SubFactory(ProgrammeFactory)
    user = factory.SubFactory(UserFactory)
    role = StaffMembership.Role.LEADER


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("orgnr",)

    orgnr = factory.Sequence(valid_orgnr)
    name = factory.Sequence(lambda n: f"Bedrift {n} AS")


class OrganisationMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationMembership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = OrganisationMembership.Role.ADMIN


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    reference = factory.Sequence(lambda n: f"S-{n:06d}")
    programme = factory.SubFactory(ProgrammeFactory)
    focus_area = factory.SubFactory(
        FocusAreaFactory, plan_period__programme=factory.SelfAttribute("...programme")
    )
    organisation = factory.SubFactory(OrganisationFactory)
    category = Category.FORSTUDIE
    title = factory.Sequence(lambda n: f"Prosjekt {n}")
    summary = "Et kort sammendrag."


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    application = factory.SubFactory(ApplicationFactory)
    assessor = factory.SubFactory(UserFactory)
    recommendation = Assessment.Recommendation.APPROVE
    proposed_amount = Decimal("200000")
    reasoning = "Godt prosjekt."


class BoardMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMeeting

    programme = factory.SubFactory(ProgrammeFactory)
    starts_at = factory.LazyFunction(timezone.now)
    place = "Rådhuset"
    quorum_share = Decimal("0.50")


class BoardCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardCase

    meeting = factory.SubFactory(BoardMeetingFactory)
    application = factory.SubFactory(
        ApplicationFactory, programme=factory.SelfAttribute("..meeting.programme")
    )
    number = factory.Sequence(lambda n: n + 1)


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    application = factory.SubFactory(ApplicationFactory, state="approved")
    outcome = Decision.Outcome.APPROVED
    amount = Decimal("200000")
    decided_at = factory.LazyFunction(timezone.now)


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grant

    reference = factory.Sequence(lambda n: f"T-{n:06d}")
    decision = factory.SubFactory(DecisionFactory)
    application = factory.SelfAttribute("decision.application")
    year = 2012
    amount = factory.SelfAttribute("decision.amount")
    state = Grant.State.ACCEPTED


class PayoutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payout

    grant = factory.SubFactory(GrantFactory)
    number = factory.Sequence(lambda n: n + 1)
    amount = Decimal("10000")


class ResultReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResultReport

    grant = factory.SubFactory(GrantFactory)
    year = 2012


class ReportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportJob

    programme = factory.SubFactory(ProgrammeFactory)
    year = 2012
    kind = ReportJob.Kind.ANNUAL_PLAN_PDF

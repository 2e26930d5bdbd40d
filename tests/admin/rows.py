"""One row builder per model registered in the admin.

Each builder makes one row whose related objects are its own (a new programme, application,
user …), so that a changelist that forgets a ``select_related`` shows up as extra queries. Each
row carries a fresh token in a searchable field; ``term`` returns the token to search for.
"""

import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from applications.models import (
    Appeal,
    Application,
    ApplicationSnapshot,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    BoardCase,
    BoardMeeting,
    CaseStandIn,
    ConflictDeclaration,
    CostLine,
    Decision,
    FinancingLine,
    JournalEntry,
    Letter,
    MeetingAttendance,
    Organisation,
    OrganisationMembership,
    Vote,
)
from omstilling.audit import audit_log
from omstilling.models import (
    AuditEntry,
    BoardMembership,
    BudgetAllocation,
    Call,
    FocusArea,
    Funding,
    FundingSource,
    Goal,
    Indicator,
    IndicatorValue,
    Municipality,
    PlanPeriod,
    Programme,
    StaffMembership,
    SubGoal,
    User,
)
from projects.models import DeadlineExtension, Grant, Payout, ResultReport
from reports.models import ReportJob
from tests.factories import (
    ApplicationFactory,
    AssessmentFactory,
    BoardCaseFactory,
    BoardMeetingFactory,
    BoardMembershipFactory,
    CallFactory,
    DecisionFactory,
    FocusAreaFactory,
    FundingFactory,
    FundingSourceFactory,
    GrantFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    PayoutFactory,
    PlanPeriodFactory,
    ProgrammeFactory,
    ReportJobFactory,
    ResultReportFactory,
    StaffMembershipFactory,
    UserFactory,
)

_municipality_numbers = itertools.count(1000)


def token():
    return uuid.uuid4().hex[:12]


def person(**kwargs):
    # UserFactory's Faker locale "nb_NO" does not exist in Faker (it is "no_NO"), so every user
    # gets an explicit name.
    kwargs.setdefault("full_name", f"Kari Nordmann {token()}")
    return UserFactory(**kwargs)


@dataclass
class Row:
    build: Callable[[], object]
    term: Callable[[object], str]


def _user():
    user = person(email=f"{token()}@example.no")
    StaffMembershipFactory(user=user)
    BoardMembershipFactory(user=user)
    return user


def _municipality():
    number = next(_municipality_numbers)
    return Municipality.objects.create(number=f"{number:04d}", name=f"Kommune {token()}")


def _programme():
    programme = ProgrammeFactory(name=f"Omstillingsprogram {token()}")
    programme.municipalities.add(_municipality(), _municipality())
    return programme


def _plan_period():
    plan_period = PlanPeriodFactory(title=f"Omstillingsplan {token()}")
    FocusAreaFactory(plan_period=plan_period)
    return plan_period


def _sub_goal():
    return SubGoal.objects.create(plan_period=PlanPeriodFactory(), order=1, text=f"Delmål {token()}")


def _focus_area():
    return FocusAreaFactory(name=f"Innsatsområde {token()}")


def _goal():
    focus_area = FocusAreaFactory()
    return Goal.objects.create(
        programme=focus_area.plan_period.programme,
        plan_period=focus_area.plan_period,
        focus_area=focus_area,
        kind=Goal.Kind.RESULT,
        metric=Goal.Metric.NEW_FIRMS,
        target=Decimal("6"),
        per=Goal.Per.PERIOD,
        text=f"Nye bedrifter {token()}",
    )


def _indicator():
    indicator = Indicator.objects.create(
        programme=ProgrammeFactory(), code=token(), name=f"Befolkning {token()}"
    )
    IndicatorValue.objects.create(indicator=indicator, year=2012, value=Decimal("12928"))
    return indicator


def _indicator_value():
    indicator = Indicator.objects.create(programme=ProgrammeFactory(), code=token(), name="Sysselsetting")
    return IndicatorValue.objects.create(
        indicator=indicator, year=2012, breakdown=f"Industri {token()}", value=Decimal("3100")
    )


def _funding_source():
    source = FundingSourceFactory(name=f"Tilskudd {token()}")
    FundingFactory(source=source)
    return source


def _funding():
    return FundingFactory(source=FundingSourceFactory(name=f"Egenandel {token()}"))


def _budget_allocation():
    focus_area = FocusAreaFactory()
    return BudgetAllocation.objects.create(
        plan_period=focus_area.plan_period,
        focus_area=focus_area,
        label=f"Post {token()}",
        amount=Decimal("4400000"),
    )


def _call():
    return CallFactory(title=f"Utlysning {token()}")


def _board_membership():
    member = BoardMembershipFactory(user=person())
    return BoardMembershipFactory(
        programme=member.programme,
        user=person(),
        role=BoardMembership.Role.DEPUTY,
        deputy_for=member,
        represents=f"Innovasjon Norge {token()}",
    )


def _staff_membership():
    return StaffMembershipFactory(user=person(), title=f"Rådgiver {token()}")


def _audit_entry():
    application = ApplicationFactory()
    return audit_log(
        actor=person(),
        obj=application,
        action="state:submitted",
        from_state="draft",
        to_state="submitted",
        reason=f"Sendt inn {token()}",
    )


def _organisation():
    return OrganisationFactory(name=f"Bedrift {token()} AS", municipality=_municipality())


def _organisation_membership():
    return OrganisationMembershipFactory(
        organisation=OrganisationFactory(name=f"Bedrift {token()} AS"), user=person()
    )


def _application():
    programme = ProgrammeFactory()
    application = ApplicationFactory(
        programme=programme, call=CallFactory(programme=programme), title=f"Prosjekt {token()}"
    )
    CostLine.objects.create(application=application, description="Innleid kompetanse", amount=400000)
    FinancingLine.objects.create(
        application=application, kind=FinancingLine.Kind.PROGRAMME, amount=Decimal("200000")
    )
    FinancingLine.objects.create(
        application=application, kind=FinancingLine.Kind.OWN_FUNDS, amount=Decimal("200000")
    )
    return application


def _application_snapshot():
    application = ApplicationFactory(state=Application.State.SUBMITTED, title=f"Prosjekt {token()}")
    return ApplicationSnapshot.objects.create(
        application=application,
        submitted_at=timezone.now(),
        submitted_by=person(),
        data={"title": application.title},
    )


def _assessment_criterion():
    return AssessmentCriterion.objects.create(programme=ProgrammeFactory(), name=f"Nyskaping {token()}")


def _assessment():
    assessment = AssessmentFactory(application__title=f"Prosjekt {token()}", assessor=person())
    criterion = AssessmentCriterion.objects.create(
        programme=assessment.application.programme, name="Realisme"
    )
    AssessmentScore.objects.create(assessment=assessment, criterion=criterion, score=5)
    return assessment


def _board_meeting():
    meeting = BoardMeetingFactory(place=f"Rådhuset {token()}")
    BoardCaseFactory(meeting=meeting)
    return meeting


def _board_case():
    case = BoardCaseFactory(application__title=f"Prosjekt {token()}")
    member = BoardMembershipFactory(programme=case.meeting.programme, user=person())
    Vote.objects.create(case=case, member=member, choice=Vote.Choice.FOR)
    return case


def _conflict_declaration():
    case = BoardCaseFactory(application__title=f"Prosjekt {token()}")
    return ConflictDeclaration.objects.create(
        case=case,
        member=BoardMembershipFactory(programme=case.meeting.programme, user=person()),
        reason="Styremedlemmet eier aksjer i søkerbedriften.",
    )


def _vote():
    case = BoardCaseFactory(application__title=f"Prosjekt {token()}")
    return Vote.objects.create(
        case=case,
        member=BoardMembershipFactory(programme=case.meeting.programme, user=person()),
        choice=Vote.Choice.FOR,
    )


def _case_stand_in():
    case = BoardCaseFactory(application__title=f"Prosjekt {token()}")
    member = BoardMembershipFactory(programme=case.meeting.programme, user=person())
    deputy = BoardMembershipFactory(
        programme=case.meeting.programme, user=person(), role=BoardMembership.Role.DEPUTY, deputy_for=member
    )
    return CaseStandIn.objects.create(case=case, deputy=deputy, stands_in_for=member)


def _decision():
    case = BoardCaseFactory(application__title=f"Prosjekt {token()}")
    return DecisionFactory(application=case.application, case=case)


def _appeal():
    decision = DecisionFactory(application__title=f"Prosjekt {token()}")
    return Appeal.objects.create(
        application=decision.application,
        decision=decision,
        reasons="Prosjektet hører til innsatsområdet.",
        lodged_by=person(),
        lodged_at=timezone.now(),
        deadline=timezone.localdate() + dt.timedelta(weeks=3),
    )


def _meeting_attendance():
    meeting = BoardMeetingFactory(place=f"Kommunestyresalen {token()}")
    member = BoardMembershipFactory(programme=meeting.programme, user=person())
    deputy = BoardMembershipFactory(
        programme=meeting.programme, user=person(), role=BoardMembership.Role.DEPUTY, deputy_for=member
    )
    return MeetingAttendance.objects.create(meeting=meeting, member=deputy, stands_in_for=member)


def _letter():
    decision = DecisionFactory(application__title=f"Prosjekt {token()}")
    return Letter.objects.create(
        kind=Letter.Kind.GRANT_LETTER,
        decision=decision,
        file=f"letters/grant_letter/{token()}.pdf",
        sha256="0" * 64,
    )


def _grant():
    grant = GrantFactory(decision__application__title=f"Prosjekt {token()}")
    PayoutFactory(grant=grant, state=Payout.State.APPROVED, approved_at=timezone.now())
    return grant


def _payout():
    return PayoutFactory(
        grant__decision__application__title=f"Prosjekt {token()}",
        requested_by=person(),
        approved_by=person(),
        state=Payout.State.APPROVED,
        approved_at=timezone.now(),
    )


def _deadline_extension():
    grant = GrantFactory(
        decision__application__title=f"Prosjekt {token()}",
        project_end=dt.date(2030, 12, 31),
        final_report_deadline=dt.date(2031, 3, 31),
    )
    return DeadlineExtension.objects.create(
        grant=grant,
        current_deadline=grant.final_report_deadline,
        requested_deadline=dt.date(2031, 6, 30),
        reason="Forsinket leveranse.",
        requested_by=person(),
    )


def _result_report():
    return ResultReportFactory(grant__decision__application__title=f"Prosjekt {token()}")


def _report_job():
    return ReportJobFactory(programme=ProgrammeFactory(name=f"Program {token()}"), requested_by=person())


_journal_numbers = itertools.count(1)


def _journal_entry():
    application = ApplicationFactory(title=f"Prosjekt {token()}")
    return JournalEntry.objects.create(
        programme=application.programme,
        year=2026,
        sequence=next(_journal_numbers),
        registered_at=timezone.now(),
        direction=JournalEntry.Direction.INCOMING,
        kind=JournalEntry.Kind.APPLICATION,
        title=f"Søknad om tilskudd: {application.title}",
        party=application.organisation.name,
        case_reference=application.reference,
        application=application,
    )


def _title(obj):
    return obj.title.split()[-1]


def _last_word(attribute):
    return lambda obj: attribute(obj).split()[-1]


ROWS = {
    User: Row(_user, lambda user: user.email),
    Municipality: Row(_municipality, _last_word(lambda m: m.name)),
    Programme: Row(_programme, _last_word(lambda p: p.name)),
    PlanPeriod: Row(_plan_period, _title),
    SubGoal: Row(_sub_goal, _last_word(lambda g: g.text)),
    FocusArea: Row(_focus_area, _last_word(lambda f: f.name)),
    Goal: Row(_goal, _last_word(lambda g: g.text)),
    Indicator: Row(_indicator, _last_word(lambda i: i.name)),
    IndicatorValue: Row(_indicator_value, _last_word(lambda v: v.breakdown)),
    FundingSource: Row(_funding_source, _last_word(lambda s: s.name)),
    Funding: Row(_funding, _last_word(lambda f: f.source.name)),
    BudgetAllocation: Row(_budget_allocation, _last_word(lambda a: a.label)),
    Call: Row(_call, _title),
    BoardMembership: Row(_board_membership, _last_word(lambda m: m.represents)),
    StaffMembership: Row(_staff_membership, _title),
    AuditEntry: Row(_audit_entry, _last_word(lambda e: e.reason)),
    Organisation: Row(_organisation, lambda o: o.name.split()[1]),
    OrganisationMembership: Row(_organisation_membership, lambda m: m.organisation.name.split()[1]),
    Application: Row(_application, _title),
    ApplicationSnapshot: Row(_application_snapshot, lambda s: _title(s.application)),
    AssessmentCriterion: Row(_assessment_criterion, _last_word(lambda c: c.name)),
    Assessment: Row(_assessment, lambda a: _title(a.application)),
    BoardMeeting: Row(_board_meeting, _last_word(lambda m: m.place)),
    BoardCase: Row(_board_case, lambda c: _title(c.application)),
    ConflictDeclaration: Row(_conflict_declaration, lambda c: _title(c.case.application)),
    Vote: Row(_vote, lambda v: _title(v.case.application)),
    CaseStandIn: Row(_case_stand_in, lambda s: _title(s.case.application)),
    Decision: Row(_decision, lambda d: _title(d.application)),
    Appeal: Row(_appeal, lambda a: _title(a.application)),
    MeetingAttendance: Row(_meeting_attendance, _last_word(lambda a: a.meeting.place)),
    Letter: Row(_letter, lambda letter: _title(letter.decision.application)),
    JournalEntry: Row(_journal_entry, _title),
    Grant: Row(_grant, lambda g: _title(g.application)),
    Payout: Row(_payout, lambda p: _title(p.grant.application)),
    ResultReport: Row(_result_report, lambda r: _title(r.grant.application)),
    DeadlineExtension: Row(_deadline_extension, lambda e: _title(e.grant.application)),
    ReportJob: Row(_report_job, _last_word(lambda j: j.programme.name)),
}

ADMIN_APPS = ("omstilling", "applications", "projects", "reports")

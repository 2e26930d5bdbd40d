"""Report figures: every number in the annual report and the exports is read here."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omstilling import seed
from omstilling.models import (
    AnnualPlan,
    AuditEntry,
    BoardMembership,
    Category,
    Funding,
    Goal,
    Indicator,
    StaffMembership,
)
from projects.models import Grant, HistoricalResult, Payout, ResultReport
from projects.selectors import budget_ledger

from .formatting import format_number, format_span
from .markdown import markdown_headings, render_markdown
from .models import ReportJob
from .tables import GrantMatrix, grant_matrix


@dataclass(frozen=True)
class YearAmount:
    year: int
    amount: Decimal


@dataclass(frozen=True)
class IndicatorYear:
    year: int
    actual: Decimal | None
    target: Decimal | None

    @property
    def deviation(self):
        if self.actual is None or self.target is None:
            return None
        return self.actual - self.target


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    values: list  # one value (or None) per year of ``IndicatorSection.breakdown_years``


@dataclass(frozen=True)
class IndicatorSection:
    """A statistical series with its actual totals, its goal trajectory and any breakdown."""

    code: str
    name: str
    unit: str
    source: str
    description: str
    actuals: list[YearAmount]
    trajectory: list[YearAmount]
    growth_percent: Decimal | None
    years: list[IndicatorYear]
    breakdown_years: list[int]
    breakdown: list[BreakdownRow]

    @property
    def has_chart(self):
        return bool(self.trajectory) or len(self.actuals) > 1


@dataclass(frozen=True)
class CategorySummary:
    category: str
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class FocusAreaSummary:
    """The grants a focus area received in the status period, by category."""

    number: int
    name: str
    count: int
    amount: Decimal
    categories: list[CategorySummary]


@dataclass(frozen=True)
class Results:
    """What the projects reported, summed over the result reports of the status period."""

    new_jobs: int
    secured_jobs: int
    new_firms: int
    networks: int
    other_funding: Decimal
    granted: Decimal
    reports: int

    @property
    def new_or_secured_jobs(self):
        return self.new_jobs + self.secured_jobs

    @property
    def leverage(self):
        """Giringseffekt: other funding mobilised per krone the programme granted."""
        if not self.granted:
            return None
        return self.other_funding / self.granted


@dataclass(frozen=True)
class YearResults:
    """The result reports of one year, summed."""

    year: int
    new_jobs: int
    secured_jobs: int
    new_firms: int
    networks: int
    other_funding: Decimal
    reports: int

    @property
    def new_or_secured_jobs(self):
        return self.new_jobs + self.secured_jobs


@dataclass(frozen=True)
class HistoricalResultLine:
    """A result from before the portal, printed as the plan gave it ("over 50", "8–10")."""

    metric: str
    label: str
    start_year: int
    end_year: int
    bound: str
    value: Decimal
    value_high: Decimal | None
    display: str

    @property
    def years(self):
        return format_span(self.start_year, self.end_year)


@dataclass(frozen=True)
class NarrativeText:
    """The programme leader's text at one place of the report, rendered, with its version."""

    place: str
    html: str
    version: int
    headings: tuple = ()


@dataclass(frozen=True)
class PlanAdoption:
    """Whether the board has adopted the year's plan (a board case), and when."""

    adopted: bool
    adopted_on: object | None


@dataclass(frozen=True)
class GoalText:
    kind: str
    kind_label: str
    text: str
    end_year: int | None


@dataclass(frozen=True)
class FocusAreaPlan:
    number: int
    name: str
    description: str
    result_goals: list[GoalText]
    effect_goals: list[GoalText]


@dataclass(frozen=True)
class GoalTopic:
    topic: str
    goals: list[GoalText]


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    represents: str


@dataclass(frozen=True)
class FinancingRow:
    label: str
    amounts: list[Decimal]
    total: Decimal


@dataclass(frozen=True)
class FinancingTable:
    years: list[int]
    rows: list[FinancingRow]
    sum_row: FinancingRow


@dataclass(frozen=True)
class AllocationRow:
    label: str
    allocated: Decimal
    granted: Decimal | None  # None: not tracked for the row (administration)
    paid: Decimal | None

    @property
    def remaining(self):
        return None if self.granted is None else self.allocated - self.granted


@dataclass(frozen=True)
class AllocationTable:
    rows: list[AllocationRow]
    allocated: Decimal
    granted: Decimal
    paid: Decimal


@dataclass(frozen=True)
class ProjectLine:
    """One grant in the appendix's list of projects."""

    year: int
    reference: str
    title: str
    organisation: str
    category_label: str
    focus_area: str
    amount: Decimal
    state_label: str


@dataclass(frozen=True)
class ProjectYear:
    """The appendix's grants of one year, in category order, with the year's subtotal."""

    year: int
    lines: list[ProjectLine]
    total: Decimal


@dataclass(frozen=True)
class KeyFigures:
    """The one-page summary after the contents: the status year in figures.

    ``granted``, ``paid`` and ``available`` are the budget ledger's for the year (paid and released
    follow the year's grants; available is what the programme can still grant); ``active`` counts
    every grant of the status period still running; ``results`` are the result reports for the year.
    """

    year: int
    granted_count: int
    granted: Decimal
    active_count: int
    active_amount: Decimal
    paid: Decimal
    has_funding: bool
    funding_in: Decimal
    available: Decimal
    results: Results


@dataclass(frozen=True)
class AnnualReport:
    programme: object
    year: int
    status_start_year: int
    plan_period: object | None  # the plan the report presents (Del II and III)
    current_period: object | None  # the plan period the status year belongs to
    status_funding: list[YearAmount]
    status_funding_total: Decimal
    grant_count: int
    grant_active_count: int
    granted_total: Decimal
    current_focus_areas: list[str]
    indicators: list[IndicatorSection]
    grant_years: list[int]
    grant_matrices: list[GrantMatrix]
    focus_area_summaries: list[FocusAreaSummary]
    results: Results
    status_assessment: str
    sub_goals: list[str]
    goal_topics: list[GoalTopic]
    focus_area_plans: list[FocusAreaPlan]
    communication_goals: list[GoalText]
    board: list[Person]
    observers: list[Person]
    staff: list[Person]
    financing: FinancingTable
    allocation: AllocationTable
    projects: list[ProjectLine]
    key_figures: KeyFigures

    @property
    def project_years(self):
        """The appendix grouped by year, each with its subtotal (the lines are already in order)."""
        groups = {}
        for line in self.projects:
            groups.setdefault(line.year, []).append(line)
        return [
            ProjectYear(year, lines, sum((line.amount for line in lines), Decimal("0")))
            for year, lines in groups.items()
        ]

    results_by_year: list[YearResults]
    historical_results: list[HistoricalResultLine]
    narratives: dict  # place → NarrativeText
    adoption: PlanAdoption

    @property
    def result_years(self):
        """The years the results section speaks of: years with grants or with results."""
        years = set(self.grant_years) | {item.year for item in self.results_by_year}
        for item in self.historical_results:
            years.update(range(item.start_year, item.end_year + 1))
        return sorted(years)

    @property
    def has_results(self):
        return bool(self.results_by_year or self.historical_results)

    @property
    def narrative_versions(self):
        """{place: version} of the texts the report prints (kept on the report job)."""
        return {place: text.version for place, text in sorted(self.narratives.items())}

    @property
    def status_years(self):
        return list(range(self.status_start_year, self.year + 1))

    @property
    def plan_title(self):
        if self.plan_period is None:
            return _("Status for omstillingsarbeidet")
        return self.plan_period.title or _("Omstillingsplan %(start)d–%(end)d") % {
            "start": self.plan_period.start_year,
            "end": self.plan_period.end_year,
        }


COMMUNICATION_TOPIC = "kommunikasjon"


def _plan_periods(programme, year):
    """(the period the report presents, the period ``year`` belongs to).

    A status report written at the end of a period introduces the next plan: the period starting
    the year after, when there is one; otherwise the report stays with the current period.
    """
    periods = list(programme.plan_periods.prefetch_related("focus_areas", "sub_goals").order_by("start_year"))
    current = next((period for period in periods if period.covers(year)), None)
    following = next((period for period in periods if period.start_year == year + 1), None)
    return following or current, current


def _indicator_sections(programme):

    sections = []
    for indicator in programme.indicators.prefetch_related("values").order_by("order", "code"):
        values = sorted(indicator.values.all(), key=lambda value: (value.order, value.breakdown, value.year))
        actuals = [YearAmount(value.year, value.value) for value in values if not value.breakdown]
        actuals.sort(key=lambda item: item.year)
        trajectory = [YearAmount(year, target) for year, target in Indicator.trajectory(indicator)]
        by_year_actual = {item.year: item.amount for item in actuals}
        by_year_target = {item.year: item.amount for item in trajectory}
        years = [
            IndicatorYear(year, by_year_actual.get(year), by_year_target.get(year))
            for year in sorted(by_year_actual.keys() | by_year_target.keys())
        ]
        breakdown_years = sorted({value.year for value in values})
        rows = {}
        for value in values:
            if value.breakdown:
                rows.setdefault(value.breakdown, {})[value.year] = value.value
        breakdown = [
            BreakdownRow(label, [cells.get(year) for year in breakdown_years])
            for label, cells in rows.items()
        ]
        if breakdown:
            breakdown.append(
                BreakdownRow(str(_("I alt")), [by_year_actual.get(year) for year in breakdown_years])
            )
        sections.append(
            IndicatorSection(
                code=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                source=indicator.source,
                description=indicator.description,
                actuals=actuals,
                trajectory=trajectory,
                growth_percent=indicator.annual_growth_percent if trajectory else None,
                years=years,
                breakdown_years=breakdown_years if breakdown else [],
                breakdown=breakdown,
            )
        )
    return sections


def _grant_aggregates(programme, start_year, end_year):
    """Per (year, focus area, category): count, active count, amount — one query."""
    return list(
        Grant.objects.filter(application__programme=programme, year__gte=start_year, year__lte=end_year)
        .values(
            "year",
            "application__category",
            "application__focus_area_id",
            "application__focus_area__number",
            "application__focus_area__name",
            "application__focus_area__plan_period__start_year",
        )
        .annotate(
            # Before ``amount``: that annotation's name hides the field.
            active_amount=Sum("amount", filter=Q(state__in=Grant.ACTIVE_STATES)),
            count=Count("pk"),
            active_count=Count("pk", filter=Q(state__in=Grant.ACTIVE_STATES)),
            amount=Sum("amount"),
        )
        .order_by()
    )


def _focus_area_summaries(aggregates):
    areas = {}
    for item in aggregates:
        key = item["application__focus_area_id"]
        area = areas.setdefault(
            key,
            {
                "sort": (
                    item["application__focus_area__plan_period__start_year"],
                    item["application__focus_area__number"],
                    item["application__focus_area__name"],
                ),
                "number": item["application__focus_area__number"],
                "name": item["application__focus_area__name"],
                "categories": {},
            },
        )
        count, amount = area["categories"].get(item["application__category"], (0, Decimal("0")))
        area["categories"][item["application__category"]] = (count + item["count"], amount + item["amount"])
    summaries = []
    for area in sorted(areas.values(), key=lambda area: area["sort"]):
        categories = [
            CategorySummary(category.value, category.label, *area["categories"][category.value])
            for category in Category
            if category.value in area["categories"]
        ]
        summaries.append(
            FocusAreaSummary(
                number=area["number"],
                name=area["name"],
                count=sum(item.count for item in categories),
                amount=sum((item.amount for item in categories), Decimal("0")),
                categories=categories,
            )
        )
    return summaries


def _results(by_year, granted):
    """The result reports of the years in ``by_year`` (:func:`_results_by_year`), summed."""
    return Results(
        new_jobs=sum(row.new_jobs for row in by_year),
        secured_jobs=sum(row.secured_jobs for row in by_year),
        new_firms=sum(row.new_firms for row in by_year),
        networks=sum(row.networks for row in by_year),
        other_funding=sum((row.other_funding for row in by_year), Decimal("0")),
        granted=granted,
        reports=sum(row.reports for row in by_year),
    )


def _results_by_year(programme, start_year, end_year):
    rows = (
        ResultReport.objects.filter(
            grant__application__programme=programme, year__gte=start_year, year__lte=end_year
        )
        .values("year")
        .annotate(
            new_jobs=Sum("new_jobs"),
            secured_jobs=Sum("secured_jobs"),
            new_firms=Sum("new_firms"),
            networks=Sum("networks"),
            other_funding=Sum("other_funding"),
            reports=Count("pk"),
        )
        .order_by("year")
    )
    return [YearResults(**row) for row in rows]


MILLION = Decimal(1_000_000)


def format_result_value(metric, bound, value, value_high=None):
    """A result figure as the plans write it: "over 50", "ca. 100", "8–10", "over 30 mill. kr"."""

    def number(amount):
        if metric == HistoricalResult.Metric.OTHER_FUNDING:
            if amount >= MILLION and amount % (MILLION / 10) == 0:
                millions = amount / MILLION
                return _("%(amount)s mill. kr") % {
                    "amount": format_number(millions, decimals=0 if millions == millions.to_integral() else 1)
                }
            return _("%(amount)s kr") % {"amount": format_number(amount)}
        return format_number(amount, decimals=0 if amount == amount.to_integral() else 1)

    if bound == HistoricalResult.Bound.FLOOR:
        return _("over %(value)s") % {"value": number(value)}
    if bound == HistoricalResult.Bound.APPROX:
        return _("ca. %(value)s") % {"value": number(value)}
    if bound == HistoricalResult.Bound.RANGE and value_high is not None:
        if metric == HistoricalResult.Metric.OTHER_FUNDING:
            return f"{format_number(value)}–{number(value_high)}"
        return f"{number(value)}–{number(value_high)}"
    return number(value)


def _historical_results(programme, start_year, end_year):
    return [
        HistoricalResultLine(
            metric=item.metric,
            label=item.get_metric_display(),
            start_year=item.start_year,
            end_year=item.end_year,
            bound=item.bound,
            value=item.value,
            value_high=item.value_high,
            display=format_result_value(item.metric, item.bound, item.value, item.value_high),
        )
        for item in HistoricalResult.objects.filter(
            programme=programme, start_year__gte=start_year, end_year__lte=end_year
        ).order_by("start_year", "order", "metric")
    ]


def _narratives(plan):
    if plan is None:
        return {}
    return {
        section.place: NarrativeText(
            section.place,
            render_markdown(section.body),
            section.version,
            tuple(markdown_headings(section.body)),
        )
        for section in plan.sections.all()
        if section.body.strip()
    }


def report_year_refusal(programme, year):
    """Why no annual report can be made for ``year``, or None: only the years of the programme's
    status period have one. The order form, the report service and ``build_report`` all ask."""
    if year is None or not programme.status_start_year <= year <= programme.status_end_year:
        return _(
            "%(programme)s har omstillingsstatus %(start)d–%(end)d; "
            "velg et år i den perioden (ikke %(year)s)."
        ) % {
            "programme": programme.short_name or programme.name,
            "start": programme.status_start_year,
            "end": programme.status_end_year,
            "year": year,
        }
    return None


def _goal_text(goal):
    return GoalText(
        kind=goal.kind, kind_label=goal.get_kind_display(), text=goal.text, end_year=goal.end_year
    )


def _goals(programme, plan_period):
    """(programme-wide goals by topic, focus area plans, communication goals)."""

    if plan_period is None:
        return [], [], []
    goals = list(
        Goal.objects.filter(programme=programme, plan_period=plan_period).order_by("kind", "order", "pk")
    )
    topics, communication = {}, []
    per_area = {}
    main_goal = " ".join(plan_period.main_goal.split())
    for goal in goals:
        if goal.focus_area_id:
            per_area.setdefault(goal.focus_area_id, []).append(goal)
        elif " ".join(goal.text.split()) == main_goal:
            # A goal worded as the main goal is printed once, as the main goal.
            continue
        elif goal.topic == COMMUNICATION_TOPIC:
            communication.append(_goal_text(goal))
        else:
            topics.setdefault(goal.topic, []).append(_goal_text(goal))
    plans = [
        FocusAreaPlan(
            number=area.number,
            name=area.name,
            description=area.description,
            result_goals=[_goal_text(g) for g in per_area.get(area.pk, []) if g.kind == Goal.Kind.RESULT],
            effect_goals=[_goal_text(g) for g in per_area.get(area.pk, []) if g.kind == Goal.Kind.EFFECT],
        )
        for area in sorted(plan_period.focus_areas.all(), key=lambda area: (area.number, area.name))
        if not area.is_catch_all
    ]
    return [GoalTopic(topic, items) for topic, items in topics.items()], plans, communication


def _organisation(programme, on):
    """The board, observers and staff as of ``on`` (the end of the status year).

    The demo logins of ``seed_demo_users`` hold seats too; they are accounts to try the portal with,
    not people, and a report the programme sends its owner never names them.
    """
    board, observers = [], []
    memberships = (
        BoardMembership.objects.valid_on(on)
        .filter(programme=programme)
        .exclude(user__email__endswith=seed.DEMO_EMAIL_SUFFIX)
        .select_related("user")
        .order_by("role", "user__full_name", "user__email")
    )
    order = {role: index for index, role in enumerate(BoardMembership.Role.values)}
    for membership in sorted(memberships, key=lambda m: (order[m.role], str(m.user))):
        person = Person(str(membership.user), membership.get_role_display(), membership.represents)
        (observers if membership.role == BoardMembership.Role.OBSERVER else board).append(person)
    staff = [
        Person(str(membership.user), membership.title or membership.get_role_display(), "")
        for membership in StaffMembership.objects.filter(programme=programme, is_active=True)
        .exclude(user__email__endswith=seed.DEMO_EMAIL_SUFFIX)
        .select_related("user")
        .order_by("role", "user__full_name", "user__email")
    ]
    return board, observers, staff


def _financing(programme, years):

    fundings = (
        Funding.objects.filter(source__programme=programme, year__in=years)
        .select_related("source")
        .order_by("source__order", "source__name", "year")
    )
    rows = {}
    for funding in fundings:
        rows.setdefault(funding.source.name, {})[funding.year] = funding.amount
    zero = Decimal("0")
    table_rows = []
    for label, cells in rows.items():
        amounts = [cells.get(year, zero) for year in years]
        table_rows.append(FinancingRow(label, amounts, sum(amounts, zero)))
    sums = [sum((row.amounts[index] for row in table_rows), zero) for index in range(len(years))]
    return FinancingTable(
        years=list(years), rows=table_rows, sum_row=FinancingRow(str(_("I alt")), sums, sum(sums, zero))
    )


def _allocation(plan_period):

    if plan_period is None:
        return AllocationTable([], Decimal("0"), Decimal("0"), Decimal("0"))
    allocations = list(plan_period.allocations.order_by("order", "label"))
    grants = Grant.objects.filter(application__focus_area__plan_period=plan_period)
    granted = grants.effective_by("application__focus_area_id")
    paid = dict(
        Payout.objects.filter(grant__in=grants, state__in=Payout.COMMITTED_STATES)
        .values_list("grant__application__focus_area_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    zero = Decimal("0")
    rows = [
        AllocationRow(
            label=allocation.label,
            allocated=allocation.amount,
            granted=granted.get(allocation.focus_area_id, zero) if allocation.focus_area_id else None,
            paid=paid.get(allocation.focus_area_id, zero) if allocation.focus_area_id else None,
        )
        for allocation in allocations
    ]
    return AllocationTable(
        rows=rows,
        allocated=sum((row.allocated for row in rows), zero),
        granted=sum((row.granted for row in rows if row.granted is not None), zero),
        paid=sum((row.paid for row in rows if row.paid is not None), zero),
    )


# The phases in the order a project passes through them, not alphabetical (forprosjekt < forstudie).
CATEGORY_RANK = Case(
    *(When(application__category=value, then=Value(rank)) for rank, value in enumerate(Category.values)),
    default=Value(len(Category.values)),
)


def _projects(programme, start_year, end_year):
    states = dict(Grant.State.choices)
    categories = dict(Category.choices)
    rows = (
        Grant.objects.filter(application__programme=programme, year__gte=start_year, year__lte=end_year)
        .annotate(category_rank=CATEGORY_RANK)
        .order_by("year", "category_rank", "application__focus_area__number", "reference")
        .values_list(
            "year",
            "reference",
            "application__title",
            "application__organisation__name",
            "application__category",
            "application__focus_area__name",
            "amount",
            "state",
        )
    )
    return [
        ProjectLine(
            year=year,
            reference=reference,
            title=title,
            organisation=organisation or "",
            category_label=str(categories.get(category, category)),
            focus_area=focus_area,
            amount=amount,
            state_label=str(states.get(state, state)),
        )
        for year, reference, title, organisation, category, focus_area, amount, state in rows.iterator()
    ]


def _key_figures(programme, year, aggregates, results_by_year):
    ledger = budget_ledger(programme, year)
    active = [item for item in aggregates if item["active_count"]]  # else active_amount is NULL
    return KeyFigures(
        year=year,
        granted_count=ledger.granted_count,
        granted=ledger.granted,
        active_count=sum(item["active_count"] for item in active),
        active_amount=sum((item["active_amount"] for item in active), Decimal("0")),
        paid=ledger.paid,
        has_funding=ledger.has_funding,
        funding_in=ledger.funding_in,
        available=ledger.available,
        results=_results([row for row in results_by_year if row.year == year], ledger.granted),
    )


def annual_report(programme, year):
    """Every figure and text of the annual omstillingsplan / status report for ``year``.

    The status part (Del I) covers the programme's status years up to and including ``year``; the
    plan part (Del II and III) presents the plan period that follows ``year`` (or the one that
    contains it). The number of queries depends on the number of years, never on the number of
    grants, reports or payouts.
    """

    plan_period, current_period = _plan_periods(programme, year)
    start = min(programme.status_start_year, year)
    status_years = list(range(start, year + 1))

    funding = dict(
        Funding.objects.filter(source__programme=programme, year__in=status_years)
        .values_list("year")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    status_funding = [YearAmount(y, funding[y]) for y in status_years if y in funding]

    aggregates = _grant_aggregates(programme, start, year)
    granted_total = sum((item["amount"] for item in aggregates), Decimal("0"))
    # The result reports are read once, by year; the period's and the year's totals are their sums.
    results_by_year = _results_by_year(programme, start, year)
    grant_years = sorted({item["year"] for item in aggregates})
    goal_topics, focus_area_plans, communication_goals = _goals(programme, plan_period)
    board, observers, staff = _organisation(programme, dt.date(year, 12, 31))
    plan_years = list(range(plan_period.start_year, plan_period.end_year + 1)) if plan_period else []
    annual_plan = (
        AnnualPlan.objects.filter(programme=programme, year=year).prefetch_related("sections").first()
    )
    narratives = _narratives(annual_plan)
    if "goals" in narratives:
        # A goal topic the programme leader's text already presents under its own heading
        # ("Mål for arbeidsplasser") is told there, not a second time as a list.
        written = set(narratives["goals"].headings)
        goal_topics = [
            topic
            for topic in goal_topics
            if str(_("Mål for %(topic)s") % {"topic": topic.topic}) not in written
        ]
    assessment = (plan_period.status_assessment if plan_period else "") or (
        current_period.status_assessment if current_period else ""
    )
    return AnnualReport(
        programme=programme,
        year=year,
        status_start_year=start,
        plan_period=plan_period,
        current_period=current_period,
        status_funding=status_funding,
        status_funding_total=sum((item.amount for item in status_funding), Decimal("0")),
        grant_count=sum(item["count"] for item in aggregates),
        grant_active_count=sum(item["active_count"] for item in aggregates),
        granted_total=granted_total,
        current_focus_areas=[
            area.name
            for area in sorted(current_period.focus_areas.all(), key=lambda area: area.number)
            if not area.is_catch_all
        ]
        if current_period
        else [],
        indicators=_indicator_sections(programme),
        grant_years=grant_years,
        grant_matrices=[grant_matrix(programme, grant_year) for grant_year in grant_years],
        focus_area_summaries=_focus_area_summaries(aggregates),
        results=_results(results_by_year, granted_total),
        status_assessment=assessment,
        sub_goals=[goal.text for goal in plan_period.sub_goals.all()] if plan_period else [],
        goal_topics=goal_topics,
        focus_area_plans=focus_area_plans,
        communication_goals=communication_goals,
        board=board,
        observers=observers,
        staff=staff,
        financing=_financing(programme, plan_years),
        allocation=_allocation(plan_period),
        projects=_projects(programme, start, year),
        key_figures=_key_figures(programme, year, aggregates, results_by_year),
        results_by_year=results_by_year,
        historical_results=_historical_results(programme, start, year),
        narratives=narratives,
        adoption=PlanAdoption(
            adopted=bool(annual_plan and annual_plan.adopted_on),
            adopted_on=annual_plan.adopted_on if annual_plan else None,
        ),
    )


# Report jobs -----------------------------------------------------------------------------------------


def _last_sign_of_life():
    """The time of the job's latest audit entry (queued, re-queued, started), else its creation."""
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ReportJob),
        object_id=Cast(OuterRef("pk"), output_field=AuditEntry._meta.get_field("object_id")),
    )
    return Coalesce(
        Subquery(entries.values("object_id").annotate(last=Max("created_at")).values("last")[:1]),
        "created_at",
    )


def report_jobs_stale(older_than, now=None):
    """Unfinished jobs (queued or running) with no sign of life since ``now - older_than``."""
    cutoff = (now or timezone.now()) - older_than
    return (
        ReportJob.objects.filter(state__in=[ReportJob.State.QUEUED, ReportJob.State.RUNNING])
        .annotate(last_seen=_last_sign_of_life())
        .filter(last_seen__lte=cutoff)
        .order_by("created_at", "pk")
    )

"""The grant tables of the annual report and the grant_table command: per year, category and focus area."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from omstilling.models import Category, FocusArea
from projects.models import Grant

CATEGORY_ORDER = {value: index for index, value in enumerate(Category.values)}


@dataclass(frozen=True)
class FocusAreaColumn:
    id: int
    number: int
    name: str


@dataclass(frozen=True)
class GrantTableRow:
    """The grants of one year in one category and one focus area."""

    category: str
    focus_area: FocusAreaColumn
    granted_count: int
    active_count: int
    granted_amount: Decimal
    active_amount: Decimal


@dataclass(frozen=True)
class GrantTable:
    programme: object
    year: int
    rows: list[GrantTableRow]
    total_granted_amount: Decimal


def grant_table(programme, year):
    """Grants awarded in ``year`` (``Grant.year``) per category and focus area, in one query.

    "Aktive" are grants still in :attr:`Grant.ACTIVE_STATES`; "bevilget" counts every grant of the
    year whatever its state. Only combinations with at least one grant appear, ordered by category
    (forstudie, forprosjekt, hovedprosjekt) and then by focus area number.
    """
    active = Q(state__in=Grant.ACTIVE_STATES)
    aggregates = (
        Grant.objects.filter(application__programme=programme, year=year)
        .values(
            "application__category",
            "application__focus_area_id",
            "application__focus_area__number",
            "application__focus_area__name",
        )
        .annotate(
            granted_count=Count("pk"),
            active_count=Count("pk", filter=active),
            granted_amount=Sum("amount"),
            active_amount=Sum("amount", filter=active),
        )
        .order_by()
    )
    rows = [
        GrantTableRow(
            category=item["application__category"],
            focus_area=FocusAreaColumn(
                id=item["application__focus_area_id"],
                number=item["application__focus_area__number"],
                name=item["application__focus_area__name"],
            ),
            granted_count=item["granted_count"],
            active_count=item["active_count"],
            granted_amount=item["granted_amount"],
            # SUM over no rows is NULL: a cell without active grants.
            active_amount=item["active_amount"] or Decimal("0"),
        )
        for item in aggregates
    ]
    rows.sort(key=lambda row: (CATEGORY_ORDER[row.category], row.focus_area.number, row.focus_area.name))
    return GrantTable(
        programme=programme,
        year=year,
        rows=rows,
        total_granted_amount=sum((row.granted_amount for row in rows), Decimal("0")),
    )


@dataclass(frozen=True)
class MatrixLine:
    """One printed line: a value per focus area column and the line's total."""

    key: str
    label: str
    values: list
    total: object


@dataclass(frozen=True)
class MatrixSection:
    category: str
    label: str
    lines: list[MatrixLine]


@dataclass(frozen=True)
class GrantMatrix:
    programme: object
    year: int
    columns: list[FocusAreaColumn]
    sections: list[MatrixSection]
    sum_line: MatrixLine


MATRIX_LINES = (
    ("granted_count", _("Antall bevilget")),
    ("active_count", _("Antall aktive")),
    ("granted_amount", _("Bevilget beløp")),
    ("active_amount", _("Bevilget aktive")),
)


def grant_matrix(programme, year):
    """The grant table laid out as printed in the omstillingsplan.

    Columns are the focus areas of the plan period covering ``year`` in number order, including
    those without grants (a catch-all area such as "Andre" only when it has grants). A grant can
    belong to a focus area of an earlier period (an application decided after the period turned);
    such areas get a column after the period's own so that the columns always add up to the total.
    Every category gets its four lines even when empty.
    """
    table = grant_table(programme, year)
    with_grants = {row.focus_area.id for row in table.rows}
    # A catch-all area ("Andre") gets a column only in a year with grants outside the others.
    columns = [
        FocusAreaColumn(id=area.pk, number=area.number, name=area.name)
        for area in FocusArea.objects.filter(
            plan_period__programme=programme,
            plan_period__start_year__lte=year,
            plan_period__end_year__gte=year,
        ).order_by("number", "name")
        if not area.is_catch_all or area.pk in with_grants
    ]
    known = {column.id for column in columns}
    columns += sorted(
        {row.focus_area for row in table.rows if row.focus_area.id not in known},
        key=lambda column: (column.number, column.name),
    )
    position = {column.id: index for index, column in enumerate(columns)}
    cells = {(row.category, row.focus_area.id): row for row in table.rows}

    def line(key, label, category):
        zero = Decimal("0") if key.endswith("amount") else 0
        values = [
            getattr(cells[(category, column.id)], key) if (category, column.id) in cells else zero
            for column in columns
        ]
        return MatrixLine(key=key, label=label, values=values, total=sum(values, zero))

    sections = [
        MatrixSection(
            category=category.value,
            label=category.label,
            lines=[line(key, label, category.value) for key, label in MATRIX_LINES],
        )
        for category in Category
    ]
    sums = [Decimal("0")] * len(columns)
    for row in table.rows:
        sums[position[row.focus_area.id]] += row.granted_amount
    return GrantMatrix(
        programme=programme,
        year=year,
        columns=columns,
        sections=sections,
        sum_line=MatrixLine(
            key="sum_granted", label=_("Sum bevilget"), values=sums, total=table.total_granted_amount
        ),
    )


# --- The annual omstillingsplan / status report ----------------------------------------------------

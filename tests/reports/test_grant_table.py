import csv
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from omstilling.models import Programme
from projects.models import Grant
from projects.services import grant_complete
from reports.tables import grant_matrix, grant_table
from tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    GrantFactory,
    ProgrammeFactory,
    ResultReportFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.projects.vestre_toten import SHIPPED_CSV, make_vestre_toten

pytestmark = pytest.mark.django_db

NYSKAPING, FRITID, VELFERD, SENTRUM, ANDRE = (
    "Nyskaping i næringslivet",
    "Fritid",
    "Velferdsinnovasjon",
    "Sentrum",
    "Andre",
)

# "I sum gir dette følgende bilde for henholdsvis 2011 og 2012" in the 2013–2015 plan:
# (category, focus area, antall bevilget, antall aktive, bevilget beløp, bevilget aktive).
SEED_ROWS = {
    2011: [
        ("forstudie", NYSKAPING, 3, 1, 640_000, 440_000),
        ("forstudie", FRITID, 2, 2, 250_000, 250_000),
        ("forstudie", VELFERD, 1, 0, 300_000, 0),
        ("forstudie", SENTRUM, 1, 1, 150_000, 150_000),
        ("forstudie", ANDRE, 1, 1, 70_000, 70_000),
        ("forprosjekt", NYSKAPING, 2, 1, 950_000, 500_000),
        ("hovedprosjekt", NYSKAPING, 1, 0, 240_000, 0),
    ],
    2012: [
        ("forstudie", NYSKAPING, 8, 6, 2_300_000, 2_000_000),
        ("forstudie", VELFERD, 2, 2, 350_000, 350_000),
        ("forprosjekt", NYSKAPING, 3, 2, 1_200_000, 800_000),
        ("forprosjekt", SENTRUM, 1, 1, 0, 0),
        ("hovedprosjekt", NYSKAPING, 1, 0, 690_000, 0),
        ("hovedprosjekt", FRITID, 1, 1, 0, 0),
        ("hovedprosjekt", VELFERD, 1, 1, 700_000, 700_000),
    ],
}
SEED_TOTALS = {2011: 2_600_000, 2012: 5_240_000}

# The printed table, column by column (Nyskaping, Fritid, Velferdsinnovasjon, Sentrum, Andre) + Sum.
SEED_MATRIX = {
    2011: {
        "forstudie": [
            ([3, 2, 1, 1, 1], 8),
            ([1, 2, 0, 1, 1], 5),
            ([640_000, 250_000, 300_000, 150_000, 70_000], 1_410_000),
            ([440_000, 250_000, 0, 150_000, 70_000], 910_000),
        ],
        "forprosjekt": [
            ([2, 0, 0, 0, 0], 2),
            ([1, 0, 0, 0, 0], 1),
            ([950_000, 0, 0, 0, 0], 950_000),
            ([500_000, 0, 0, 0, 0], 500_000),
        ],
        "hovedprosjekt": [
            ([1, 0, 0, 0, 0], 1),
            ([0, 0, 0, 0, 0], 0),
            ([240_000, 0, 0, 0, 0], 240_000),
            ([0, 0, 0, 0, 0], 0),
        ],
        "sum": ([1_830_000, 250_000, 300_000, 150_000, 70_000], 2_600_000),
    },
    2012: {
        "forstudie": [
            ([8, 0, 2, 0, 0], 10),
            ([6, 0, 2, 0, 0], 8),
            ([2_300_000, 0, 350_000, 0, 0], 2_650_000),
            ([2_000_000, 0, 350_000, 0, 0], 2_350_000),
        ],
        "forprosjekt": [
            ([3, 0, 0, 1, 0], 4),
            ([2, 0, 0, 1, 0], 3),
            ([1_200_000, 0, 0, 0, 0], 1_200_000),
            ([800_000, 0, 0, 0, 0], 800_000),
        ],
        "hovedprosjekt": [
            ([1, 1, 1, 0, 0], 3),
            ([0, 1, 1, 0, 0], 2),
            ([690_000, 0, 700_000, 0, 0], 1_390_000),
            ([0, 0, 700_000, 0, 0], 700_000),
        ],
        "sum": ([4_190_000, 0, 1_050_000, 0, 0], 5_240_000),
    },
}

# The seed prints its columns as Nyskaping, Fritid, Velferdsinnovasjon, Sentrum, Andre; the report
# prints them as the plan numbers the areas (1 Nyskaping, 2 Velferdsinnovasjon, 3 Sentrum, 4 Fritid),
# and «Andre» only in a year with grants outside the four (2011, not 2012).
SEED_COLUMNS = [NYSKAPING, FRITID, VELFERD, SENTRUM, ANDRE]
PLAN_COLUMNS = {
    2011: [NYSKAPING, VELFERD, SENTRUM, FRITID, ANDRE],
    2012: [NYSKAPING, VELFERD, SENTRUM, FRITID],
}


def in_plan_order(year, values):
    """The seed table's ``values`` (one per seed column) in the report's column order."""
    return [values[SEED_COLUMNS.index(name)] for name in PLAN_COLUMNS[year]]


def plan_matrix(year):
    """SEED_MATRIX[year] with every line's columns in the report's order."""
    table = SEED_MATRIX[year]
    result = {
        category: [(in_plan_order(year, values), total) for values, total in lines]
        for category, lines in table.items()
        if category != "sum"
    }
    values, total = table["sum"]
    result["sum"] = (in_plan_order(year, values), total)
    return result


def plan_rows(year):
    """SEED_ROWS[year] in the order of the grant table: by category, then by the plan's numbering."""
    categories = ["forstudie", "forprosjekt", "hovedprosjekt"]
    plan = [NYSKAPING, VELFERD, SENTRUM, FRITID, ANDRE]
    return sorted(SEED_ROWS[year], key=lambda row: (categories.index(row[0]), plan.index(row[1])))


ROW_KEYS = ["category", "focus_area", "granted_count", "active_count", "granted_amount", "active_amount"]


def as_dicts(rows):
    return [dict(zip(ROW_KEYS, row, strict=True)) for row in rows]


def run_grant_table(*args):
    out = StringIO()
    call_command("grant_table", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def imported():
    programme = make_vestre_toten()
    call_command("import_grants", str(SHIPPED_CSV), "--programme", "vestre-toten", stdout=StringIO())
    return programme


@pytest.mark.parametrize("year", [2011, 2012])
def test_grant_table_json_equals_the_seed_table_after_importing_the_shipped_csv(imported, year):
    document = json.loads(run_grant_table("--programme", "vestre-toten", "--year", str(year)))

    assert document == {
        "programme": "vestre-toten",
        "year": year,
        "rows": as_dicts(plan_rows(year)),
        "total_granted_amount": SEED_TOTALS[year],
    }


def test_grant_table_json_has_exactly_the_documented_keys_and_integer_values(imported):
    output = run_grant_table("--programme", "vestre-toten", "--year", "2011", "--format", "json")
    document = json.loads(output)

    assert set(document) == {"programme", "year", "rows", "total_granted_amount"}
    assert all(list(row) == ROW_KEYS for row in document["rows"])
    assert all(type(row[key]) is int for row in document["rows"] for key in ROW_KEYS[2:])
    assert type(document["total_granted_amount"]) is int
    # Norwegian letters are written as they are, not as \u escapes.
    assert "næringslivet" in output


@pytest.mark.parametrize("year", [2011, 2012])
def test_grant_table_csv_has_the_documented_header_and_the_seed_rows(imported, year):
    output = run_grant_table("--programme", "vestre-toten", "--year", str(year), "--format", "csv")

    lines = list(csv.reader(StringIO(output)))
    assert lines[0] == ROW_KEYS
    assert lines[1:] == [[str(value) for value in row] for row in plan_rows(year)]


def test_grant_table_for_an_unknown_programme_is_an_error(imported):
    with pytest.raises(CommandError, match="Ukjent program «ukjent»"):
        run_grant_table("--programme", "ukjent", "--year", "2011")


def test_grant_table_for_a_year_without_grants_is_empty(imported):
    document = json.loads(run_grant_table("--programme", "vestre-toten", "--year", "2013"))

    assert document["rows"] == []
    assert document["total_granted_amount"] == 0


def test_completing_a_grant_lowers_the_active_figures_but_not_the_granted_ones(imported):
    grant = Grant.objects.get(application__title="Helårsbruk av skianlegget på Totenåsen")
    ResultReportFactory(grant=grant, year=2012, is_final=True)

    leader = StaffMembershipFactory(programme=imported, user=UserFactory(full_name="Programleder")).user
    grant_complete(grant, actor=leader)

    fritid = next(row for row in grant_table(imported, 2011).rows if row.focus_area.name == FRITID)
    assert (fritid.granted_count, fritid.active_count) == (2, 1)
    assert (fritid.granted_amount, fritid.active_amount) == (Decimal("250000"), Decimal("150000"))


def test_grant_table_is_one_query(imported, django_assert_num_queries):
    with django_assert_num_queries(1):
        table = grant_table(imported, 2012)
    assert table.total_granted_amount == Decimal("5240000")


def test_grant_table_counts_only_the_programmes_own_grants(imported):
    GrantFactory(year=2011, amount=Decimal("999000"), decision__amount=Decimal("999000"))

    assert grant_table(imported, 2011).total_granted_amount == Decimal("2600000")


def test_lapsed_and_cancelled_grants_count_as_granted_but_not_active():
    programme = ProgrammeFactory()
    application = ApplicationFactory(programme=programme, state="approved")
    for state in (Grant.State.OFFERED, Grant.State.LAPSED, Grant.State.CANCELLED):
        GrantFactory(
            decision=DecisionFactory(application=application, amount=Decimal("100000")),
            year=2020,
            state=state,
        )

    [row] = grant_table(programme, 2020).rows

    assert (row.granted_count, row.active_count) == (3, 1)
    assert (row.granted_amount, row.active_amount) == (Decimal("300000"), Decimal("100000"))


@pytest.mark.parametrize("year", [2011, 2012])
def test_grant_matrix_lays_out_the_seed_table_cell_by_cell(imported, year):
    assert_matrix_is_the_seed_table(grant_matrix(imported, year), year)


def assert_matrix_is_the_seed_table(matrix, year):
    assert [column.name for column in matrix.columns] == PLAN_COLUMNS[year]
    assert [section.category for section in matrix.sections] == ["forstudie", "forprosjekt", "hovedprosjekt"]
    for section in matrix.sections:
        assert [str(line.label) for line in section.lines] == [
            "Antall bevilget",
            "Antall aktive",
            "Bevilget beløp",
            "Bevilget aktive",
        ]
        assert [(line.values, line.total) for line in section.lines] == plan_matrix(year)[section.category]
    assert str(matrix.sum_line.label) == "Sum bevilget"
    assert (matrix.sum_line.values, matrix.sum_line.total) == plan_matrix(year)["sum"]


def test_grant_matrix_shows_every_focus_area_of_the_period_even_without_grants():
    programme = make_vestre_toten()

    matrix = grant_matrix(programme, 2014)

    assert [column.name for column in matrix.columns] == [
        "Nyskaping i næringslivet, inkl. velferdsinnovasjon",
        "Attraktivitet for næringslivet",
    ]
    assert all(
        line.values == [0, 0] and line.total == 0 for section in matrix.sections for line in section.lines
    )
    assert matrix.sum_line.total == 0


def test_grant_matrix_adds_a_column_for_a_focus_area_of_an_earlier_period(imported):
    # A 2012 application decided in January 2013 keeps its 2010–2012 focus area.
    old_area = imported.plan_periods.get(start_year=2010).focus_areas.get(name=SENTRUM)
    application = ApplicationFactory(programme=imported, focus_area=old_area, state="approved")
    GrantFactory(decision=DecisionFactory(application=application, amount=Decimal("80000")), year=2013)

    matrix = grant_matrix(imported, 2013)

    assert [column.name for column in matrix.columns][-1] == SENTRUM
    assert matrix.sum_line.values == [0, 0, Decimal("80000")]
    assert matrix.sum_line.total == Decimal("80000")


def test_real_seed_and_shipped_csv_reproduce_the_seed_tables():
    call_command("seed_programmes", stdout=StringIO())
    output = StringIO()
    call_command("import_grants", str(SHIPPED_CSV), "--programme", "vestre-toten", stdout=output)
    assert "Importerte 28 tilsagn, 0 fantes fra før" in output.getvalue()

    for year in (2011, 2012):
        document = json.loads(run_grant_table("--programme", "vestre-toten", "--year", str(year)))
        assert document["rows"] == as_dicts(plan_rows(year))
        assert document["total_granted_amount"] == SEED_TOTALS[year]
        assert_matrix_is_the_seed_table(grant_matrix(Programme.objects.get(slug="vestre-toten"), year), year)

"""The annual report as data: every table of the PDF as JSON, and as CSV files in a ZIP.

The programme leader (or a county analyst) orders them in the admin next to the PDF, or runs
``build_report --format json|zip``; the figures are the PDF's, from the Vestre Toten seed.
"""

import csv
import hashlib
import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from omstilling import roles
from omstilling.models import BoardMembership, IndicatorValue, Programme
from reports.annual import annual_appendix_html, annual_appendix_pdf, annual_report_html
from reports.exports import PDF_TABLE_SECTIONS, annual_report_csv_zip, annual_report_json
from reports.models import ReportJob
from tests.factories import (
    ApplicationFactory,
    BoardMembershipFactory,
    DecisionFactory,
    GrantFactory,
    OrganisationFactory,
    ResultReportFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.projects.vestre_toten import FOCUS_AREAS_2010_2012, SHIPPED_CSV
from tests.reports.test_grant_table import PLAN_COLUMNS, SEED_TOTALS, plan_matrix

pytestmark = pytest.mark.django_db

SECTIONS = {
    "schema",
    "programme",
    "title",
    "year",
    "status_period",
    "status_date",
    "plan_period",
    "summary",
    "status_funding",
    "indicators",
    "grant_tables",
    "results",
    "focus_area_summaries",
    "goal_trajectories",
    "goals",
    "organisation",
    "financing",
    "allocation",
    "projects",
    "plan_adoption",
}
LINES = ["granted_count", "active_count", "granted_amount", "active_amount"]
POPULATION_TARGETS = [
    (2012, 12928),
    (2013, 12993),
    (2014, 13058),
    (2015, 13123),
    (2016, 13189),
    (2017, 13255),
]
EMPLOYMENT_TARGETS = [(2011, 6232), (2012, 6294), (2013, 6357), (2014, 6421), (2015, 6485), (2016, 6550)]
ZIP_FILES = [
    "00-innhold.csv",
    "01-sammendrag.csv",
    "02-midler-til-radighet.csv",
    "03-befolkning.csv",
    "04-sysselsatte-med-arbeidssted-i-kommunen.csv",
    "05-sysselsatte-med-arbeidssted-i-kommunen-etter-naering.csv",
    "06-sysselsatte-med-bosted-i-kommunen.csv",
    "07-sysselsatte-med-bosted-i-kommunen-etter-naering.csv",
    "08-tilsagn-2011.csv",
    "09-tilsagn-2012.csv",
    "10-resultater.csv",
    "11-resultater-per-ar.csv",
    "12-resultater-for-portalen.csv",
    "13-tilsagn-per-innsatsomrade.csv",
    "14-mal-befolkning.csv",
    "15-mal-sysselsatte-med-arbeidssted-i-kommunen.csv",
    "16-mal.csv",
    "17-organisering.csv",
    "18-finansiering.csv",
    "19-fordeling-av-midler.csv",
    "20-prosjekter.csv",
]


@pytest.fixture
def vestre_toten():
    call_command("seed_programmes", stdout=io.StringIO())
    call_command("import_grants", str(SHIPPED_CSV), programme="vestre-toten", stdout=io.StringIO())
    return Programme.objects.get(slug="vestre-toten")


def json_document(programme, year=2012):
    content, _filename = annual_report_json(programme, year)
    return json.loads(content)


def zip_tables(content):
    """{file name: [row dicts]} of every CSV in the ZIP (strict UTF-8, comma separated)."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {
        name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"), newline="")))
        for name in archive.namelist()
    }


def grant_table(document, year):
    [table] = [table for table in document["grant_tables"] if table["year"] == year]
    return table


def leader_of(programme):
    user = UserFactory(email="leder@vestre-toten.no", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.PROGRAMME_LEADER))
    StaffMembershipFactory(programme=programme, user=user)
    return user


# --- The JSON document -----------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2011, 2012])
def test_the_json_grant_tables_equal_the_seeds_tables_cell_by_cell(vestre_toten, year):
    table = grant_table(json_document(vestre_toten), year)

    assert [area["name"] for area in table["focus_areas"]] == PLAN_COLUMNS[year]
    assert [area["number"] for area in table["focus_areas"]] == [1, 2, 3, 4, 5][: len(PLAN_COLUMNS[year])]
    assert [category["category"] for category in table["categories"]] == [
        "forstudie",
        "forprosjekt",
        "hovedprosjekt",
    ]
    for category in table["categories"]:
        assert list(category["lines"]) == LINES
        assert [(line["values"], line["total"]) for line in category["lines"].values()] == plan_matrix(year)[
            category["category"]
        ]
    assert (table["sum_granted"]["values"], table["sum_granted"]["total"]) == plan_matrix(year)["sum"]
    assert table["sum_granted"]["total"] == SEED_TOTALS[year]


def test_the_json_carries_the_norwegian_labels_as_data_and_machine_numbers(vestre_toten):
    content, filename = annual_report_json(vestre_toten, 2012)
    text = content.decode("utf-8")
    document = json.loads(text)
    forstudie = grant_table(document, 2011)["categories"][0]

    assert filename == "omstillingsplan-vestre-toten-2012.json"
    assert (forstudie["label"], forstudie["lines"]["granted_amount"]["label"]) == (
        "Forstudie",
        "Bevilget beløp",
    )
    assert grant_table(document, 2012)["sum_granted"]["label"] == "Sum bevilget"
    assert "Nyskaping i næringslivet" in text  # written as it is, not as \u escapes
    # No Norwegian number formats: no grouping spaces, no decimal commas in figures.
    assert "\xa0" not in text
    assert document["status_date"] == "2012-12-31"
    key_figures = document["summary"].pop("key_figures")
    assert document["summary"] == {
        "grant_count": 28,
        "grant_active_count": 19,
        "granted_total": 7_840_000,
        "current_focus_areas": FOCUS_AREAS_2010_2012[:4],
    }
    # The key figures page of the PDF: the seed's 2012 grants (17, 5 240 000) and the year's money.
    assert [key_figures[key] for key in ("year", "granted_count", "granted")] == [2012, 17, 5_240_000]
    assert (key_figures["active_count"], key_figures["funding_in"]) == (19, 3_000_000)
    amounts = [
        *(row["amount"] for row in document["projects"]),
        *(amount for row in document["financing"]["rows"] for amount in row["amounts"]),
        *(row["allocated"] for row in document["allocation"]["rows"]),
        document["status_funding"]["total"],
    ]
    assert amounts and all(type(amount) is int for amount in amounts)
    assert sum(row["amount"] for row in document["projects"]) == SEED_TOTALS[2011] + SEED_TOTALS[2012]


def test_the_population_and_employment_series_and_trajectories_are_the_plans(vestre_toten):
    document = json_document(vestre_toten)
    trajectories = {item["code"]: item for item in document["goal_trajectories"]}
    population = next(item for item in document["indicators"] if item["code"] == "population")

    assert [(v["year"], v["target"]) for v in trajectories["population"]["values"]] == POPULATION_TARGETS
    assert [(v["year"], v["target"]) for v in trajectories["employment"]["values"]] == EMPLOYMENT_TARGETS
    assert (trajectories["population"]["growth_percent"], trajectories["employment"]["growth_percent"]) == (
        0.5,
        1,
    )
    assert population["name"] == "Befolkning"
    assert population["years"][:3] == [
        {"year": 2012, "actual": 12928, "target": 12928, "deviation": 0},
        {"year": 2013, "actual": 13109, "target": 12993, "deviation": 116},
        {"year": 2014, "actual": None, "target": 13058, "deviation": None},
    ]
    employment = next(item for item in document["indicators"] if item["code"] == "employment")
    industry = next(row for row in employment["breakdown"]["rows"] if row["label"] == "10-33 Industri")
    assert employment["breakdown"]["years"] == [2008, 2009, 2010, 2011]
    assert industry["values"][-1] == 2410
    assert employment["breakdown"]["total"] == [6643, 6331, 6206, 6232]


def test_the_plan_part_has_the_financing_and_the_allocation_of_the_nine_million(vestre_toten):
    document = json_document(vestre_toten)

    assert document["plan_period"] == {"start_year": 2013, "end_year": 2015}
    assert document["financing"]["years"] == [2013, 2014, 2015]
    assert [(row["source"], row["total"]) for row in document["financing"]["rows"]] == [
        ("Tilskudd OFK", 7_500_000),
        ("Egenandel Vestre Toten", 1_500_000),
    ]
    assert document["financing"]["sum"] == {"amounts": [3_000_000] * 3, "total": 9_000_000}
    assert [(row["label"], row["allocated"], row["remaining"]) for row in document["allocation"]["rows"]] == [
        ("Nyskaping i næringslivet", 4_400_000, 4_400_000),
        ("Attraktivitet for næringslivet", 1_900_000, 1_900_000),
        ("Programadministrasjon inkl. kommunikasjon", 2_700_000, None),
    ]
    assert document["allocation"]["allocated"] == 9_000_000


@pytest.fixture
def every_table_printed(vestre_toten):
    """Vestre Toten with what the PDF needs to print its conditional tables as well: a result
    report (results) and people (organisation)."""
    grant = vestre_toten.applications.get(title="Helårsbruk av skianlegget på Totenåsen").grants.get()
    ResultReportFactory(
        grant=grant, year=2012, new_jobs=3, secured_jobs=2, new_firms=1, networks=1, other_funding=250_000
    )
    BoardMembershipFactory(
        programme=vestre_toten, role=BoardMembership.Role.CHAIR, user=UserFactory(full_name="Kari Leder")
    )
    BoardMembershipFactory(
        programme=vestre_toten,
        role=BoardMembership.Role.OBSERVER,
        represents="Innovasjon Norge",
        user=UserFactory(full_name="Ola Observatør"),
    )
    StaffMembershipFactory(
        programme=vestre_toten, title="Daglig leder", user=UserFactory(full_name="Per Prosjekt")
    )
    return vestre_toten


def test_every_table_the_pdf_prints_has_its_section_in_the_json(every_table_printed):
    html = annual_report_html(every_table_printed, 2012) + annual_appendix_html(every_table_printed, 2012)
    printed = set(re.findall(r'<table class="data ([\w-]+)', html))
    document = json_document(every_table_printed)

    # A table added to the PDF without a section here fails, and so does a section left over.
    assert printed == set(PDF_TABLE_SECTIONS)
    assert set(document) == SECTIONS
    for table, section in PDF_TABLE_SECTIONS.items():
        assert document[section], f"the PDF's {table!r} table has no figures in {section!r}"
    assert document["results"] == {
        "reports": 1,
        "new_jobs": 3,
        "secured_jobs": 2,
        "new_or_secured_jobs": 5,
        "new_firms": 1,
        "networks": 1,
        "other_funding": 250_000,
        "granted": 7_840_000,
        "leverage": 0.0319,
        "by_year": [
            {
                "year": document["results"]["by_year"][0]["year"],
                "reports": 1,
                "new_jobs": 3,
                "secured_jobs": 2,
                "new_or_secured_jobs": 5,
                "new_firms": 1,
                "networks": 1,
                "other_funding": 250_000,
            }
        ],
        "historical": [],
    }
    organisation = document["organisation"]
    assert organisation["owner"] == "Formannskapet i Vestre Toten kommune"
    assert organisation["board"] == [{"name": "Kari Leder", "role": "Styreleder", "represents": ""}]
    assert organisation["observers"][0]["represents"] == "Innovasjon Norge"
    assert organisation["staff"] == [
        {"name": "Per Prosjekt", "role": "Daglig leder", "represents": "Vestre Toten"}
    ]


def test_the_export_is_norwegian_whatever_language_the_person_uses(vestre_toten):
    norwegian = annual_report_json(vestre_toten, 2012)[0]

    with translation.override("en"):
        english_session = annual_report_json(vestre_toten, 2012)[0]

    assert english_session == norwegian
    assert "Antall bevilget" in norwegian.decode()


def test_the_same_data_gives_the_same_bytes(vestre_toten):
    assert annual_report_json(vestre_toten, 2012) == annual_report_json(vestre_toten, 2012)
    assert annual_report_csv_zip(vestre_toten, 2012) == annual_report_csv_zip(vestre_toten, 2012)


# --- The ZIP of CSV files --------------------------------------------------------------------------


def test_the_zip_holds_one_csv_per_table_with_the_jsons_numbers(vestre_toten):
    content, filename = annual_report_csv_zip(vestre_toten, 2012)
    tables = zip_tables(content)
    document = json_document(vestre_toten)

    assert filename == "omstillingsplan-vestre-toten-2012-csv.zip"
    assert list(tables) == ZIP_FILES
    assert [row["file"] for row in tables["00-innhold.csv"]] == ZIP_FILES[1:]
    assert tables["00-innhold.csv"][7]["title"] == "Tilsagn 2011"
    for year, name in ((2011, "08-tilsagn-2011.csv"), (2012, "09-tilsagn-2012.csv")):
        rows = tables[name]
        table = grant_table(document, year)
        # Every category × focus area cell of the printed table, zeros included.
        assert len(rows) == 3 * len(PLAN_COLUMNS[year])
        assert sum(int(row["granted_amount"]) for row in rows) == SEED_TOTALS[year]
        for row in rows:
            [category] = [c for c in table["categories"] if c["category"] == row["category"]]
            column = int(row["focus_area_number"]) - 1
            assert row["focus_area"] == FOCUS_AREAS_2010_2012[column]
            assert row["category_label"] == category["label"]
            assert [int(row[key]) for key in LINES] == [
                category["lines"][key]["values"][column] for key in LINES
            ]
    assert [(int(row["year"]), int(row["target"])) for row in tables["14-mal-befolkning.csv"]] == (
        POPULATION_TARGETS
    )
    population = tables["03-befolkning.csv"]
    assert population[1] == {
        "indicator": "population",
        "year": "2013",
        "actual": "13109",
        "target": "12993",
        "deviation": "116",
    }
    assert population[2]["actual"] == ""  # no figure yet
    summary = {row["key"]: row["value"] for row in tables["01-sammendrag.csv"]}
    assert (summary["granted_total"], summary["status_date"]) == ("7840000", "2012-12-31")
    assert sum(int(row["amount"]) for row in tables["20-prosjekter.csv"]) == 7_840_000
    assert {(row["source"], row["year"], row["amount"]) for row in tables["18-finansiering.csv"]} >= {
        ("Tilskudd OFK", "2013", "2500000"),
        ("Egenandel Vestre Toten", "2015", "500000"),
    }
    admin_row = tables["19-fordeling-av-midler.csv"][-1]
    assert (admin_row["allocated"], admin_row["granted"], admin_row["remaining"]) == ("2700000", "", "")


def test_text_typed_by_users_cannot_become_a_formula_in_the_csv_but_numbers_stay_numbers(vestre_toten):
    area = vestre_toten.plan_periods.get(start_year=2010).focus_areas.get(number=1)
    application = ApplicationFactory(
        programme=vestre_toten,
        focus_area=area,
        state="approved",
        title='=HYPERLINK("https://example.com","Klikk")',
        organisation=OrganisationFactory(name="@SUM(A1:A9) AS"),
    )
    GrantFactory(decision=DecisionFactory(application=application, amount=Decimal(10_000)), year=2012)
    # The population fell short of the goal in 2014: a negative deviation.
    IndicatorValue.objects.create(
        indicator=vestre_toten.indicators.get(code="population"), year=2014, value=Decimal(13000)
    )

    tables = zip_tables(annual_report_csv_zip(vestre_toten, 2012)[0])
    document = json_document(vestre_toten)

    [project] = [row for row in tables["20-prosjekter.csv"] if "HYPERLINK" in row["title"]]
    assert project["title"] == '\'=HYPERLINK("https://example.com","Klikk")'
    assert project["organisation"] == "'@SUM(A1:A9) AS"
    assert tables["03-befolkning.csv"][2]["deviation"] == "-58"
    # The JSON is data, not a spreadsheet: the text is kept as typed.
    assert '=HYPERLINK("https://example.com","Klikk")' in [line["title"] for line in document["projects"]]


# --- Through the doors: the admin (Celery task) and the command -------------------------------------


def url(name, *args):
    return reverse(f"admin:reports_reportjob_{name}", args=args)


@pytest.mark.parametrize(
    ("fmt", "kind", "content_type", "build"),
    [
        ("report_json", ReportJob.Kind.ANNUAL_REPORT_JSON, "application/json", annual_report_json),
        ("report_zip", ReportJob.Kind.ANNUAL_REPORT_CSV_ZIP, "application/zip", annual_report_csv_zip),
        # The appendix with every grant, a document of its own next to the plan.
        ("appendix_pdf", ReportJob.Kind.ANNUAL_APPENDIX_PDF, "application/pdf", annual_appendix_pdf),
    ],
)
def test_leader_orders_all_the_tables_in_the_admin_and_downloads_the_file(
    client, vestre_toten, django_capture_on_commit_callbacks, fmt, kind, content_type, build
):
    leader = leader_of(vestre_toten)
    client.force_login(leader)
    assert f'value="{fmt}"' in client.get(url("request")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("request"), {"programme": vestre_toten.pk, "year": 2012, "format": fmt})

    job = ReportJob.objects.get()
    assert response.status_code == 302 and response.url == url("job", job.pk)
    assert (job.kind, job.state, job.progress, job.requested_by) == (kind, ReportJob.State.DONE, 100, leader)
    download = client.get(url("download", job.pk))
    content = b"".join(download.streaming_content)
    assert download["Content-Type"] == content_type
    expected, filename = build(vestre_toten, 2012)
    assert filename in download["Content-Disposition"]
    assert content == expected
    assert hashlib.sha256(content).hexdigest() == job.sha256 == download["X-Content-SHA256"]


def test_the_grant_table_formats_are_still_offered_next_to_the_whole_report(client, vestre_toten):
    client.force_login(leader_of(vestre_toten))

    form = client.get(url("request")).context["form"]

    assert [value for value, _label in form.fields["format"].choices] == [
        "pdf",
        "appendix_pdf",
        "report_json",
        "report_zip",
        "csv",
        "json",
    ]


@pytest.mark.parametrize(("fmt", "build"), [("json", annual_report_json), ("zip", annual_report_csv_zip)])
def test_build_report_command_writes_the_same_file_as_the_report_job(vestre_toten, tmp_path, fmt, build):
    output = tmp_path / f"vt.{fmt}"
    out = io.StringIO()

    call_command(
        "build_report", programme="vestre-toten", year=2012, format=fmt, output=str(output), stdout=out
    )

    assert output.read_bytes() == build(vestre_toten, 2012)[0]
    assert f"vt.{fmt}" in out.getvalue()


def test_build_report_command_json_has_the_2011_total_of_the_seed(vestre_toten, tmp_path):
    output = tmp_path / "vt.json"

    call_command(
        "build_report",
        "--programme",
        "vestre-toten",
        "--year",
        "2012",
        "--format",
        "json",
        "--output",
        str(output),
        stdout=io.StringIO(),
    )

    assert grant_table(json.loads(output.read_text("utf-8")), 2011)["sum_granted"]["total"] == 2_600_000

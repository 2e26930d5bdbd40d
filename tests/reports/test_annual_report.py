"""The annual omstillingsplan / status report, built from the database as the seed lays it out."""

import datetime as dt
import hashlib
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from omstilling.models import Programme
from projects.models import Payout
from reports import formatting
from reports.annual import annual_appendix_html, annual_report_html, annual_report_pdf
from reports.selectors import annual_report
from tests.factories import (
    BoardMembershipFactory,
    FocusAreaFactory,
    GrantFactory,
    PayoutFactory,
    PlanPeriodFactory,
    ProgrammeFactory,
    ResultReportFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.projects.vestre_toten import SHIPPED_CSV

pytestmark = pytest.mark.django_db


def pdf_pages(content):
    return [page.extract_text().replace("\xa0", " ") for page in PdfReader(io.BytesIO(content)).pages]


def flat(text):
    """The text with line breaks as spaces: a heading or sentence may wrap anywhere."""
    return " ".join(text.split())


@pytest.fixture
def vestre_toten():
    call_command("seed_programmes", stdout=io.StringIO())
    call_command("import_grants", str(SHIPPED_CSV), programme="vestre-toten", stdout=io.StringIO())
    return Programme.objects.get(slug="vestre-toten")


@pytest.fixture
def vestre_toten_2012_pdf(vestre_toten):
    content, filename = annual_report_pdf(vestre_toten, 2012)
    return content, filename


def test_vestre_toten_2012_report_has_the_three_parts_and_a_toc_with_page_numbers(vestre_toten_2012_pdf):
    content, filename = vestre_toten_2012_pdf
    pages = pdf_pages(content)
    toc = pages[1]

    assert filename == "omstillingsplan-vestre-toten-2012.pdf"
    assert "Omstillingsplan 2013–2015" in pages[0]
    assert "31. desember 2012" in pages[0]
    expected = [
        "Bakgrunn",
        "Del I Status pr. desember 2012",
        "Befolkning og sysselsetting",
        "Arbeid og resultater i perioden 2010–2012",
        "Anbefalinger fra programstatusvurderingen",
        "Del II Mål og innsatsområder 2013–2015",
        "Innsatsområder",
        "Del III Organisering, finansiering og ressursinnsats",
        "Finansiering",
        "Forbruk av midler",
    ]
    previous = 3
    for title in expected:
        match = re.search(rf"^{re.escape(title)} \.+\s*s\. (\d+)$", toc, re.MULTILINE)
        assert match, f"{title!r} is not in the table of contents with a page number:\n{toc}"
        page = int(match.group(1))
        # The page the TOC points at, after the cover and the TOC and in document order, carries
        # the heading (and its footer shows that page number).
        assert page >= previous, f"{title!r} on page {page}, before the previous entry's page {previous}"
        previous = page
        assert title in flat(pages[page - 1]), f"{title!r} is not on page {page}"
        assert f"{page} / {len(pages)}" in pages[page - 1]


def test_vestre_toten_2012_report_prints_the_seeds_grant_tables_and_goal_trajectories(
    vestre_toten_2012_pdf,
):
    text = flat(" ".join(pdf_pages(vestre_toten_2012_pdf[0])))

    assert "Tilsagn 2011" in text and "Tilsagn 2012" in text
    # The seed's columns in the plan's order (1 Nyskaping, 2 Velferdsinnovasjon, 3 Sentrum, 4 Fritid),
    # «Andre» only in 2011, the year with a grant outside the four.
    assert re.search(r"Sum bevilget 1 830 000 300 000 150 000 250 000 70 000 2 600 000", text)
    assert re.search(r"Sum bevilget 4 190 000 1 050 000 0 0 5 240 000", text)
    assert "Bevilget beløp 640 000 300 000 150 000 250 000 70 000 1 410 000" in text
    # Per focus area, as the seed sums Nyskaping: 18 prosjekter, 6 020 000.
    assert "18 prosjekter innenfor innsatsområdet, til sammen kr 6 020 000" in text
    assert "Forstudie 11 2 940 000" in text
    # Goal trajectories of Del II: population 0,5 % and employment 1 % a year.
    assert "12 928 12 993 13 058 13 123 13 189 13 255" in text
    assert "6 232 6 294 6 357 6 421 6 485 6 550" in text
    # Del III: financing 2013–2015 and the allocation of the 9 million.
    assert "Tilskudd OFK 2,5 2,5 2,5 7,5" in text
    assert "Egenandel Vestre Toten 0,5 0,5 0,5 1,5" in text
    assert "I alt 3,0 3,0 3,0 9,0" in text
    assert "Nyskaping i næringslivet 4,4" in text
    assert "Programadministrasjon inkl. kommunikasjon 2,7" in text
    assert "Samfunnsutvikling basert på samspill mellom kunnskap, teknologi og familie" in text


def test_the_appendix_lists_each_grant_with_its_tilsagnsmottaker(vestre_toten):
    html = annual_appendix_html(vestre_toten, 2012)
    appendix = html[html.index('<table class="data projects">') :]
    headings = re.findall(r'<th[^>]*scope="col"[^>]*>([^<]*)</th>', appendix[: appendix.index("</thead>")])

    assert headings == [
        "Tilsagn og prosjekt",
        "Tilsagnsmottaker",
        "Kategori",
        "Innsatsområde",
        "Beløp (kr)",
        "Status",
    ]


def test_the_same_data_gives_the_same_pdf_and_new_data_a_different_one(vestre_toten, vestre_toten_2012_pdf):
    first = vestre_toten_2012_pdf[0]

    assert annual_report_pdf(vestre_toten, 2012)[0] == first

    vestre_toten.background += " Ny setning."
    vestre_toten.save()
    assert hashlib.sha256(annual_report_pdf(vestre_toten, 2012)[0]).digest() != hashlib.sha256(first).digest()


def test_a_file_url_typed_into_the_background_is_printed_as_text_and_never_fetched(caplog):
    programme = ProgrammeFactory(
        background='Om oss <img src="file:///etc/passwd"> <link rel="stylesheet" href="https://example.com/x.css">'
    )

    html = annual_report_html(programme, 2012)
    text = "\n".join(pdf_pages(annual_report_pdf(programme, 2012)[0]))

    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert '<img src="file:///etc/passwd">' in text
    assert "root:" not in text
    assert "file:///etc/passwd" not in caplog.text
    assert "example.com" not in caplog.text


def test_results_are_summed_from_the_result_reports_with_the_leverage():
    programme = ProgrammeFactory()
    period = PlanPeriodFactory(programme=programme, start_year=2010, end_year=2012)
    area = FocusAreaFactory(plan_period=period, number=1, name="Nyskaping")
    grants = [
        GrantFactory(
            decision__application__programme=programme,
            decision__application__focus_area=area,
            decision__amount=Decimal(amount),
            year=2012,
        )
        for amount in (400_000, 600_000)
    ]
    ResultReportFactory(
        grant=grants[0], year=2012, new_jobs=3, secured_jobs=2, networks=1, other_funding=2_000_000
    )
    ResultReportFactory(grant=grants[1], year=2012, new_jobs=1, new_firms=2, other_funding=500_000)
    ResultReportFactory(
        grant=grants[1], year=2013, new_jobs=50, other_funding=9_000_000
    )  # after the status year

    results = annual_report(programme, 2012).results

    assert (results.new_jobs, results.secured_jobs, results.new_firms, results.networks) == (4, 2, 2, 1)
    assert results.other_funding == Decimal(2_500_000)
    assert results.leverage == Decimal("2.5")


def test_spending_is_counted_against_the_allocation_of_the_plan_period():
    programme = ProgrammeFactory(status_start_year=2013, status_end_year=2015)
    period = PlanPeriodFactory(programme=programme, start_year=2013, end_year=2015)
    area = FocusAreaFactory(plan_period=period, number=1, name="Nyskaping")
    period.allocations.create(label="Nyskaping", focus_area=area, amount=Decimal(4_400_000), order=1)
    period.allocations.create(label="Administrasjon", amount=Decimal(2_700_000), order=2)
    grant = GrantFactory(
        decision__application__programme=programme,
        decision__application__focus_area=area,
        decision__amount=Decimal(1_000_000),
        year=2013,
    )
    PayoutFactory(
        grant=grant,
        amount=Decimal(250_000),
        state=Payout.State.PAID,
        approved_at=dt.datetime.now(dt.UTC),
        paid_at=dt.date(2013, 6, 1),
    )
    PayoutFactory(grant=grant, amount=Decimal(100_000))  # requested, not approved

    table = annual_report(programme, 2013).allocation

    nyskaping, admin = table.rows
    assert (nyskaping.allocated, nyskaping.granted, nyskaping.paid) == (4_400_000, 1_000_000, 250_000)
    assert nyskaping.remaining == 3_400_000
    assert (admin.granted, admin.paid) == (None, None)
    assert table.allocated == 7_100_000


def test_organisation_lists_board_observers_and_staff_of_the_programme_only():
    programme = ProgrammeFactory()
    BoardMembershipFactory(programme=programme, role="chair", user=UserFactory(full_name="Kari Leder"))
    BoardMembershipFactory(
        programme=programme,
        role="observer",
        represents="Innovasjon Norge",
        user=UserFactory(full_name="Ola Observatør"),
    )
    BoardMembershipFactory(programme=programme, is_active=False, user=UserFactory(full_name="Gammel Gubbe"))
    BoardMembershipFactory(user=UserFactory(full_name="Annen Person"))
    StaffMembershipFactory(
        programme=programme, title="Daglig leder", user=UserFactory(full_name="Per Prosjekt")
    )

    report = annual_report(programme, 2012)

    assert [(p.name, p.role) for p in report.board] == [("Kari Leder", "Styreleder")]
    assert [(p.name, p.represents) for p in report.observers] == [("Ola Observatør", "Innovasjon Norge")]
    assert [(p.name, p.role) for p in report.staff] == [("Per Prosjekt", "Daglig leder")]


def _programme_with_grants(count):
    programme = ProgrammeFactory()
    period = PlanPeriodFactory(programme=programme, start_year=2010, end_year=2012)
    areas = [FocusAreaFactory(plan_period=period, number=n, name=f"Område {n}") for n in (1, 2)]
    for index in range(count):
        grant = GrantFactory(
            decision__application__programme=programme,
            decision__application__focus_area=areas[index % 2],
            year=2010 + index % 3,
        )
        ResultReportFactory(grant=grant, year=grant.year, new_jobs=1)
        PayoutFactory(grant=grant)
    return programme


def test_the_report_reads_a_constant_number_of_queries_whatever_the_number_of_grants():
    counts = []
    for grants in (5, 50):
        programme = _programme_with_grants(grants)
        with CaptureQueriesContext(connection) as queries:
            report = annual_report(programme, 2012)
        assert report.grant_count == grants
        counts.append(len(queries))

    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (formatting.format_mnok(Decimal(2_500_000)), "2,5"),
        (formatting.format_mnok(Decimal(9_000_000)), "9,0"),
        (formatting.format_number(Decimal("2600000")), "2\xa0600\xa0000"),
        (formatting.format_signed(Decimal(181)), "+181"),
        (formatting.format_percent(Decimal("0.500")), "0,5"),
        (formatting.format_date(dt.date(2018, 5, 15)), "15. mai 2018"),
        (formatting.format_years([2010, 2011, 2012]), "2010, 2011 og 2012"),
    ],
)
def test_norwegian_formats(value, expected):
    assert value == expected


def test_build_report_command_writes_the_same_pdf_as_the_service(vestre_toten, tmp_path):
    output = tmp_path / "vt.pdf"
    out = io.StringIO()

    call_command("build_report", programme="vestre-toten", year=2012, output=str(output), stdout=out)

    assert output.read_bytes() == annual_report_pdf(vestre_toten, 2012)[0]
    assert "vt.pdf" in out.getvalue()


def test_build_report_command_refuses_an_unknown_programme(tmp_path):
    with pytest.raises(CommandError, match="Ukjent program «finnes-ikke»"):
        call_command("build_report", programme="finnes-ikke", year=2012, output=str(tmp_path / "x.pdf"))

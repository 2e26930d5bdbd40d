"""The annual report laid out for print: what a reader of the Vestre Toten 2012 plan can check on paper."""

import base64
import datetime as dt
import io
import re
from decimal import Decimal

import matplotlib
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from pypdf import PdfReader
from weasyprint import HTML

from omstilling.models import Indicator, IndicatorValue, Programme
from omstilling.pdf import BASE_URL, ProjectOnlyURLFetcher
from reports import charts
from reports.annual import annual_appendix_html, annual_appendix_pdf, annual_report_html, annual_report_pdf
from reports.formatting import prose_html
from reports.selectors import annual_report
from tests.factories import (
    BoardMembershipFactory,
    FocusAreaFactory,
    GrantFactory,
    PlanPeriodFactory,
    ProgrammeFactory,
    UserFactory,
)
from tests.projects.vestre_toten import SHIPPED_CSV

pytestmark = pytest.mark.django_db

# A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def pdf_pages(content):
    return [page.extract_text().replace("\xa0", " ") for page in PdfReader(io.BytesIO(content)).pages]


def flat(text):
    return " ".join(text.split())


BUILT = {}


@pytest.fixture
def vestre_toten_2012():
    """The seed's programme with its 2011–2012 grants as (html, pdf bytes), built once for the module
    (in the first test's transaction; the later tests read only the bytes)."""
    if not BUILT:
        call_command("seed_programmes", stdout=io.StringIO())
        call_command("import_grants", str(SHIPPED_CSV), programme="vestre-toten", stdout=io.StringIO())
        programme = Programme.objects.get(slug="vestre-toten")
        BUILT["vt"] = annual_report_html(programme, 2012), annual_report_pdf(programme, 2012)[0]
        BUILT["appendix"] = annual_appendix_html(programme, 2012), annual_appendix_pdf(programme, 2012)[0]
    return BUILT["vt"]


@pytest.fixture
def vestre_toten_2012_appendix(vestre_toten_2012):
    return BUILT["appendix"]


def forced_breaks(html):
    """``{(tag, class, side)}`` of every element that forces a page break in the laid-out document."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=ProjectOnlyURLFetcher()).render()
    found, seen = set(), set()

    def walk(box):
        element = getattr(box, "element", None)
        if element is not None and id(element) not in seen and getattr(box, "element_tag", None):
            seen.add(id(element))
            for side in ("break_before", "break_after"):
                if box.style[side] in ("page", "left", "right", "recto", "verso"):
                    found.add((box.element_tag, element.get("class", ""), side))
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return found


def test_pages_break_only_after_the_front_matter_and_before_del_i_ii_and_iii(vestre_toten_2012):
    html, _pdf = vestre_toten_2012

    assert forced_breaks(html) == {
        ("section", "cover", "break_after"),
        ("nav", "toc", "break_after"),
        ("section", "part", "break_before"),
    }
    assert html.count('<section class="part">') == 3
    # The appendix is a document of its own, named where the grants are summed up.
    assert (
        "står i vedlegget «Vedlegg: Tilsagn 2010–2012» "
        "(omstillingsplan-vestre-toten-2012-vedlegg-tilsagn.pdf)"
    ) in html


def test_the_key_figures_follow_the_contents_on_one_page_with_the_background(vestre_toten_2012):
    pages = pdf_pages(vestre_toten_2012[1])
    summary = flat(pages[2])

    assert "Nøkkeltall for 2012 ....... s. 3" in flat(pages[1]).replace(". .", "..") or re.search(
        r"Nøkkeltall for 2012 \.+\s*s\. 3", pages[1]
    )
    assert summary.startswith("Nøkkeltall for 2012")
    # Granted in 2012 (the seed's 2012 table: 17 grants, 5 240 000) and what the year brought in.
    assert "Bevilget i 2012 17 5 240 000" in summary
    assert "Midler inn i 2012 3 000 000" in summary
    assert "Til rådighet ved utgangen av 2012" in summary
    assert "Bakgrunn" in summary  # no page of its own


def test_kroner_are_written_one_way_throughout_as_the_seed_writes_them(vestre_toten_2012):
    text = flat(" ".join(pdf_pages(vestre_toten_2012[1])))

    # The seed: "kr 7 840 000" (unit first), "9,0 mill. kr" (millions, unit after).
    assert "innvilget støtte til 28 prosjekter med kr 7 840 000" in text
    assert "til sammen kr 6 020 000" in text
    assert "9,0 mill. kr" in text
    assert not re.search(r"\d kr\b", text.replace("mill. kr", "mill.")), "an amount with the unit after it"


def test_lists_are_real_lists_never_lines_starting_with_a_dash(vestre_toten_2012):
    html, pdf = vestre_toten_2012
    lines = [line.strip() for page in pdf_pages(pdf) for line in page.splitlines()]

    assert not [line for line in lines if re.match(r"^[-–]\s", line)]
    # The seed's "Administrative og faglige ressurser" and the PSV's five recommendations.
    assert "<li>Leder for Omstillingsprogrammet (70% stilling)</li>" in html
    assert re.search(r"<ol>\s*<li>Det må vurderes en spissing av Omstillingsplanen\.", html)


def test_header_words_are_never_hyphenated(vestre_toten_2012):
    html, pdf = vestre_toten_2012
    matrix_pages = [page for page in pdf_pages(pdf) if "Tilsagn 2011" in page or "Tilsagn 2012" in page]
    words = {word for page in matrix_pages for word in page.split()}

    header_words = ("Nyskaping", "næringslivet", "Velferdsinnovasjon", "Sentrum", "Fritid")

    assert matrix_pages
    for word in header_words:
        assert word in words, f"{word!r} is broken across lines in the grant table's header"
    broken = [w for w in words if w.endswith("-") and any(h.startswith(w[:-1]) for h in header_words)]
    assert not broken


def test_the_appendix_lists_forstudie_forprosjekt_hovedprosjekt_with_a_subtotal_per_year(
    vestre_toten_2012_appendix,
):
    html, pdf = vestre_toten_2012_appendix
    text = flat(" ".join(pdf_pages(pdf)))

    assert forced_breaks(html) == set()
    assert text.startswith("Omstillingsprogrammet i Vestre Toten · vedlegg til Omstillingsplan 2013–2015")
    # (year, category) of each grant as listed: the reference carries the year, the third cell the category.
    rows = re.findall(r"<tr><td>VT-(\d{4})-\d{3}: [^<]*</td><td>[^<]*</td><td>(\w+)</td>", html)
    rank = {"Forstudie": 0, "Forprosjekt": 1, "Hovedprosjekt": 2}

    assert len(rows) == 28
    assert rows == sorted(rows, key=lambda row: (row[0], rank[row[1]]))
    assert [category for year, category in rows if year == "2011"][:3] == ["Forstudie"] * 3
    assert "Forprosjekt" in [category for _year, category in rows]
    assert re.search(r"2011 VT-2011-001: ", text)  # the year heads its grants
    assert "Sum 2011 2 600 000" in text
    assert "Sum 2012 5 240 000" in text
    assert "Sum 2010–2012 7 840 000" in text


def _programme_with_grants(count, year=2012):
    programme = ProgrammeFactory(name="Testprogrammet")
    period = PlanPeriodFactory(programme=programme, start_year=2010, end_year=2012)
    area = FocusAreaFactory(plan_period=period, number=1, name="Nyskaping")
    for index in range(count):
        GrantFactory(
            reference=f"T-{index:04d}",
            decision__application__programme=programme,
            decision__application__focus_area=area,
            decision__application__title=f"Prosjekt {index}",
            decision__amount=Decimal(100_000),
            year=year,
        )
    return programme


def test_a_long_table_repeats_its_header_and_leaves_at_least_three_rows_on_every_page():
    programme = _programme_with_grants(70)

    appendix = pdf_pages(annual_appendix_pdf(programme, 2012)[0])

    assert len(appendix) >= 2
    for page in appendix:
        assert "Tilsagn og prosjekt Tilsagnsmottaker Kategori Innsatsområde Beløp (kr) Status" in page
        assert len(re.findall(r"T-\d{4}", page)) >= 3


def _indicator(programme, *, growth):
    indicator = Indicator.objects.create(
        programme=programme,
        code="pop",
        name="Befolkning",
        unit="personer",
        base_year=2012 if growth else None,
        base_value=Decimal(12928) if growth else None,
        annual_growth_percent=Decimal("0.5") if growth else None,
        target_end_year=2015 if growth else None,
    )
    for year, value in ((2010, 12800), (2011, 12850), (2012, 12928)):
        IndicatorValue.objects.create(indicator=indicator, year=year, value=Decimal(value))
    return indicator


def test_an_indicator_without_a_target_has_no_empty_target_columns_nor_a_caption_promising_one():
    programme = ProgrammeFactory()
    _indicator(programme, growth=False)

    html = annual_report_html(programme, 2012)
    table = html[html.index('<table class="data indicator-years">') :]
    table = table[: table.index("</table>")]

    assert "Faktisk" in table
    assert "Mål" not in table and "Avvik" not in table
    assert "målsatt bane" not in html
    assert "Befolkning 2010–2012 (personer): faktisk utvikling. Aksen starter på 0." in html


def test_an_indicator_with_a_target_shows_target_and_deviation():
    programme = ProgrammeFactory()
    _indicator(programme, growth=True)

    html = annual_report_html(programme, 2012)
    table = html[html.index('<table class="data indicator-years">') :]
    table = table[: table.index("</table>")]

    assert "Mål" in table and "Avvik" in table
    assert "faktisk utvikling (heltrukket linje) og målsatt bane (stiplet linje)" in html


def test_charts_start_at_zero_and_name_both_axes():
    programme = ProgrammeFactory()
    _indicator(programme, growth=True)
    section = annual_report(programme, 2012).indicators[0]

    with matplotlib.rc_context(charts.RC):
        axes = charts.indicator_figure(section).axes[0]

    assert axes.get_ylim()[0] == 0
    assert axes.get_xlabel() == "År"
    assert axes.get_ylabel() == "personer"


def test_the_cover_shows_the_programmes_logo_when_one_is_uploaded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    programme = ProgrammeFactory()
    without = annual_report_html(programme, 2012)
    programme.logo.save("logo.png", ContentFile(PNG))

    html = annual_report_html(programme, 2012)
    cover = PdfReader(io.BytesIO(annual_report_pdf(programme, 2012)[0])).pages[0]

    assert 'class="cover-logo"' not in without
    assert '<img class="cover-logo" src="data:image/png;base64,' in html
    assert len(cover.images) == 1


def test_the_board_table_names_real_members_never_demo_logins_nor_members_who_had_left():
    programme = ProgrammeFactory()
    BoardMembershipFactory(programme=programme, role="chair", user=UserFactory(full_name="Kari Nordmann"))
    BoardMembershipFactory(
        programme=programme,
        role="member",
        user=UserFactory(email="styremedlem1@vestre-toten.demo", full_name="Styremedlem 1 (demo)"),
    )
    BoardMembershipFactory(
        programme=programme,
        role="member",
        valid_to=dt.date(2011, 6, 30),
        user=UserFactory(full_name="Gått Ut"),
    )

    report = annual_report(programme, 2012)
    html = annual_report_html(programme, 2012)

    assert [person.name for person in report.board] == ["Kari Nordmann"]
    assert "(demo)" not in html and "Gått Ut" not in html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("- en\n- to", "<ul><li>en</li><li>to</li></ul>"),
        (
            "Innledning:\n1. første\n2. andre\n\nSlutt.",
            "<p>Innledning:</p>\n<ol><li>første</li><li>andre</li></ol>\n<p>Slutt.</p>",
        ),
        ("3) tredje", '<ol start="3"><li>tredje</li></ol>'),
        ("Linje én\nlinje to", "<p>Linje én<br>linje to</p>"),
        ("- <script>x</script>", "<ul><li>&lt;script&gt;x&lt;/script&gt;</li></ul>"),
        ("Beløp -5 og 2012-2015", "<p>Beløp -5 og 2012-2015</p>"),
    ],
)
def test_prose_makes_paragraphs_and_real_lists_and_lets_no_html_through(text, html):
    assert prose_html(text) == html

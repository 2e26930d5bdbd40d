"""The annual plan and its appendix are tagged PDF/UA-1: language, title, headings and table headers."""

import io

import pytest
from django.core.management import call_command

from omstilling.models import Programme
from omstilling.pdf import render_pdf
from reports.annual import annual_appendix_pdf, annual_report_pdf
from tests.pdf_ua import pdf_ua_facts
from tests.projects.vestre_toten import SHIPPED_CSV

pytestmark = pytest.mark.django_db


@pytest.fixture
def vestre_toten():
    call_command("seed_programmes", stdout=io.StringIO())
    call_command("import_grants", str(SHIPPED_CSV), programme="vestre-toten", stdout=io.StringIO())
    return Programme.objects.get(slug="vestre-toten")


def test_the_annual_plan_is_pdf_ua_with_language_title_headings_and_table_headers(vestre_toten):
    facts = pdf_ua_facts(annual_report_pdf(vestre_toten, 2012)[0])

    assert facts["pdfua_part"] == "1"
    assert facts["has_structure_tree"] and facts["marked"]
    assert facts["lang"] == "nb"
    assert facts["title"] == "Omstillingsprogrammet i Vestre Toten – Omstillingsplan 2013–2015"
    assert facts["xmp_title"] == facts["title"]
    assert facts["display_doc_title"]
    tags = facts["tags"]
    # Cover title and Del I–III are H1; the sections H2 (one per contents entry but the parts).
    assert tags["H1"] == 4
    assert tags["H2"] >= 13
    assert tags["Table"] >= 10 and tags["TH"] > 0 and tags["TD"] > 0
    assert tags["L"] > 0 and tags["LI"] > 0
    assert tags["Figure"] == 3  # the three indicator charts, each with its alternative text
    # Every data cell is tied to its header cells (what th scope="col"/"row" gives a screen reader).
    assert facts["header_cells_with_ids"] > 0
    assert facts["cells_pointing_at_headers"] >= tags["TD"] * 0.9


def test_the_appendix_is_pdf_ua_too(vestre_toten):
    facts = pdf_ua_facts(annual_appendix_pdf(vestre_toten, 2012)[0])

    assert facts["pdfua_part"] == "1"
    assert facts["lang"] == "nb"
    assert facts["title"] == (
        "Omstillingsprogrammet i Vestre Toten – Omstillingsplan 2013–2015 – Vedlegg: Tilsagn 2010–2012"
    )
    assert facts["tags"]["H1"] == 1
    # WeasyPrint tags page by page: a table over two pages is two Table elements, each with its header.
    assert facts["tags"]["Table"] == 2 and facts["header_cells_with_ids"] >= 2 * 6


def test_an_untagged_rendering_has_no_structure_tree_nor_identification():
    """Only the benchmark renders untagged, to measure what tagging costs; it must really be untagged."""
    html = '<html lang="nb"><head><title>T</title></head><body><h1>Overskrift</h1></body></html>'

    tagged, untagged = pdf_ua_facts(render_pdf(html)), pdf_ua_facts(render_pdf(html, tagged=False))

    assert (tagged["pdfua_part"], tagged["has_structure_tree"], tagged["tags"]["H1"]) == ("1", True, 1)
    assert (untagged["pdfua_part"], untagged["has_structure_tree"]) == (None, False)

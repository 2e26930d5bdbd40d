"""The annual omstillingsplan / status report as a PDF: selectors → HTML → WeasyPrint.

Used by the Celery task (:func:`reports.tasks.build_annual_plan_pdf`) and by the ``build_report``
command alike. The same data gives the same bytes: nothing in the document depends on when or
where it was built (the cover date is the end of the status year, the charts and the PDF carry no
timestamps), so the job's sha256 identifies the content.
"""

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from omstilling.pdf import render_pdf

from .charts import indicator_chart_svg, svg_data_uri
from .formatting import format_span, format_years
from .selectors import annual_report

STYLESHEETS = ("reports/print-base.css", "reports/annual-report.css")
# Languages are the portal's, but the document the programme sends its owner is Norwegian.
REPORT_LANGUAGE = "nb"


def _headings(report):
    """{anchor: title} of every heading the table of contents lists, and the TOC itself."""
    status_span = format_span(report.status_start_year, report.year)
    plan = report.plan_period
    result_years = report.result_years
    headings = {
        "background": _("Bakgrunn"),
        "part1": _("Del I Status pr. desember %(year)d") % {"year": report.year},
        "intro": _("Innledning"),
        "population": _("Befolkning og sysselsetting"),
        "work": _("Arbeid og resultater i perioden %(span)s") % {"span": status_span}
        if report.status_start_year != report.year
        else _("Arbeid og resultater i %(span)s") % {"span": status_span},
        "results": _("Konkrete resultater i %(years)s") % {"years": format_years(result_years)}
        if result_years
        else _("Konkrete resultater"),
        "assessment": _("Anbefalinger fra programstatusvurderingen"),
        "part2": _("Del II Mål og innsatsområder %(span)s")
        % {"span": format_span(plan.start_year, plan.end_year)}
        if plan
        else _("Del II Mål og innsatsområder"),
        "goals": _("Mål for programmet"),
        "areas": _("Innsatsområder"),
        "area_choice": _("Valg av innsatsområder"),
        "communication": _("Kommunikasjon"),
        "part3": _("Del III Organisering, finansiering og ressursinnsats"),
        "organisation": _("Organisering"),
        "financing": _("Finansiering"),
        "spending": _("Forbruk av midler"),
        "appendix": _("Vedlegg: Tilsagn %(span)s") % {"span": status_span},
    }
    shown = [
        ("background", 2),
        ("part1", 1),
        ("intro", 2),
        ("population", 2),
        ("work", 2),
        ("assessment", 2),
        ("part2", 1),
        ("goals", 2),
        ("areas", 2),
    ]
    if plan and (plan.communication or report.communication_goals):
        shown.append(("communication", 2))
    shown += [("part3", 1), ("organisation", 2), ("financing", 2), ("spending", 2)]
    if report.projects:
        shown.append(("appendix", 1))
    toc = [{"id": key, "level": level, "title": headings[key]} for key, level in shown]
    return headings, toc


def annual_report_html(programme, year, *, progress=None):
    """The finished HTML document of the report (what WeasyPrint is given, and the admin's preview)."""
    return annual_report_document(programme, year, progress=progress)[0]


def annual_report_document(programme, year, *, progress=None):
    """``(html, provenance)``: the document and what the report job keeps about it — the versions
    of the narrative texts it printed and whether the board had adopted the plan (and when)."""
    progress = progress or (lambda percent: None)
    with translation.override(REPORT_LANGUAGE):
        report = annual_report(programme, year)
        progress(25)
        indicators = [
            {
                **{field: getattr(section, field) for field in section.__dataclass_fields__},
                "chart": svg_data_uri(indicator_chart_svg(section)) if section.has_chart else "",
            }
            for section in report.indicators
        ]
        progress(40)
        headings, toc = _headings(report)
        context = {
            "report": report,
            "indicators": indicators,
            "trajectories": [section for section in report.indicators if section.trajectory],
            "headings": headings,
            "toc": toc,
            "status_date": dt.date(year, 12, 31),
            "stylesheets": [f"{settings.STATIC_URL}{path}" for path in STYLESHEETS],
            "narratives": report.narratives,
            "adoption": report.adoption,
        }
        html = render_to_string("reports/annual_report.html", context)
    provenance = {
        "narrative_versions": report.narrative_versions,
        "plan_adopted": report.adoption.adopted,
        "plan_adopted_on": report.adoption.adopted_on,
    }
    return html, provenance


def annual_report_filename(programme, year):
    return f"omstillingsplan-{programme.slug}-{year}.pdf"


def annual_report_pdf(programme, year, *, progress=None):
    """``(pdf bytes, filename)`` of the report for ``programme`` and ``year``."""
    pdf, filename, _provenance = annual_report_pdf_with_provenance(programme, year, progress=progress)
    return pdf, filename


def annual_report_pdf_with_provenance(programme, year, *, progress=None):
    """``(pdf bytes, filename, provenance)``; see :func:`annual_report_document`."""
    progress = progress or (lambda percent: None)
    html, provenance = annual_report_document(programme, year, progress=progress)
    progress(50)
    pdf = render_pdf(html)
    progress(95)
    return pdf, annual_report_filename(programme, year), provenance

"""The annual omstillingsplan / status report as a PDF: selectors → HTML → WeasyPrint.

Used by the Celery task (:func:`reports.tasks.build_annual_plan_pdf`) and by the ``build_report``
command alike. The same data gives the same bytes: nothing in the document depends on when or
where it was built (the cover date is the end of the status year, the charts and the PDF carry no
timestamps), so the job's sha256 identifies the content.
"""

import base64
import datetime as dt
import mimetypes

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from omstilling.pdf import render_pdf

from .charts import indicator_chart_svg, svg_data_uri
from .formatting import format_number, format_span, format_years
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
        "summary": _("Nøkkeltall for %(year)d") % {"year": report.year},
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
        ("summary", 2),
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
    toc = [{"id": key, "level": level, "title": headings[key]} for key, level in shown]
    return headings, toc


def _chart_texts(section):
    """(alt text, caption) of an indicator's chart: what is drawn, over which years, in which unit."""
    years = sorted({item.year for item in (*section.actuals, *section.trajectory)})
    values = {
        "name": section.name,
        "first": years[0],
        "last": years[-1],
        "unit": section.unit or _("antall"),
    }
    if section.trajectory and section.actuals:
        caption = _(
            "%(name)s %(first)d–%(last)d (%(unit)s): faktisk utvikling (heltrukket linje) og målsatt "
            "bane (stiplet linje). Aksen starter på 0."
        )
    elif section.trajectory:
        caption = _("%(name)s %(first)d–%(last)d (%(unit)s): målsatt bane. Aksen starter på 0.")
    else:
        caption = _("%(name)s %(first)d–%(last)d (%(unit)s): faktisk utvikling. Aksen starter på 0.")
    caption %= values
    if section.source:
        caption += " " + _("Kilde: %(source)s.") % {"source": section.source}
    points = ", ".join(f"{item.year}: {format_number(item.amount)}" for item in section.actuals)
    alt = _("Linjediagram. %(caption)s Faktiske verdier: %(points)s.") % {
        "caption": caption,
        "points": points or "–",
    }
    return alt, caption


def _logo_data_uri(programme):
    """The programme's uploaded logo as a data: URI (uploads are private; the renderer fetches no files)."""
    if not programme.logo:
        return ""
    content_type = mimetypes.guess_type(programme.logo.name)[0] or "image/png"
    with programme.logo.open("rb") as fh:
        return f"data:{content_type};base64,{base64.b64encode(fh.read()).decode('ascii')}"


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
        indicators = []
        for section in report.indicators:
            alt, caption = _chart_texts(section) if section.has_chart else ("", "")
            indicators.append(
                {
                    **{field: getattr(section, field) for field in section.__dataclass_fields__},
                    "chart": svg_data_uri(indicator_chart_svg(section)) if section.has_chart else "",
                    "chart_alt": alt,
                    "caption": caption,
                }
            )
        progress(40)
        headings, toc = _headings(report)
        context = {
            "report": report,
            "indicators": indicators,
            "trajectories": [section for section in report.indicators if section.trajectory],
            "headings": headings,
            "toc": toc,
            "status_date": dt.date(year, 12, 31),
            "logo": _logo_data_uri(programme),
            "appendix_filename": annual_appendix_filename(programme, year),
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


def annual_appendix_filename(programme, year):
    return f"omstillingsplan-{programme.slug}-{year}-vedlegg-tilsagn.pdf"


def annual_appendix_html(programme, year):
    """The appendix listing every grant of the status period: a document of its own.

    WeasyPrint keeps a whole laid-out document in memory, and with tags a list of 2 000 grants
    alone takes more than the report job may (see BENCHMARKS.md); the plan itself stays small and
    names the appendix, which is ordered as its own report job.
    """
    with translation.override(REPORT_LANGUAGE):
        report = annual_report(programme, year)
        headings, _toc = _headings(report)
        context = {
            "report": report,
            "title": headings["appendix"],
            "stylesheets": [f"{settings.STATIC_URL}{path}" for path in STYLESHEETS],
        }
        return render_to_string("reports/annual_appendix.html", context)


def annual_appendix_pdf(programme, year, *, progress=None):
    """``(pdf bytes, filename)`` of the appendix for ``programme`` and ``year``."""
    progress = progress or (lambda percent: None)
    html = annual_appendix_html(programme, year)
    progress(30)
    pdf = render_pdf(html)
    progress(95)
    return pdf, annual_appendix_filename(programme, year)


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

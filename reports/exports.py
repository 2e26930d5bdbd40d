"""The annual omstillingsplan / status report as data: every table the PDF prints, as one JSON
document or as a ZIP of CSV files (one file per table).

Both are built from the object the PDF is rendered from (:func:`reports.selectors.annual_report`),
in the PDF's language, so the figures are the PDF's figures. They are written for machines: whole
kroner as integers, other figures as plain numbers (``0.5``, never ``0,5`` or ``12 928``), dates in
ISO 8601, keys and CSV headers in stable English; the labels that are data — focus area names,
category and state labels, the lines of the grant tables — are in Norwegian, as printed.

The ZIP is made from the JSON document, so the two never disagree. Like the PDF, the same data
gives the same bytes (no timestamps; the ZIP's entries are dated the end of the status year), so
the job's sha256 identifies the content.
"""

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from omstilling.csvsafe import spreadsheet_safe

from .annual import REPORT_LANGUAGE
from .selectors import annual_report

SCHEMA = "omstilling.annual-report/1"

# Every table of templates/reports/annual_report.html (by its class) and the section of the
# document that holds its figures. tests/reports/test_exports.py fails when the template prints a
# table this does not name, so a new table in the PDF cannot be forgotten here.
PDF_TABLE_SECTIONS = {
    "key-figures": "summary",
    "key-results": "summary",
    "funding-per-year": "status_funding",
    "indicator-years": "indicators",
    "breakdown": "indicators",
    "matrix": "grant_tables",
    "results": "results",
    "area-categories": "focus_area_summaries",
    "trajectory": "goal_trajectories",
    "facts": "organisation",
    "people": "organisation",
    "financing": "financing",
    "allocation": "allocation",
    "projects": "projects",
}


def _key_figures(figures):
    results = figures.results
    return {
        "year": figures.year,
        "granted_count": figures.granted_count,
        "granted": _nok(figures.granted),
        "active_count": figures.active_count,
        "active_amount": _nok(figures.active_amount),
        "paid": _nok(figures.paid),
        "funding_in": _nok(figures.funding_in) if figures.has_funding else None,
        "available": _nok(figures.available) if figures.has_funding else None,
        "results": {
            "reports": results.reports,
            "new_or_secured_jobs": results.new_or_secured_jobs,
            "new_firms": results.new_firms,
            "networks": results.networks,
            "other_funding": _nok(results.other_funding),
        },
    }


def _nok(value):
    """Whole kroner as an int; None (nothing to show) stays None."""
    if value is None:
        return None
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _number(value, places=None):
    """A plain number: an int when whole, a float otherwise; None stays None."""
    if value is None:
        return None
    value = Decimal(value)
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _goal(goal):
    return {"kind": goal.kind, "kind_label": goal.kind_label, "text": goal.text, "end_year": goal.end_year}


def _person(person, represents=None):
    return {"name": person.name, "role": str(person.role), "represents": represents or person.represents}


def _indicator(section):
    breakdown = None
    if section.breakdown:
        # The selector ends the breakdown with its "I alt" line (the series' actual totals).
        *rows, total = section.breakdown
        breakdown = {
            "years": section.breakdown_years,
            "rows": [{"label": row.label, "values": [_number(v) for v in row.values]} for row in rows],
            "total": [_number(value) for value in total.values],
        }
    return {
        "code": section.code,
        "name": section.name,
        "unit": section.unit,
        "source": section.source,
        "description": section.description,
        "years": [
            {
                "year": row.year,
                "actual": _number(row.actual),
                "target": _number(row.target),
                "deviation": _number(row.deviation),
            }
            for row in section.years
        ],
        "breakdown": breakdown,
    }


def _matrix_line(line):
    convert = _nok if line.key.endswith("amount") or line.key == "sum_granted" else _number
    return {
        "label": str(line.label),
        "values": [convert(value) for value in line.values],
        "total": convert(line.total),
    }


def _grant_table(matrix):
    return {
        "year": matrix.year,
        "focus_areas": [{"number": column.number, "name": column.name} for column in matrix.columns],
        "categories": [
            {
                "category": section.category,
                "label": str(section.label),
                "lines": {line.key: _matrix_line(line) for line in section.lines},
            }
            for section in matrix.sections
        ],
        "sum_granted": _matrix_line(matrix.sum_line),
    }


def _document(report):
    programme, plan = report.programme, report.plan_period
    results = report.results
    financing, allocation = report.financing, report.allocation
    staff_represents = programme.short_name or programme.name
    return {
        "schema": SCHEMA,
        "programme": {"slug": programme.slug, "name": programme.name, "short_name": programme.short_name},
        "title": str(report.plan_title),
        "year": report.year,
        "status_period": {"start_year": report.status_start_year, "end_year": report.year},
        "status_date": dt.date(report.year, 12, 31).isoformat(),
        "plan_period": {"start_year": plan.start_year, "end_year": plan.end_year} if plan else None,
        "summary": {
            "grant_count": report.grant_count,
            "grant_active_count": report.grant_active_count,
            "granted_total": _nok(report.granted_total),
            "current_focus_areas": report.current_focus_areas,
            "key_figures": _key_figures(report.key_figures),
        },
        "status_funding": {
            "years": [{"year": item.year, "amount": _nok(item.amount)} for item in report.status_funding],
            "total": _nok(report.status_funding_total),
        },
        "indicators": [_indicator(section) for section in report.indicators],
        "grant_tables": [_grant_table(matrix) for matrix in report.grant_matrices],
        "results": {
            "reports": results.reports,
            "new_jobs": results.new_jobs,
            "secured_jobs": results.secured_jobs,
            "new_or_secured_jobs": results.new_or_secured_jobs,
            "new_firms": results.new_firms,
            "networks": results.networks,
            "other_funding": _nok(results.other_funding),
            "granted": _nok(results.granted),
            "leverage": _number(results.leverage, places=4),
            "by_year": [
                {
                    "year": row.year,
                    "reports": row.reports,
                    "new_jobs": row.new_jobs,
                    "secured_jobs": row.secured_jobs,
                    "new_or_secured_jobs": row.new_or_secured_jobs,
                    "new_firms": row.new_firms,
                    "networks": row.networks,
                    "other_funding": _nok(row.other_funding),
                }
                for row in report.results_by_year
            ],
            # Results from before the portal, as the programme reported them: a floor ("over 50")
            # has bound "floor", a range ("8–10") "range" with value_high; "text" is as printed.
            "historical": [
                {
                    "start_year": item.start_year,
                    "end_year": item.end_year,
                    "metric": item.metric,
                    "label": str(item.label),
                    "bound": item.bound,
                    "value": _number(item.value),
                    "value_high": _number(item.value_high),
                    "text": item.display,
                }
                for item in report.historical_results
            ],
        },
        "plan_adoption": {
            "adopted": report.adoption.adopted,
            "adopted_on": report.adoption.adopted_on.isoformat() if report.adoption.adopted_on else None,
        },
        "focus_area_summaries": [
            {
                "number": area.number,
                "name": area.name,
                "count": area.count,
                "amount": _nok(area.amount),
                "categories": [
                    {
                        "category": item.category,
                        "label": str(item.label),
                        "count": item.count,
                        "amount": _nok(item.amount),
                    }
                    for item in area.categories
                ],
            }
            for area in report.focus_area_summaries
        ],
        "goal_trajectories": [
            {
                "code": section.code,
                "name": section.name,
                "growth_percent": _number(section.growth_percent),
                "base_year": section.trajectory[0].year,
                "values": [
                    {"year": item.year, "target": _number(item.amount)} for item in section.trajectory
                ],
            }
            for section in report.indicators
            if section.trajectory
        ],
        "goals": {
            "vision": plan.vision if plan else "",
            "main_goal": plan.main_goal if plan else "",
            "sub_goals": report.sub_goals,
            "topics": [
                {"topic": topic.topic, "goals": [_goal(goal) for goal in topic.goals]}
                for topic in report.goal_topics
            ],
            "focus_areas": [
                {
                    "number": area.number,
                    "name": area.name,
                    "description": area.description,
                    "result_goals": [_goal(goal) for goal in area.result_goals],
                    "effect_goals": [_goal(goal) for goal in area.effect_goals],
                }
                for area in report.focus_area_plans
            ],
            "communication": [_goal(goal) for goal in report.communication_goals],
        },
        "organisation": {
            "owner": programme.owner,
            "operator": programme.operator,
            "board": [_person(person) for person in report.board],
            "observers": [_person(person) for person in report.observers],
            "staff": [_person(person, staff_represents) for person in report.staff],
        },
        "financing": {
            "years": financing.years,
            "rows": [
                {
                    "source": row.label,
                    "amounts": [_nok(amount) for amount in row.amounts],
                    "total": _nok(row.total),
                }
                for row in financing.rows
            ],
            "sum": {
                "amounts": [_nok(amount) for amount in financing.sum_row.amounts],
                "total": _nok(financing.sum_row.total),
            },
        },
        "allocation": {
            "rows": [
                {
                    "label": row.label,
                    "allocated": _nok(row.allocated),
                    "granted": _nok(row.granted),
                    "paid": _nok(row.paid),
                    "remaining": _nok(row.remaining),
                }
                for row in allocation.rows
            ],
            "allocated": _nok(allocation.allocated),
            "granted": _nok(allocation.granted),
            "paid": _nok(allocation.paid),
        },
        "projects": [
            {
                "year": line.year,
                "reference": line.reference,
                "title": line.title,
                "organisation": line.organisation,
                "category_label": line.category_label,
                "focus_area": line.focus_area,
                "amount": _nok(line.amount),
                "state_label": line.state_label,
            }
            for line in report.projects
        ],
    }


def annual_report_document(programme, year):
    """The annual report for ``programme`` and ``year`` as a JSON-ready dict, one key per section."""
    with translation.override(REPORT_LANGUAGE):
        return _document(annual_report(programme, year))


def annual_report_basename(programme, year):
    return f"omstillingsplan-{programme.slug}-{year}"


def annual_report_json(programme, year, *, progress=None):
    """``(UTF-8 JSON bytes, filename)`` of the whole annual report."""
    progress = progress or (lambda percent: None)
    document = annual_report_document(programme, year)
    progress(80)
    return _json_bytes(document), f"{annual_report_basename(programme, year)}.json"


def _json_bytes(document):
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- The CSV files ---------------------------------------------------------------------------------

# Norwegian letters that slugify would drop rather than spell out.
_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})


def _file_stem(text, fallback):
    return slugify(text.translate(_ASCII))[:60].strip("-") or fallback


def _table(stem, title, header, rows):
    return {"stem": stem, "title": title, "header": header, "rows": list(rows)}


def _csv_tables(document):
    """[(stem, title, header, rows)] in the order the PDF prints the tables."""
    summary, results = document["summary"], document["results"]
    organisation = document["organisation"]
    plan = document["plan_period"]
    tables = [
        _table(
            "sammendrag",
            _("Sammendrag"),
            ["key", "label", "value"],
            [
                ("programme", _("Program"), document["programme"]["name"]),
                ("owner", _("Programeier"), organisation["owner"]),
                ("operator", _("Driftsansvarlig"), organisation["operator"]),
                ("title", _("Tittel"), document["title"]),
                ("year", _("Statusår"), document["year"]),
                ("status_start_year", _("Statusperioden fra"), document["status_period"]["start_year"]),
                ("status_date", _("Status pr."), document["status_date"]),
                ("plan_start_year", _("Planperioden fra"), plan["start_year"] if plan else None),
                ("plan_end_year", _("Planperioden til"), plan["end_year"] if plan else None),
                ("grant_count", _("Antall tilsagn i perioden"), summary["grant_count"]),
                ("grant_active_count", _("Antall aktive tilsagn"), summary["grant_active_count"]),
                ("granted_total", _("Bevilget i perioden (kr)"), summary["granted_total"]),
                ("status_funding_total", _("Midler til rådighet (kr)"), document["status_funding"]["total"]),
            ],
        ),
        _table(
            "midler-til-radighet",
            _("Midler til rådighet per år (kr)"),
            ["year", "amount"],
            [(item["year"], item["amount"]) for item in document["status_funding"]["years"]],
        ),
    ]
    for indicator in document["indicators"]:
        stem = _file_stem(indicator["name"], indicator["code"])
        tables.append(
            _table(
                stem,
                indicator["name"],
                ["indicator", "year", "actual", "target", "deviation"],
                [
                    (indicator["code"], row["year"], row["actual"], row["target"], row["deviation"])
                    for row in indicator["years"]
                ],
            )
        )
        if indicator["breakdown"]:
            breakdown = indicator["breakdown"]
            tables.append(
                _table(
                    f"{stem}-etter-naering",
                    _("%(name)s etter næring") % {"name": indicator["name"]},
                    ["indicator", "breakdown", "year", "value"],
                    [
                        (indicator["code"], row["label"], year, value)
                        for row in breakdown["rows"]
                        for year, value in zip(breakdown["years"], row["values"], strict=True)
                    ],
                )
            )
    for table in document["grant_tables"]:
        tables.append(
            _table(
                f"tilsagn-{table['year']}",
                _("Tilsagn %(year)d") % {"year": table["year"]},
                [
                    "year",
                    "category",
                    "category_label",
                    "focus_area_number",
                    "focus_area",
                    "granted_count",
                    "active_count",
                    "granted_amount",
                    "active_amount",
                ],
                [
                    (
                        table["year"],
                        category["category"],
                        category["label"],
                        area["number"],
                        area["name"],
                        *(
                            category["lines"][key]["values"][index]
                            for key in ("granted_count", "active_count", "granted_amount", "active_amount")
                        ),
                    )
                    for category in table["categories"]
                    for index, area in enumerate(table["focus_areas"])
                ],
            )
        )
    tables += [
        _table(
            "resultater",
            _("Konkrete resultater"),
            ["key", "label", "value"],
            [
                ("reports", _("Resultatrapporter"), results["reports"]),
                ("new_jobs", _("Nye arbeidsplasser"), results["new_jobs"]),
                ("secured_jobs", _("Sikrede arbeidsplasser"), results["secured_jobs"]),
                (
                    "new_or_secured_jobs",
                    _("Nye og sikrede arbeidsplasser i alt"),
                    results["new_or_secured_jobs"],
                ),
                ("new_firms", _("Nye bedrifter"), results["new_firms"]),
                ("networks", _("Nye nettverk"), results["networks"]),
                ("other_funding", _("Utløst fra andre kilder (kr)"), results["other_funding"]),
                ("granted", _("Bevilget fra programmet (kr)"), results["granted"]),
                ("leverage", _("Giringseffekt (kr utløst per kr bevilget)"), results["leverage"]),
            ],
        ),
        _table(
            "resultater-per-ar",
            _("Resultatrapporter per år"),
            [
                "year",
                "reports",
                "new_jobs",
                "secured_jobs",
                "new_or_secured_jobs",
                "new_firms",
                "networks",
                "other_funding",
            ],
            [
                (
                    row["year"],
                    row["reports"],
                    row["new_jobs"],
                    row["secured_jobs"],
                    row["new_or_secured_jobs"],
                    row["new_firms"],
                    row["networks"],
                    row["other_funding"],
                )
                for row in results["by_year"]
            ],
        ),
        _table(
            "resultater-for-portalen",
            _("Resultater rapportert av programmet"),
            ["start_year", "end_year", "metric", "label", "bound", "value", "value_high", "text"],
            [
                (
                    item["start_year"],
                    item["end_year"],
                    item["metric"],
                    item["label"],
                    item["bound"],
                    item["value"],
                    item["value_high"],
                    item["text"],
                )
                for item in results["historical"]
            ],
        ),
        _table(
            "tilsagn-per-innsatsomrade",
            _("Tilsagn per innsatsområde og kategori i perioden"),
            ["focus_area_number", "focus_area", "category", "category_label", "count", "amount"],
            [
                (area["number"], area["name"], item["category"], item["label"], item["count"], item["amount"])
                for area in document["focus_area_summaries"]
                for item in area["categories"]
            ],
        ),
    ]
    for trajectory in document["goal_trajectories"]:
        tables.append(
            _table(
                f"mal-{_file_stem(trajectory['name'], trajectory['code'])}",
                _("Mål for %(name)s") % {"name": trajectory["name"].lower()},
                ["indicator", "growth_percent", "year", "target"],
                [
                    (trajectory["code"], trajectory["growth_percent"], item["year"], item["target"])
                    for item in trajectory["values"]
                ],
            )
        )
    goals = document["goals"]
    goal_rows = [("", "", "", "sub_goal", _("Delmål"), text, None) for text in goals["sub_goals"]]
    goal_rows += [
        ("", "", topic["topic"], goal["kind"], goal["kind_label"], goal["text"], goal["end_year"])
        for topic in goals["topics"]
        for goal in topic["goals"]
    ]
    goal_rows += [
        (area["number"], area["name"], "", goal["kind"], goal["kind_label"], goal["text"], goal["end_year"])
        for area in goals["focus_areas"]
        for goal in area["result_goals"] + area["effect_goals"]
    ]
    goal_rows += [
        ("", "", "kommunikasjon", goal["kind"], goal["kind_label"], goal["text"], goal["end_year"])
        for goal in goals["communication"]
    ]
    tables += [
        _table(
            "mal",
            _("Mål for programmet og innsatsområdene"),
            ["focus_area_number", "focus_area", "topic", "kind", "kind_label", "text", "end_year"],
            goal_rows,
        ),
        _table(
            "organisering",
            _("Organisering"),
            ["group", "name", "role", "represents"],
            [
                (group, person["name"], person["role"], person["represents"])
                for group in ("board", "observers", "staff")
                for person in organisation[group]
            ],
        ),
        _table(
            "finansiering",
            _("Finansiering av programmet (kr)"),
            ["source", "year", "amount"],
            [
                (row["source"], year, amount)
                for row in document["financing"]["rows"]
                for year, amount in zip(document["financing"]["years"], row["amounts"], strict=True)
            ],
        ),
        _table(
            "fordeling-av-midler",
            _("Fordeling og forbruk av midler (kr)"),
            ["label", "allocated", "granted", "paid", "remaining"],
            [
                (row["label"], row["allocated"], row["granted"], row["paid"], row["remaining"])
                for row in document["allocation"]["rows"]
            ],
        ),
        _table(
            "prosjekter",
            _("Tilsagn %(start)d–%(end)d")
            % {
                "start": document["status_period"]["start_year"],
                "end": document["status_period"]["end_year"],
            },
            [
                "year",
                "reference",
                "title",
                "organisation",
                "category_label",
                "focus_area",
                "amount",
                "state_label",
            ],
            [
                (
                    line["year"],
                    line["reference"],
                    line["title"],
                    line["organisation"],
                    line["category_label"],
                    line["focus_area"],
                    line["amount"],
                    line["state_label"],
                )
                for line in document["projects"]
            ],
        ),
    ]
    return tables


def _csv_cell(value):
    return "" if value is None else spreadsheet_safe(value)


def _csv_bytes(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")


def annual_report_csv_files(document):
    """``[(filename, bytes)]``: ``00-innhold.csv`` (what each file holds) and one CSV per table,
    numbered in the order the PDF prints them."""
    tables = _csv_tables(document)
    files = [(f"{number:02d}-{table['stem']}.csv", table) for number, table in enumerate(tables, start=1)]
    contents = _csv_bytes(["file", "title"], [(name, table["title"]) for name, table in files])
    return [("00-innhold.csv", contents)] + [
        (name, _csv_bytes(table["header"], table["rows"])) for name, table in files
    ]


def annual_report_csv_zip(programme, year, *, progress=None):
    """``(ZIP bytes, filename)``: every table of the annual report as a CSV file (UTF-8, comma
    separated, a header row of English keys)."""
    progress = progress or (lambda percent: None)
    with translation.override(REPORT_LANGUAGE):
        document = _document(annual_report(programme, year))
        progress(60)
        files = annual_report_csv_files(document)
    progress(80)
    buffer = io.BytesIO()
    # A fixed date on every entry: the same data gives the same bytes.
    stamp = (max(year, 1980), 12, 31, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue(), f"{annual_report_basename(programme, year)}-csv.zip"

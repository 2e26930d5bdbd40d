"""The applicant's copy of her application as submitted, as a PDF.

Built only from the frozen copy (:class:`~applications.models.ApplicationSnapshot`): what the
applicant changed, or staff corrected, after the submission is not in it. Rendered with
:func:`omstilling.pdf.render_pdf` from ``templates/letters/application_copy.html``; stored and served
through :class:`~applications.models.ApplicationCopy` (``applications.services.copies``).
"""

import datetime as dt
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.dateparse import parse_date, parse_datetime

from omstilling.formatting import format_kr, long_date, oslo_moment
from omstilling.models import Category, Programme
from omstilling.pdf import render_pdf

from .models import Attachment, FinancingLine


def _label(choices, value):
    return dict(choices).get(value, value)


def _date(value):
    parsed = parse_date(value) if isinstance(value, str) else value
    return long_date(parsed) if isinstance(parsed, dt.date) else ""


def application_copy_context(snapshot):
    """What the PDF shows, every figure read from the frozen copy."""
    data = snapshot.data
    row = data["application"]
    submitted = parse_datetime(row["submitted_at"]) if row.get("submitted_at") else snapshot.submitted_at
    # The programme's name and address head the page as on its letters; they are not the application's.
    programme = Programme.objects.filter(pk=row.get("programme_id")).first()
    return {
        "programme": programme,
        "application": row,
        "organisation": data["organisation"],
        "call": data.get("call") or {},
        "focus_area": (data.get("focus_area") or {}).get("name", ""),
        "category": _label(Category.choices, row.get("category")),
        "start_date": _date(row.get("start_date")),
        "end_date": _date(row.get("end_date")),
        "submitted": oslo_moment(submitted) if submitted else "",
        "submitted_by": str(snapshot.submitted_by) if snapshot.submitted_by else "",
        "today": long_date(submitted) if submitted else "",
        "cost_lines": [
            {"description": line["description"], "amount": format_kr(Decimal(line["amount"]))}
            for line in data.get("cost_lines", [])
        ],
        "financing_lines": [
            {
                "kind": _label(FinancingLine.Kind.choices, line["kind"]),
                "source": line.get("source", ""),
                "amount": format_kr(Decimal(line["amount"])),
            }
            for line in data.get("financing_lines", [])
        ],
        "de_minimis_received": format_kr(Decimal(row.get("de_minimis_received") or 0)),
        "totals": {key: format_kr(Decimal(value)) for key, value in (data.get("totals") or {}).items()},
        "attachments": [
            {"name": item["original_name"], "kind": _label(Attachment.Kind.choices, item["kind"])}
            for item in data.get("attachments", [])
        ],
    }


def application_copy_pdf(snapshot):
    return render_pdf(render_to_string("letters/application_copy.html", application_copy_context(snapshot)))

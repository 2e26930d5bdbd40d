"""Numbers and dates written the Norwegian way, for the printed reports.

Grouping uses the no-break space of :func:`omstilling.formatting.format_nok`, so a figure never
wraps across two lines; the decimal separator is the comma.

Kroner are written one way throughout a report, as the seed's plan writes them: the unit before the
amount (``kr 7 840 000``, :func:`format_kroner`), millions after it (``4,4 mill. kr``); a table whose
header names the unit (``Beløp (kr)``) prints bare figures (:func:`format_number`).
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from omstilling.formatting import NOK_GROUP_SEPARATOR, format_nok

MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)


def format_number(value, decimals=0):
    """``Decimal("12928.00")`` → ``"12 928"``; ``decimals=1`` → ``"12 928,0"``; None → ``""``."""
    if value is None:
        return ""
    if decimals == 0:
        return format_nok(value)
    quantum = Decimal(1).scaleb(-decimals)
    amount = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    whole, _dot, fraction = f"{abs(amount):,}".partition(".")
    text = f"{whole.replace(',', NOK_GROUP_SEPARATOR)},{fraction}"
    return f"-{text}" if amount < 0 else text


def format_kroner(value):
    """``Decimal("7840000")`` → ``"kr 7 840 000"`` (a no-break space after ``kr``); None → ``""``."""
    if value is None:
        return ""
    # Translators: the currency, written before an amount ("kr 7 840 000"; in English "NOK 7 840 000").
    unit = _("kr")
    return f"{unit}\u00a0{format_nok(value)}"


def format_signed(value):
    """A deviation with its sign: ``"+181"``, ``"-12"``, ``"0"``."""
    if value is None:
        return ""
    text = format_nok(value)
    return f"+{text}" if value > 0 else text


def format_mnok(value):
    """Millions of kroner with one decimal: ``Decimal("2500000")`` → ``"2,5"``."""
    if value is None:
        return ""
    return format_number(Decimal(value) / Decimal(1_000_000), decimals=1)


def format_ratio(value):
    """A ratio with one decimal, or a dash when there is none."""
    return "–" if value is None else format_number(value, decimals=1)


def format_percent(value):
    """``Decimal("0.500")`` → ``"0,5"``; whole numbers without decimals."""
    if value is None:
        return ""
    normalized = Decimal(value).normalize()
    decimals = max(0, -normalized.as_tuple().exponent)
    return format_number(normalized, decimals=decimals)


def format_date(value):
    """``date(2012, 12, 31)`` → ``"31. desember 2012"`` (bokmål, whatever language is active)."""
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def format_years(years):
    """``[2011, 2012]`` → ``"2011 og 2012"``; ``[2010, 2011, 2012]`` → ``"2010, 2011 og 2012"``."""
    years = [str(year) for year in years]
    if len(years) <= 1:
        return "".join(years)
    return _("%(first)s og %(last)s") % {"first": ", ".join(years[:-1]), "last": years[-1]}


BULLET = re.compile(r"^\s*[-–•*]\s+(?P<text>.+)$")
NUMBERED = re.compile(r"^\s*(?P<number>\d{1,3})[.)]\s+(?P<text>.+)$")


def prose_html(text):
    """Plain text from the admin as paragraphs and real lists, escaped (no HTML gets through).

    Lines starting with ``-``, ``–``, ``•`` or ``*`` become a bulleted list (``<ul>``); lines starting
    with ``1.`` or ``1)`` a numbered one (``<ol>``, keeping its first number); other lines are
    paragraphs, a blank line between them, a single line break kept. A printed plan gets list items
    a screen reader announces as such, not lines beginning with a dash.
    """
    if not text:
        return mark_safe("")
    html, paragraph, items, kind = [], [], [], None

    def flush_paragraph():
        if paragraph:
            html.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()

    def flush_list():
        nonlocal kind
        if items:
            start = items[0][0]
            opening = f'<ol start="{start}">' if kind == "ol" and start != 1 else f"<{kind}>"
            html.append(opening + "".join(f"<li>{item}</li>" for _number, item in items) + f"</{kind}>")
            items.clear()
        kind = None

    for line in str(text).replace("\r\n", "\n").split("\n"):
        bullet, numbered = BULLET.match(line), NUMBERED.match(line)
        if bullet or numbered:
            flush_paragraph()
            line_kind = "ul" if bullet else "ol"
            if kind != line_kind:
                flush_list()
                kind = line_kind
            match = bullet or numbered
            items.append((int(numbered["number"]) if numbered else 0, escape(match["text"].strip())))
        elif line.strip():
            flush_list()
            paragraph.append(escape(line.strip()))
        else:
            flush_list()
            flush_paragraph()
    flush_list()
    flush_paragraph()
    return mark_safe("\n".join(html))


def format_span(start, end):
    """``(2010, 2012)`` → ``"2010–2012"``; a single year is written once: ``(2010, 2010)`` → ``"2010"``."""
    return str(start) if start == end else f"{start}–{end}"

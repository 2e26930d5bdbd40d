"""Numbers and dates written the Norwegian way, for the printed reports.

Grouping uses the no-break space of :func:`omstilling.formatting.format_nok`, so a figure never
wraps across two lines; the decimal separator is the comma.
"""

from decimal import ROUND_HALF_UP, Decimal

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


def format_span(start, end):
    """``(2010, 2012)`` → ``"2010–2012"``; a single year is written once: ``(2010, 2010)`` → ``"2010"``."""
    return str(start) if start == end else f"{start}–{end}"

"""Norwegian formats shared by the admin, the portal, the letters and the reports."""

from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format

OSLO = ZoneInfo("Europe/Oslo")

# Norwegian digit grouping uses a space; the no-break space (U+00A0) is the one Django's own "nb"
# locale uses as THOUSAND_SEPARATOR, so admin columns and localized form values look the same
# and an amount never wraps across two lines.
NOK_GROUP_SEPARATOR = "\u00a0"


def format_nok(value):
    """Whole kroner grouped the Norwegian way: ``Decimal("1900000")`` → ``"1 900 000"``."""
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    grouped = f"{abs(amount):,}".replace(",", NOK_GROUP_SEPARATOR)
    return f"-{grouped}" if amount < 0 else grouped


def long_date(value):
    """``15. mai 2018`` (in the active language); a moment is shown as its date in Norway."""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value, OSLO)
    return date_format(value, "j. F Y")

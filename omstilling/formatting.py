"""Norwegian formats shared by the admin, the portal, the letters, the e-mails and the service messages.

Amounts and times are written the Norwegian way in every language: the digits of ``1 900 000`` are
grouped with a space and the time of day is ``23.59``, because the figures are Norwegian kroner on a
Norwegian programme and an English page should not show ``1,900,000`` beside a letter that says
``1 900 000``. Only the words follow the active language: the English catalogue puts the currency
first (``"%(amount)s kr"`` → ``"NOK %(amount)s"``), writes ``at`` for ``kl.`` and names the month in
English. Django's own ``number_format`` and ``TIME_FORMAT`` follow the active language and must not be
used for these.

Which to use: a message whose msgid already writes the unit (``"… %(amount)s kr …"``, translated as
``"… NOK %(amount)s …"``) takes :func:`format_nok`; anywhere else an amount is inserted whole,
unit and all, take :func:`format_kr`.
"""

from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

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


def format_kr(value):
    """An amount with its unit: ``1900000`` → ``"1 900 000 kr"``; in English ``"NOK 1 900 000"``.

    The digits are grouped by :func:`format_nok` (no-break spaces) whatever the language; the space
    before ``kr`` is an ordinary one, as in every msgid that writes ``"%(amount)s kr"`` itself and in
    the portal's ``nok`` filter, so that an amount reads the same in a page, a message and a letter.
    """
    if value is None:
        return ""
    return _("%(amount)s kr") % {"amount": format_nok(value)}


def long_date(value):
    """``15. mai 2018`` (in the active language); a moment is shown as its date in Norway."""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value, OSLO)
    return date_format(value, "j. F Y")


def oslo_time(moment):
    """The time of day in Norway, with the Norwegian full stop: ``"23.59"`` (in every language)."""
    return f"{timezone.localtime(moment, OSLO):%H.%M}"


def oslo_moment(moment):
    """``15. mai 2018 kl. 23.59`` in Norwegian time, whatever the server's zone or daylight saving.

    In English ``15. May 2018 at 23.59``: the words follow the language, the clock stays Norwegian."""
    if not moment:
        return ""
    return _("%(date)s kl. %(time)s") % {"date": long_date(moment), "time": oslo_time(moment)}

from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from omstilling.formatting import format_nok
from omstilling.formatting import long_date as _long_date

register = template.Library()
OSLO = ZoneInfo("Europe/Oslo")


@register.filter
def nok(value):
    """``1 900 000 kr``."""
    if value is None or value == "":
        return ""
    return _("%(amount)s kr") % {"amount": format_nok(value)}


@register.filter
def oslo_moment(value):
    """``15. mai 2018 kl. 23.59``, in Norwegian time whatever the server's zone."""
    if not value:
        return ""
    local = timezone.localtime(value, OSLO)
    return _("%(date)s kl. %(time)s") % {"date": date_format(local, "j. F Y"), "time": f"{local:%H.%M}"}


@register.filter
def long_date(value):
    """``15. mai 2018``."""
    return _long_date(value) if value else ""

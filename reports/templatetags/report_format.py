from django import template

from reports import formatting

register = template.Library()

register.filter("nok", formatting.format_number)
register.filter("kr", formatting.format_kroner)
register.filter("mnok", formatting.format_mnok)
register.filter("ratio", formatting.format_ratio)
register.filter("signed", formatting.format_signed)
register.filter("percent", formatting.format_percent)
register.filter("nbdate", formatting.format_date)
register.filter("years", formatting.format_years)
register.filter("span", formatting.format_span)
register.filter("prose", formatting.prose_html, is_safe=True)

"""Field types the apps share."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


def MoneyField(verbose_name, **kwargs):  # noqa: N802 - reads like a field class
    """Whole Norwegian kroner; never float."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 0)
    kwargs.setdefault("validators", [MinValueValidator(Decimal("0"))])
    return models.DecimalField(verbose_name, **kwargs)


class HttpsURLField(models.URLField):
    """A web address; one typed without a scheme (``elverum.kommune.no``) is read as https://.

    Django 6 makes https the default of ``forms.URLField``; until then the form field must be told
    (the transitional FORMS_URLFIELD_ASSUME_HTTPS setting is itself deprecated). Migrations see a
    plain ``URLField``: only the form field differs.
    """

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.URLField", args, kwargs

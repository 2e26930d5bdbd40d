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

"""Deadlines as the law counts them: fristloven § 5 moves a deadline that ends on a Saturday, a
Sunday or a public holiday (helligdag or høytidsdag) to the next working day."""

import datetime as dt
from functools import lru_cache

from dateutil.easter import easter


@lru_cache(maxsize=64)
def norwegian_public_holidays(year: int) -> frozenset[dt.date]:
    """The public holidays of ``year`` (helligdagsloven § 2 and 1 and 17 May)."""
    sunday = easter(year)
    days = [
        0,
        -3,
        -2,
        1,
        39,
        49,
        50,
    ]  # Easter Sunday, Maundy Thursday, Good Friday, Easter Monday, Ascension, Whit Sunday and Monday
    return frozenset(
        [sunday + dt.timedelta(days=offset) for offset in days]
        + [
            dt.date(year, 1, 1),
            dt.date(year, 5, 1),
            dt.date(year, 5, 17),
            dt.date(year, 12, 25),
            dt.date(year, 12, 26),
        ]
    )


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in norwegian_public_holidays(day.year)


def deadline_on_working_day(day: dt.date) -> dt.date:
    """``day``, or the first working day after it when it is not one (fristloven § 5)."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day

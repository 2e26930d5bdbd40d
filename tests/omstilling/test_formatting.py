"""The Norwegian formats every message, page and letter share: amounts and moments.

The digits and the clock stay Norwegian in English too (``1 900 000``, ``23.59``); only the words
(``kr``/``NOK``, ``kl.``/``at``, the month) follow the language, as the English catalogue writes them.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from omstilling.formatting import format_kr, oslo_moment, oslo_time

NBSP = "\u00a0"
UTC = dt.UTC


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "0 kr"),
        (999, "999 kr"),
        (1000, f"1{NBSP}000 kr"),
        (1_900_000, f"1{NBSP}900{NBSP}000 kr"),
        (-25_000, f"-25{NBSP}000 kr"),
        (Decimal("1900000.00"), f"1{NBSP}900{NBSP}000 kr"),
        (Decimal("999.50"), f"1{NBSP}000 kr"),
        ("350000", f"350{NBSP}000 kr"),
    ],
)
def test_amounts_are_whole_kroner_grouped_with_no_break_spaces(amount, expected):
    assert format_kr(amount) == expected


def test_no_amount_is_an_empty_string():
    assert format_kr(None) == ""


def test_english_writes_nok_first_but_keeps_the_norwegian_grouping():
    with translation.override("en"):
        assert format_kr(Decimal(1_900_000)) == f"NOK 1{NBSP}900{NBSP}000"
        assert "," not in format_kr(Decimal(1_900_000))


def test_winter_deadline_is_shown_one_hour_ahead_of_utc():
    # 22:59 UTC in January is 23:59 in Oslo (CET, UTC+1).
    moment = dt.datetime(2018, 1, 15, 22, 59, tzinfo=UTC)
    assert oslo_moment(moment) == "15. januar 2018 kl. 23.59"
    assert oslo_time(moment) == "23.59"


def test_summer_deadline_is_shown_two_hours_ahead_of_utc():
    # 21:59 UTC in May is 23:59 in Oslo (CEST, UTC+2).
    assert oslo_moment(dt.datetime(2018, 5, 15, 21, 59, tzinfo=UTC)) == "15. mai 2018 kl. 23.59"


def test_a_moment_late_in_the_utc_evening_is_the_next_day_in_oslo():
    assert oslo_moment(dt.datetime(2018, 12, 31, 23, 30, tzinfo=UTC)) == "1. januar 2019 kl. 00.30"


def test_the_hours_either_side_of_the_spring_change_to_summer_time():
    # Clocks in Norway went from 02.00 to 03.00 on 25 March 2018 (01:00 UTC).
    assert oslo_time(dt.datetime(2018, 3, 25, 0, 59, tzinfo=UTC)) == "01.59"
    assert oslo_time(dt.datetime(2018, 3, 25, 1, 0, tzinfo=UTC)) == "03.00"


def test_english_words_around_a_norwegian_clock():
    moment = dt.datetime(2018, 5, 15, 21, 59, tzinfo=UTC)
    with translation.override("en"):
        assert oslo_moment(moment) == "15. May 2018 at 23.59"
        assert oslo_time(moment) == "23.59"


def test_no_moment_is_an_empty_string():
    assert oslo_moment(None) == ""

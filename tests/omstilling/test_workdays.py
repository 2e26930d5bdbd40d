"""Deadlines end on a working day (fristloven § 5)."""

import datetime as dt

import pytest

from omstilling.workdays import deadline_on_working_day

D = dt.date


@pytest.mark.parametrize(
    ("day", "moved_to"),
    [
        (D(2026, 12, 23), D(2026, 12, 23)),  # a Wednesday
        (D(2026, 12, 26), D(2026, 12, 28)),  # second Christmas Day, a Saturday
        (D(2026, 12, 25), D(2026, 12, 28)),  # Christmas Day, Friday, then the weekend
        (D(2027, 3, 25), D(2027, 3, 30)),  # Maundy Thursday: Good Friday, Easter weekend and Monday follow
        (D(2027, 5, 1), D(2027, 5, 3)),  # 1 May, a Saturday
        (D(2027, 5, 17), D(2027, 5, 18)),  # Constitution Day, a Monday
        (D(2027, 5, 6), D(2027, 5, 7)),  # Ascension Day (Easter + 39)
        (D(2027, 5, 16), D(2027, 5, 18)),  # Whit Sunday, Whit Monday 17 May as well
        (D(2028, 1, 1), D(2028, 1, 3)),  # New Year's Day, a Saturday
    ],
)
def test_a_deadline_on_a_weekend_or_public_holiday_moves_to_the_next_working_day(day, moved_to):
    assert deadline_on_working_day(day) == moved_to

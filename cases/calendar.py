"""Official working days (工作日) with holidays and make-up workdays (调休).

Sources, first that knows the day wins: rows admins entered (`Holiday`); for a year admins
marked complete (`HolidayYear`, entered in full from the State Council's notice), those rows and
weekends alone; then the `chinese-calendar` package (the State Council's schedule, 2004 up to its
release year); then an estimate for later years: weekends and the public holidays the `holidays`
package predicts, without 调休. An estimate never crashes a deadline: it is logged and reported
to the caller, who says so on the case.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import chinese_calendar
import holidays
from django.db import connection

logger = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _estimated_holidays(year: int) -> frozenset[date]:
    logger.warning(
        "No official holiday schedule for %s: counting weekends and estimated public holidays, "
        "without make-up workdays. Admins can enter the schedule as Holiday rows.",
        year,
    )
    return frozenset(holidays.China(years=year))


def _read(first_year: int, last_year: int) -> tuple[MappingProxyType, frozenset[int]]:
    from .models import Holiday, HolidayYear

    first, last = date(first_year, 1, 1), date(last_year, 12, 31)
    rows = Holiday.objects.filter(date__range=(first, last)).values_list("date", "is_workday")
    complete = HolidayYear.objects.filter(complete=True, year__range=(first_year, last_year))
    # Read-only: the rows are shared by every calendar loaded under this version.
    return MappingProxyType(dict(rows)), frozenset(complete.values_list("year", flat=True))


# (reference-data version, first year, last year) → the rows `_read` gave: per process.
_LOADED: dict[tuple, tuple[MappingProxyType, frozenset[int]]] = {}


@dataclass
class Calendar:
    """Working-day arithmetic over the days admins entered, loaded once per calculation."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()
    estimated_years: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, start: date, end: date) -> "Calendar":
        """The entered days and the complete years, for the whole years `start` to `end`.

        Whole years: a complete year is answered from its rows alone, so all of them must be here.
        A year after `end` counts as not complete (chinese-calendar, else the estimate with a note).

        Outside a transaction it is read with two queries once per process and reference-data
        version: the calendar is reference data like the catalogue, and every write of a `Holiday`
        or `HolidayYear` bumps the catalogue version (cases/apps.py), so the next load in any
        process reads the rows again. Every list that knows "due soon" loads it; an action (in its
        transaction) reads it afresh.
        """
        from catalogue.cache import local_version

        if connection.in_atomic_block:
            # In a transaction the rows may include its own writes, not yet committed and perhaps
            # rolled back (an admin's change that failed): read them, keep nothing.
            return cls(*_read(start.year, end.year))
        key = (local_version(), start.year, end.year)
        found = _LOADED.get(key)
        if found is None:
            found = _read(start.year, end.year)
            if len(_LOADED) >= 32:  # versions and year ranges in use: a few; never grows unbounded
                _LOADED.clear()
            _LOADED[key] = found
        overrides, complete_years = found
        return cls(overrides=overrides, complete_years=complete_years)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.complete_years:
            return day.weekday() < 5  # every holiday and 调休 of the year is a row
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            self.estimated_years.add(day.year)
            return day.weekday() < 5 and day not in _estimated_holidays(day.year)

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start`; `start` itself does not count.

        行政许可法 counts a limit from the day after acceptance. 0 days (即办) is `start` itself,
        whatever day it is.
        """
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def working_days_between(self, after: date, until: date) -> int:
        """Working days d with after < d <= until."""
        count, day = 0, after
        while day < until:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count

    def note(self) -> str:
        if not self.estimated_years:
            return ""
        years = "、".join(str(year) for year in sorted(self.estimated_years))
        return (
            f"{years}年官方节假日安排尚未录入，期限按周末和预计法定节假日估算（不含调休），以官方安排为准。"
        )


def add_working_days(start: date, days: int) -> tuple[date, str]:
    """Convenience: the due date and a note if part of it was estimated."""
    calendar = Calendar.load(start, start + timedelta(days=days * 3 + 60))
    return calendar.add_working_days(start, days), calendar.note()

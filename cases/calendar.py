"""Official working days (工作日) with holidays and make-up workdays (调休).

Sources, first that knows the day wins: rows admins entered (`Holiday`); for a year admins
marked complete (`HolidayYear`, entered in full from the State Council's notice), those rows and
weekends alone; then the `chinese-calendar` package (the State Council's schedule, 2004 up to its
release year); then an estimate for later years: weekends and the public holidays the `holidays`
package predicts, without 调休. An estimate never crashes a deadline: it is logged and reported
to the caller, who says so on the case.
"""

import logging
import time
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
    # Read-only: the rows are shared by every calendar loaded while they are kept.
    return MappingProxyType(dict(rows)), frozenset(complete.values_list("year", flat=True))


# (first year, last year) → (when read, the rows `_read` gave): per process, for KEEP_SECONDS.
_LOADED: dict[tuple[int, int], tuple[float, MappingProxyType, frozenset[int]]] = {}
KEEP_SECONDS = 60.0


def forget() -> None:
    """This process reads the calendar again on its next load (a Holiday or HolidayYear written
    here: cases/apps.py; other processes read it again within KEEP_SECONDS)."""
    _LOADED.clear()


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

        Outside a transaction the rows are read with two queries and kept by the process for
        KEEP_SECONDS (a minute): every list that knows "due soon" loads the calendar, and admins
        change it a few times a year. A write in this process is read on its next load (signals,
        cases/apps.py), one in another process within the minute; nothing but the database is
        asked (no cache server). In a transaction (every action that sets a due date) the rows are
        read afresh and not kept: they may include the transaction's own writes, perhaps rolled back.
        """
        if connection.in_atomic_block:
            return cls(*_read(start.year, end.year))
        key = (start.year, end.year)
        now = time.monotonic()
        found = _LOADED.get(key)
        if found is None or now - found[0] > KEEP_SECONDS:
            if len(_LOADED) >= 32:  # year ranges in use: a few; never grows unbounded
                _LOADED.clear()
            found = _LOADED[key] = (now, *_read(start.year, end.year))
        _read_at, overrides, complete_years = found
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

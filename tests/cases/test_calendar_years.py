"""A year admins entered in full (HolidayYear.complete): its rows and weekends, no estimate, no note.

chinese-calendar 1.11.0 knows 2026 and not 2027, so a case handled in late December 2026 counts
into 2027. The 2027 rows below are shaped like a State Council notice; the dates are made up.
"""

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from cases import calendar
from cases.calendar import Calendar
from cases.models import Holiday, HolidayYear, Leg
from tests.builders import act, register

from .conftest import client_for
from .test_joint_flow import joint_case, post

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
ESTIMATED = "2027年官方节假日安排尚未录入"


def at(day: str, hour: int = 10):
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def rows_2027(db):
    """The 2027 schedule entered by an admin, not (yet) marked complete."""
    Holiday.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    Holiday.objects.create(date=date(2027, 1, 9), is_workday=True, name="调休上班（周六）")
    for day in range(6, 13):
        Holiday.objects.create(date=date(2027, 2, day), is_workday=False, name="春节")
    Holiday.objects.create(date=date(2027, 2, 20), is_workday=True, name="调休上班（周六）")


@pytest.fixture
def complete_2027(rows_2027):
    return HolidayYear.objects.create(
        year=2027, complete=True, source="国务院办公厅关于2027年部分节假日安排的通知"
    )


def test_a_complete_year_counts_its_rows_and_weekends_only(complete_2027):
    calendar = Calendar.load(date(2027, 1, 1), date(2027, 12, 31))
    assert calendar.is_workday(date(2027, 1, 9))  # a make-up Saturday
    assert not calendar.is_workday(date(2027, 1, 10))  # an ordinary Sunday
    assert calendar.is_workday(date(2027, 2, 5))  # the estimate's New Year's Eve: no row, a Friday
    assert calendar.is_workday(date(2027, 4, 5))  # the estimate's 清明: no row, a Monday
    assert not calendar.is_workday(date(2027, 2, 12))  # a row
    assert calendar.estimated_years == set() and calendar.note() == ""


def test_a_year_with_rows_but_not_marked_complete_is_still_estimated_between_them(rows_2027):
    calendar = Calendar.load(date(2027, 1, 1), date(2027, 12, 31))
    assert calendar.is_workday(date(2027, 1, 9))  # the rows still win
    assert not calendar.is_workday(date(2027, 4, 5))  # the estimate fills the rest
    assert ESTIMATED in calendar.note()


def test_a_year_left_unticked_is_still_estimated(rows_2027):
    HolidayYear.objects.create(year=2027, complete=False, source="国务院办公厅通知（录入中）")
    calendar = Calendar.load(date(2027, 1, 1), date(2027, 12, 31))
    assert not calendar.is_workday(date(2027, 4, 5))
    assert ESTIMATED in calendar.note()


def test_a_complete_year_wins_over_the_library_too(db):
    # 2026 is in chinese-calendar; marked complete with no 国庆 rows, 1 October is a Thursday like any other.
    HolidayYear.objects.create(year=2026, complete=True)
    assert Calendar.load(date(2026, 9, 1), date(2026, 10, 31)).is_workday(date(2026, 10, 1))


def test_loading_a_calendar_takes_two_queries_and_counting_takes_none(
    complete_2027, django_assert_num_queries
):
    with django_assert_num_queries(2):
        calendar = Calendar.load(date(2026, 12, 1), date(2027, 12, 31))
    with django_assert_num_queries(0):
        assert calendar.add_working_days(date(2026, 12, 28), 200) > date(2027, 10, 1)


def test_a_case_accepted_in_december_counts_a_complete_2027_from_its_rows_with_no_note(
    complete_2027, applicant, handling_officer, offices
):
    with at("2026-12-28"):
        case = act(handling_officer, register(applicant, "online", offices), "accept")
    # 29, 30, 31 Dec; 4–8 Jan; Saturday 9 (调休); 11–15, 18–22, 25 Jan: the 20th working day.
    assert (case.statutory_due, case.promised_due) == (date(2027, 1, 25), date(2027, 1, 25))
    assert case.calendar_note == ""


def test_a_case_accepted_in_december_says_2027_is_estimated_until_the_year_is_marked_complete(
    rows_2027, applicant, handling_officer, offices
):
    with at("2026-12-28"):
        case = act(handling_officer, register(applicant, "online", offices), "accept")
    assert case.promised_due == date(2027, 1, 25)  # the rows count, the days between are estimated
    assert ESTIMATED in case.calendar_note


@pytest.mark.parametrize("complete", [False, True])
def test_a_transfer_on_the_last_working_day_of_2026_is_signed_for_in_2027_and_says_so_unless_complete(
    complete, rows_2027, window_clerk, offices
):
    HolidayYear.objects.create(year=2027, complete=complete)
    with at("2026-12-31", hour=16):  # a Thursday; 1 January is 元旦
        case = register(window_clerk, "proxy", offices)
        for action in ("pass_formal_review", "check_identity", "transfer"):
            case = act(window_clerk, case, action)
    assert case.status == "transferred"
    assert case.sign_due == date(2027, 1, 4)
    assert (ESTIMATED in case.calendar_note) is not complete


def test_a_transfer_signed_for_within_2026_carries_no_note(window_clerk, offices):
    with at("2026-12-29"):
        case = register(window_clerk, "proxy", offices)
        for action in ("pass_formal_review", "check_identity", "transfer"):
            case = act(window_clerk, case, action)
    assert (case.sign_due, case.calendar_note) == (date(2026, 12, 30), "")


def test_a_region_released_on_the_last_working_day_of_2026_puts_the_note_on_the_case(
    applicant, receiving_officer, leg_officer, offices
):
    with at("2026-09-01"):
        number = joint_case(applicant, offices)
        post(client_for(receiving_officer), number, "accept")
    first = Leg.objects.get(case__number=number, office=offices["dept_c"])
    changsha = client_for(leg_officer)
    with at("2026-12-31"):
        assert first.case.calendar_note == ""  # due dates within 2026
        for action, data in [("sign_leg", {}), ("start_leg", {}), ("agree_leg", {"opinion": "同意转出"})]:
            assert post(changsha, number, action, leg=first.pk, **data).status_code == 200
    second = Leg.objects.select_related("case").get(case__number=number, office=offices["dept_b"])
    assert (second.status, second.sign_due) == ("to_sign", date(2027, 1, 4))
    assert ESTIMATED in second.case.calendar_note


def test_a_joint_case_accepted_on_the_last_working_day_gives_its_first_region_a_2027_sign_for_day(
    complete_2027, applicant, receiving_officer, offices
):
    with at("2026-12-31"):
        number = joint_case(applicant, offices)
        post(client_for(receiving_officer), number, "accept")
    first = Leg.objects.select_related("case").get(case__number=number, office=offices["dept_c"])
    assert (first.sign_due, first.case.calendar_note) == (date(2027, 1, 4), "")


@pytest.mark.parametrize("complete", [False, True])
def test_tracking_shows_the_note_with_the_promised_date(
    complete, rows_2027, api, applicant, handling_officer, offices
):
    HolidayYear.objects.create(year=2027, complete=complete)
    with at("2026-12-28"):
        case = act(handling_officer, register(applicant, "online", offices), "accept")
    cache.clear()
    body = api.get("/api/v1/track/", {"number": case.number, "id_tail": "002X"}).json()
    assert body["promised_due"] == "2027-01-25"
    assert body["calendar_note"] == case.calendar_note
    assert (ESTIMATED in body["calendar_note"]) is not complete


def test_tracking_a_case_with_no_estimate_shows_an_empty_note(api, applicant, handling_officer, offices):
    with at("2026-11-02"):
        case = act(handling_officer, register(applicant, "online", offices), "accept")
    cache.clear()
    assert api.get("/api/v1/track/", {"number": case.number, "id_tail": "002X"}).json()["calendar_note"] == ""


# --- Admin ------------------------------------------------------------------------------------------


@pytest.fixture
def site_admin(db):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("site_admin", password="pw-for-tests-1"))
    return client


def test_the_holiday_list_shows_which_years_are_complete(site_admin, rows_2027):
    Holiday.objects.create(date=date(2026, 10, 1), is_workday=False, name="国庆节")
    HolidayYear.objects.create(year=2027, complete=True)
    page = site_admin.get("/admin/cases/holiday/")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 11
    complete = site_admin.get("/admin/cases/holiday/", {"year_complete": "1"}).context["cl"]
    incomplete = site_admin.get("/admin/cases/holiday/", {"year_complete": "0"}).context["cl"]
    assert {h.date.year for h in complete.result_list} == {2027}
    assert [h.date for h in incomplete.result_list] == [date(2026, 10, 1)]


def test_the_year_list_shows_the_days_entered_and_marks_a_year_complete(site_admin, rows_2027):
    entered = HolidayYear.objects.create(year=2027, source="国办发明电〔2026〕X号")
    empty = HolidayYear.objects.create(year=2028)
    page = site_admin.get("/admin/cases/holidayyear/")
    assert page.status_code == 200
    assert {y.year: y.days_entered for y in page.context["cl"].result_list} == {2027: 10, 2028: 0}
    site_admin.post(
        "/admin/cases/holidayyear/",
        {"action": "mark_complete", "_selected_action": [entered.pk, empty.pk]},
    )
    entered.refresh_from_db(), empty.refresh_from_db()
    assert (entered.complete, empty.complete) == (True, False)  # a year with no rows is left as it is


def test_a_year_with_no_rows_cannot_be_ticked_complete(site_admin):
    reply = site_admin.post("/admin/cases/holidayyear/add/", {"year": 2028, "complete": "on", "source": ""})
    assert reply.status_code == 200  # the form again, with the error
    assert not HolidayYear.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_calendar_is_kept_until_a_holiday_or_a_year_changes_here(django_assert_num_queries):
    span = (date(2027, 1, 1), date(2027, 12, 31))
    Holiday.objects.create(date=date(2027, 2, 8), is_workday=False, name="春节")
    assert not Calendar.load(*span).is_workday(date(2027, 2, 8))  # read with two queries
    with django_assert_num_queries(0):
        assert not Calendar.load(*span).is_workday(date(2027, 2, 8))
        assert Calendar.load(*span).is_workday(date(2027, 3, 3))
    Holiday.objects.create(date=date(2027, 3, 3), is_workday=False, name="（示例）")
    with django_assert_num_queries(2):
        assert not Calendar.load(*span).is_workday(date(2027, 3, 3))
    assert Calendar.load(*span).complete_years == frozenset()
    year = HolidayYear.objects.create(year=2027, complete=True, source="通知")
    assert Calendar.load(*span).complete_years == {2027}
    year.delete()
    assert Calendar.load(*span).complete_years == frozenset()
    Holiday.objects.get(date=date(2027, 3, 3)).delete()
    assert Calendar.load(*span).is_workday(date(2027, 3, 3))


@pytest.mark.django_db(transaction=True)
def test_a_change_no_signal_announced_is_read_within_a_minute(monkeypatch):
    span = (date(2027, 1, 1), date(2027, 12, 31))
    assert Calendar.load(*span).is_workday(date(2027, 3, 3))
    # Another process's write: this one hears no signal of it (as with a queryset bulk write here).
    Holiday.objects.bulk_create([Holiday(date=date(2027, 3, 3), is_workday=False, name="（示例）")])
    assert Calendar.load(*span).is_workday(date(2027, 3, 3))  # kept
    later = time.monotonic() + calendar.KEEP_SECONDS + 1
    monkeypatch.setattr(calendar.time, "monotonic", lambda: later)
    assert not Calendar.load(*span).is_workday(date(2027, 3, 3))


@pytest.mark.django_db(transaction=True)
def test_a_holiday_rolled_back_is_never_kept(django_assert_num_queries):
    span = (date(2027, 1, 1), date(2027, 12, 31))
    assert Calendar.load(*span).is_workday(date(2027, 3, 3))
    with pytest.raises(RuntimeError), transaction.atomic():
        Holiday.objects.create(date=date(2027, 3, 3), is_workday=False, name="（示例）")
        assert not Calendar.load(*span).is_workday(date(2027, 3, 3))  # its own write, read afresh
        raise RuntimeError("the admin's change failed")
    assert Calendar.load(*span).is_workday(date(2027, 3, 3))


def test_a_calendar_loaded_elsewhere_cannot_change_the_rows_it_shares(rows_2027):
    calendar = Calendar.load(date(2027, 1, 1), date(2027, 12, 31))
    with pytest.raises(TypeError):
        calendar.overrides[date(2027, 3, 3)] = False
    calendar.is_workday(date(2031, 5, 5))  # an estimated year, noted on this calendar only
    assert Calendar.load(date(2027, 1, 1), date(2027, 12, 31)).note() == ""

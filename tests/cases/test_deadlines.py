"""Working-day deadlines: holidays with 调休, a year the library does not know, suspensions."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.calendar import Calendar
from cases.deadlines import flag_due
from cases.models import Holiday, Notification, Suspension
from tests.builders import act, register

from .conftest import client_for

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10):
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI), tick=False)


def test_working_days_skip_the_national_day_holiday_and_count_the_make_up_saturday():
    # 2026: 10月1日至7日放假; 9月20日(周日)、10月10日(周六)上班.
    calendar = Calendar()
    assert calendar.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)  # 8, 9, 10(六), 12, 13
    assert calendar.add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)  # a Sunday that is a workday
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 11)) == 3
    assert calendar.estimated_years == set()


def test_a_year_the_library_does_not_know_falls_back_to_weekends_and_estimated_holidays(caplog):
    calendar = Calendar()
    assert calendar.add_working_days(date(2026, 12, 28), 20) == date(2027, 1, 26)  # 1 Jan off, weekends off
    assert calendar.estimated_years == {2027}
    assert "2027年官方节假日安排尚未录入" in calendar.note()


def test_holiday_rows_entered_by_admins_override_the_estimate():
    Holiday.objects.create(date=date(2027, 1, 4), is_workday=False, name="假设的元旦调休")
    Holiday.objects.create(date=date(2027, 1, 9), is_workday=True, name="假设的调休上班")
    calendar = Calendar.load(date(2027, 1, 1), date(2027, 2, 1))
    assert not calendar.is_workday(date(2027, 1, 4)) and calendar.is_workday(date(2027, 1, 9))
    assert calendar.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 6)  # 5, 6 (4 off, 1 off)


def test_acceptance_snapshots_due_dates_from_the_item_version(applicant, handling_officer, offices):
    with at("2026-09-30"):
        case = register(applicant, "online", offices)
        item = case.item
        item.statutory_days, item.promised_days = 10, 5
        item.save()  # edited after filing: the case keeps the version it was filed under
        case = act(handling_officer, case, "accept")
    assert (case.statutory_days, case.promised_days) == (20, 20)
    assert case.promised_due == Calendar().add_working_days(date(2026, 9, 30), 20)
    assert case.calendar_note == ""


def test_a_case_accepted_in_december_is_due_in_an_estimated_january_and_says_so(
    applicant, handling_officer, offices
):
    with at("2026-12-28"):
        case = register(applicant, "online", offices)
        case = act(handling_officer, case, "accept")
    assert case.promised_due == date(2027, 1, 26)
    assert "2027" in case.calendar_note


def test_a_suspension_moves_the_due_date_by_the_working_days_it_lasted(applicant, handling_officer, offices):
    with at("2026-11-02"):  # Monday
        case = register(applicant, "online", offices)
        case = act(handling_officer, case, "accept")
        case = act(handling_officer, case, "start_review")
    due = case.promised_due
    assert due == date(2026, 11, 30)
    with at("2026-11-04"):
        case = act(handling_officer, case, "suspend", reason="专家评审")
        assert case.suspended_since is not None
    with at("2026-11-06", hour=16):
        case = act(handling_officer, case, "resume")
    assert case.status == "in_review"
    assert case.promised_due == date(2026, 12, 2)  # +2: Thursday 5 and Friday 6 not counted
    suspension = Suspension.objects.get(case=case)
    assert (suspension.kind, suspension.working_days, suspension.reason) == ("special", 2, "专家评审")


def test_a_correction_during_review_stops_the_clock_across_a_holiday(applicant, handling_officer, offices):
    with at("2026-09-28"):
        case = register(applicant, "online", offices)
        case = act(handling_officer, case, "accept")
        case = act(handling_officer, case, "start_review")
        due = case.promised_due
        case = act(handling_officer, case, "request_correction", missing="补充户口簿首页")
    with at("2026-10-12"):
        case = act(applicant, case, "resubmit")
    assert case.status == "in_review"  # back where the correction began
    # Working days after 28 Sep up to 12 Oct: 29, 30 Sep, 8, 9, 10(六), 12 Oct = 6 (1–7 Oct off, 11 Sunday).
    assert Suspension.objects.get(case=case).working_days == 6
    assert case.promised_due == Calendar().add_working_days(due, 6)


def test_overdue_and_near_due_cases_notify_the_office_and_supervisors_once_a_day(
    applicant, handling_officer, supervisor_b, offices
):
    with at("2026-11-02"):
        case = register(applicant, "online", offices)
        case = act(handling_officer, case, "accept")
    with at("2026-11-26"):  # due 30 Nov: near
        assert flag_due() == 2
        assert flag_due() == 0  # once a day
    with at("2026-12-01"):  # past due
        flag_due()
    kinds = sorted(
        Notification.objects.filter(case=case, kind__in=["near_due", "overdue"]).values_list(
            "user__username", "kind"
        )
    )
    assert kinds == [
        ("officer_b", "near_due"),
        ("officer_b", "overdue"),
        ("supervisor_b", "near_due"),
        ("supervisor_b", "overdue"),
    ]


def test_an_unsigned_transfer_is_flagged_after_its_sign_for_day(
    window_clerk, handling_officer, supervisor_b, offices
):
    with at("2026-11-23"):  # Monday; sign by Tuesday
        case = register(window_clerk, "proxy", offices)
        for action in ("pass_formal_review", "check_identity", "transfer"):
            case = act(window_clerk, case, action)
    assert (case.sign_due, case.calendar_note) == (date(2026, 11, 24), "")
    with at("2026-11-25"):
        flag_due()
        late = client_for(supervisor_b).get("/api/v1/cases/", {"sign_overdue": "true"}).json()["results"]
    assert Notification.objects.filter(case=case, kind="sign_overdue", user=handling_officer).exists()
    assert Notification.objects.filter(case=case, kind="sign_overdue", user=supervisor_b).exists()
    assert [c["number"] for c in late] == [case.number]


def test_supervisors_list_overdue_and_near_due_cases_of_their_province(
    applicant, handling_officer, supervisor_b, receiving_officer, offices
):
    with at("2026-11-02"):
        late = act(handling_officer, register(applicant, "online", offices), "accept")
    with at("2026-11-25"):
        soon = act(handling_officer, register(applicant, "online", offices), "accept")
    assert (late.promised_due, soon.promised_due) == (date(2026, 11, 30), date(2026, 12, 23))
    with at("2026-12-21"):
        supervisor = client_for(supervisor_b)
        overdue = supervisor.get("/api/v1/cases/", {"overdue": "true"}).json()["results"]
        due_soon = supervisor.get("/api/v1/cases/", {"due_soon": "true"}).json()["results"]
        other_province = client_for(receiving_officer).get("/api/v1/cases/", {"overdue": "true"}).json()
    assert [c["number"] for c in overdue] == [late.number] and overdue[0]["overdue"] is True
    assert [c["number"] for c in due_soon] == [soon.number]
    assert other_province["results"] == []

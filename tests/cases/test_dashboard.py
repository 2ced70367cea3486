"""The supervisor's dashboard figures (cases/dashboard.py) and GET /api/v1/dashboard/.

One small known world, on a fixed clock: "now" is Friday 27 November 2026, 10:00 in Beijing; the
12 weeks counted start on Monday 7 September. November 2026 has no public holiday, so a working
day is Monday to Friday. 成都 (四川, dept_b) is the supervised province; 杭州 (浙江, dept_x) is
another province whose cases must never be counted; 深圳 (广东) accepts a joint case with a leg
in 成都.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import jsonschema  # with schemathesis, which checks the API the same way
import pytest
import time_machine
from django.contrib.auth import get_user_model

from cases import dashboard, roles, selectors
from cases.models import Case, HandoffMessage, Leg, Suspension
from cases.serializers import DashboardSerializer
from tests.builders import act, register

from .conftest import client_for, staff

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = "2026-11-27"


def at(day: str, hour: int = 10):
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI), tick=False)


def in_review(applicant, officer, offices, **extra) -> Case:
    case = register(applicant, "online", offices, **extra)
    return act(officer, act(officer, case, "accept"), "start_review")


def decide_and_deliver(officer, case) -> Case:
    return act(officer, act(officer, case, "approve"), "deliver_online")


@pytest.fixture
def world(applicant, window_clerk, handling_officer, receiving_officer, outsider, offices):
    """Cases at each stage in 成都, a few in 杭州 that must not count, and one joint case via 深圳."""
    elsewhere = {"handling_office": offices["dept_x"].code}
    cases = {}
    with at("2026-11-02"):  # Monday
        cases["on_time"] = in_review(applicant, handling_officer, offices)
        cases["late"] = in_review(applicant, handling_officer, offices)
        cases["suspended"] = in_review(applicant, handling_officer, offices)
        cases["corrected"] = act(
            handling_officer,
            register(applicant, "online", offices),
            "request_correction",
            missing="户口簿首页",
        )
        cases["elsewhere_done"] = in_review(applicant, outsider, offices, **elsewhere)
    # 承诺 moved before the day it concludes: late.
    Case.objects.filter(pk=cases["late"].pk).update(promised_due=date(2026, 11, 4))
    with at("2026-11-04"):  # Wednesday
        cases["suspended"] = act(handling_officer, cases["suspended"], "suspend", reason="专家评审")
        # A correction before acceptance: the clock was not running, so these days are not deducted.
        cases["corrected"] = act(applicant, cases["corrected"], "resubmit")
        cases["corrected"] = act(handling_officer, cases["corrected"], "accept")
        cases["corrected"] = act(handling_officer, cases["corrected"], "start_review")
    with at("2026-11-06", hour=16):  # Friday: Thursday 5 and Friday 6 not counted
        cases["suspended"] = act(handling_officer, cases["suspended"], "resume")
        for name in ("on_time", "late", "corrected", "elsewhere_done"):
            officer = outsider if name == "elsewhere_done" else handling_officer
            cases[name] = decide_and_deliver(officer, cases[name])
    with at("2026-11-10"):  # Tuesday
        cases["suspended"] = decide_and_deliver(handling_officer, cases["suspended"])
    with at("2026-11-23"):  # Monday of this week
        cases["due_soon"] = in_review(applicant, handling_officer, offices)
        cases["overdue"] = in_review(applicant, handling_officer, offices)
        cases["elsewhere_overdue"] = in_review(applicant, outsider, offices, **elsewhere)
        cases["waiting"] = register(applicant, "online", offices)
        transferred = register(window_clerk, "proxy", offices)
        for action in ("pass_formal_review", "check_identity", "transfer"):
            transferred = act(window_clerk, transferred, action)
        cases["transferred"] = transferred  # sign for by Tuesday 24
        joint = register(
            applicant, "joint", offices, cooperating=[{"office": offices["dept_b"].code}]
        )  # accepted in 深圳, one leg in 成都
        cases["joint"] = act(receiving_officer, joint, "accept")  # the leg: sign for by Tuesday 24
    Case.objects.filter(pk__in=[cases["due_soon"].pk]).update(promised_due=date(2026, 12, 1))
    Case.objects.filter(pk__in=[cases["overdue"].pk, cases["elsewhere_overdue"].pk]).update(
        promised_due=date(2026, 11, 20)
    )
    message = HandoffMessage.objects.get(case=cases["transferred"], kind="transfer")
    HandoffMessage.objects.filter(pk=message.pk).update(
        status="failed", attempts=5, last_error="ConnectionError: 办理地系统无法接收\nTraceback …"
    )
    return cases


def figures_for(user) -> dashboard.Dashboard:
    with at(NOW):
        return dashboard.figures(selectors.actor_for(user))


@pytest.fixture
def supervisor(offices):
    return staff("supervisor_sc", offices["dept_b"], roles.SUPERVISOR)


def test_only_supervisors_and_admins_have_a_dashboard(handling_officer, window_clerk, applicant, supervisor):
    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
    may = {u.username: dashboard.may_see_dashboard(selectors.actor_for(u)) for u in (admin, supervisor)}
    may_not = [
        dashboard.may_see_dashboard(selectors.actor_for(u))
        for u in (handling_officer, window_clerk, applicant)
    ]
    assert may == {"root": True, "supervisor_sc": True}
    assert may_not == [False, False, False]


def test_the_summary_counts_the_supervisors_province_only(world, supervisor):
    summary = figures_for(supervisor).summary
    # Open: due_soon, overdue, waiting, transferred, joint, and the four delivered (not yet concluded).
    assert summary == {
        "open": 9,
        "due_soon": 1,
        "overdue": 1,
        "transfers_not_signed": 1,
        "legs_not_signed": 1,
        "failed_handoffs": 1,
    }


def test_open_cases_are_counted_by_mode_and_status_with_their_labels(world, supervisor):
    rows = figures_for(supervisor).open_cases
    assert [(r["mode"], r["status"], r["count"]) for r in rows] == [
        ("online", "submitted", 1),
        ("online", "in_review", 2),
        ("online", "delivered", 4),
        ("proxy", "transferred", 1),
        ("joint", "coordinating", 1),
    ]
    assert (rows[0]["mode_label"], rows[0]["status_label"]) == ("全程网办", "已提交")  # Chinese first


def test_due_soon_and_overdue_lists_use_the_inbox_definitions(world, supervisor):
    found = figures_for(supervisor)
    assert [row["number"] for row in found.due_soon] == [world["due_soon"].number]
    assert [row["number"] for row in found.overdue] == [world["overdue"].number]  # not the one in 杭州
    assert found.overdue[0]["promised_due"] == date(2026, 11, 20)
    assert "applicant" not in found.overdue[0] and "张三丰" not in str(found.overdue)


def test_lists_put_the_earliest_due_first(world, supervisor, applicant, handling_officer, offices):
    with at("2026-11-23"):
        earlier = in_review(applicant, handling_officer, offices)
    Case.objects.filter(pk=earlier.pk).update(promised_due=date(2026, 11, 10))
    numbers = [row["number"] for row in figures_for(supervisor).overdue]
    assert numbers == [earlier.number, world["overdue"].number]


def test_transfers_and_legs_not_signed_for_in_time(world, supervisor):
    found = figures_for(supervisor)
    assert [(r["number"], r["sign_due"]) for r in found.transfers_not_signed] == [
        (world["transferred"].number, date(2026, 11, 24))
    ]
    leg = Leg.objects.get(case=world["joint"])
    assert [(r["number"], r["leg"], r["office"]) for r in found.legs_not_signed] == [
        (world["joint"].number, leg.pk, "成都市公安局锦江区分局")
    ]


def test_a_transfer_signed_for_is_no_longer_late(world, supervisor, handling_officer):
    with at(NOW):
        act(handling_officer, world["transferred"], "sign_for")
    assert figures_for(supervisor).transfers_not_signed == []


def test_failed_handoffs_show_the_first_line_of_their_error(world, supervisor):
    (row,) = figures_for(supervisor).failed_handoffs
    assert row["number"] == world["transferred"].number
    assert (row["from_office"], row["to_office"]) == ("深圳市南山区政务服务中心", "成都市公安局锦江区分局")
    assert row["last_error"] == "ConnectionError: 办理地系统无法接收"


def test_cases_received_per_week_are_zero_filled_over_twelve_iso_weeks(world, supervisor):
    weeks = figures_for(supervisor).received_per_week
    assert len(weeks) == 12
    assert weeks[0]["week_start"] == date(2026, 9, 7) and weeks[-1]["week_start"] == date(2026, 11, 23)
    assert [w["week"] for w in weeks[-4:]] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    by_week = {w["week"]: (w["online"], w["proxy"], w["joint"], w["total"]) for w in weeks}
    assert by_week["2026-W45"] == (4, 0, 0, 4)  # 2 Nov: four in 成都 (the one in 杭州 not counted)
    assert by_week["2026-W48"] == (3, 1, 1, 5)
    assert all(by_week[w] == (0, 0, 0, 0) for w in by_week if w not in ("2026-W45", "2026-W48"))


def test_a_case_filed_late_on_sunday_in_beijing_counts_in_that_week(supervisor, applicant, offices):
    # 23:30 on Sunday 22 Nov in Beijing is 15:30 UTC: still the week of Monday 16 Nov.
    with at("2026-11-22", hour=23):
        register(applicant, "online", offices)
    weeks = {w["week"]: w["total"] for w in figures_for(supervisor).received_per_week}
    assert (weeks["2026-W47"], weeks["2026-W48"]) == (1, 0)


def test_on_time_rate_counts_concluded_cases_against_the_promised_date(world, supervisor):
    assert figures_for(supervisor).on_time == [
        {
            "office_code": "sc-jinjiang-mps",
            "office": "成都市公安局锦江区分局",
            "concluded": 4,
            "on_time": 3,  # on_time, suspended (its date moved by the suspension), corrected; not late
            "rate": 75.0,
        }
    ]


def test_average_working_days_deduct_suspensions_after_acceptance_only(world, supervisor):
    suspension = Suspension.objects.get(case=world["suspended"], kind="special")
    correction = Suspension.objects.get(case=world["corrected"], kind="correction")
    assert (suspension.working_days, correction.working_days) == (2, 2)
    # on_time 2→6 Nov: 4; late: 4; suspended 2→10 Nov: 6 − 2 = 4; corrected, accepted 4 Nov → 6 Nov: 2.
    assert figures_for(supervisor).working_days == [
        {"office_code": "sc-jinjiang-mps", "office": "成都市公安局锦江区分局", "concluded": 4, "average": 3.5}
    ]


def test_cases_concluded_before_the_twelve_weeks_are_not_counted(world, supervisor):
    Case.objects.filter(pk=world["late"].pk).update(closed_at=datetime(2026, 9, 6, 23, 0, tzinfo=SHANGHAI))
    found = figures_for(supervisor)
    assert (found.on_time[0]["concluded"], found.on_time[0]["on_time"]) == (3, 3)
    assert found.working_days[0]["average"] == pytest.approx(3.3)  # (4 + 4 + 2) / 3


def test_an_admin_sees_every_province(world):
    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
    found = figures_for(admin)
    assert found.province == ""
    assert found.summary["overdue"] == 2
    # By office name: 成都 before 杭州.
    assert [(r["office_code"], r["concluded"]) for r in found.on_time] == [
        ("sc-jinjiang-mps", 4),
        ("zj-shangcheng-mps", 1),
    ]
    assert [r["office_code"] for r in found.working_days] == ["sc-jinjiang-mps", "zj-shangcheng-mps"]


def test_another_provinces_supervisor_sees_none_of_it(world, offices):
    zhejiang = staff("supervisor_zj", offices["dept_x"], roles.SUPERVISOR)
    found = figures_for(zhejiang)
    assert found.province == "330000"
    assert found.summary == {
        "open": 2,  # the overdue one and the delivered one
        "due_soon": 0,
        "overdue": 1,
        "transfers_not_signed": 0,
        "legs_not_signed": 0,
        "failed_handoffs": 0,
    }
    assert [row["office_code"] for row in found.on_time] == ["zj-shangcheng-mps"]


# --- The API ---------------------------------------------------------------------------------------


def test_the_api_gives_the_same_figures_as_the_page(world, supervisor):
    with at(NOW):
        reply = client_for(supervisor).get("/api/v1/dashboard/")
        expected = DashboardSerializer(dashboard.figures(selectors.actor_for(supervisor))).data
    assert reply.status_code == 200
    body = reply.json()
    assert body == _json(expected)
    assert body["summary"]["overdue"] == 1
    assert body["on_time"][0]["rate"] == 75.0 and body["working_days"][0]["average"] == 3.5
    assert body["received_per_week"][-1] == {
        "week": "2026-W48",
        "week_start": "2026-11-23",
        "week_end": "2026-11-29",
        "online": 3,
        "proxy": 1,
        "joint": 1,
        "total": 5,
    }
    assert body["overdue"][0]["promised_due"] == "2026-11-20"
    assert body["failed_handoffs"][0]["created_at"].endswith("+08:00")


def _json(data):
    import json

    from rest_framework.utils.encoders import JSONEncoder

    return json.loads(json.dumps(data, cls=JSONEncoder))


def test_the_api_refuses_other_roles_and_asks_anonymous_callers_to_log_in(
    api, handling_officer, window_clerk, applicant
):
    assert api.get("/api/v1/dashboard/").status_code == 401
    for user in (handling_officer, window_clerk, applicant):
        reply = client_for(user).get("/api/v1/dashboard/")
        assert reply.status_code == 403 and reply.json()["detail"]


def test_the_dashboard_is_documented_in_the_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/dashboard/"]["get"]
    assert {"200", "401", "403"} <= set(operation["responses"])  # + the edge responses every path has
    fields = schema["components"]["schemas"]["Dashboard"]["properties"]
    assert set(fields) == {
        "today",
        "since",
        "province",
        "summary",
        "open_cases",
        "due_soon",
        "overdue",
        "transfers_not_signed",
        "legs_not_signed",
        "failed_handoffs",
        "received_per_week",
        "on_time",
        "working_days",
    }


def test_the_api_answer_keeps_to_its_schema(world, supervisor, api):
    """The fuzz test calls as an anonymous caller and a handling officer: here, a supervisor's 200."""
    schema = api.get("/api/schema/", {"format": "json"}).json()
    with at(NOW):
        body = client_for(supervisor).get("/api/v1/dashboard/").json()
    document = {"$ref": "#/components/schemas/Dashboard", "components": _nullable(schema["components"])}
    jsonschema.validate(body, document, format_checker=jsonschema.FormatChecker())
    assert body["failed_handoffs"] and body["legs_not_signed"] and body["on_time"]  # every shape was checked


def _nullable(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema (a null type besides the given one)."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable(value) for key, value in node.items()}
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
    return node


def test_a_week_label_is_its_iso_week():
    assert dashboard.iso_week(date(2026, 12, 28)) == "2026-W53"
    assert dashboard.iso_week(date(2027, 1, 4)) == "2027-W01"
    assert dashboard.iso_week(date(2026, 11, 23) + timedelta(weeks=0)) == "2026-W48"

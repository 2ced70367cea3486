"""The supervisor's dashboard page (/supervisor/): the numbers, the tables under the charts, resending
a failed handoff, who may see it, and a number of queries that does not grow with the cases."""

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client, TestCase

from cases import dashboard, roles, selectors
from cases.models import Case, HandoffMessage
from tests.builders import act, register
from tests.cases.conftest import staff

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = "2026-11-27"  # a Friday; the 12 weeks start on Monday 7 September
# Every query of the page, pinned: session, user and role (3); the figures (16, see cases/dashboard.py);
# the province's name (1); the header reads the role's staff profile and office again from the user,
# with no query. The same for 3 cases and for 30.
PAGE_QUERIES = 20
CHART_DATA = re.compile(r'<script id="dashboard-charts" type="application/json">(.*?)</script>')


def at(day: str, hour: int = 10):
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI), tick=False)


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def supervisor(offices):
    return staff("supervisor_sc", offices["dept_b"], roles.SUPERVISOR)


def transfer(clerk, offices) -> Case:
    case = register(clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(clerk, case, action)
    return case


def fail(case) -> HandoffMessage:
    message = HandoffMessage.objects.get(case=case, kind="transfer")
    HandoffMessage.objects.filter(pk=message.pk).update(
        status="failed", attempts=5, last_error="ConnectionError: 办理地系统无法接收"
    )
    return message


def some_cases(count: int, applicant, clerk, officer, offices) -> None:
    """`count` cases in 成都, taking turns at the stages the page shows: waiting to be accepted;
    overdue; a transfer not signed for, whose handoff failed; concluded late; concluded on time
    after a suspension."""
    kinds = ("waiting", "overdue", "transfer", "late", "suspended")
    for index in range(count):
        kind = kinds[index % len(kinds)]
        with at("2026-11-02"):  # Monday
            if kind == "transfer":
                fail(transfer(clerk, offices))  # sign for by Tuesday 3
                continue
            case = register(applicant, "online", offices)
            if kind == "waiting":
                continue
            case = act(officer, act(officer, case, "accept"), "start_review")
            if kind == "suspended":
                case = act(officer, case, "suspend", reason="专家评审")
        if kind in ("overdue", "late"):
            Case.objects.filter(pk=case.pk).update(promised_due=date(2026, 11, 3))
        if kind == "overdue":
            continue
        if kind == "suspended":
            with at("2026-11-03"):
                case = act(officer, case, "resume")  # Tuesday 3 not counted
        with at("2026-11-04"):  # Wednesday: 2 working days after acceptance
            act(officer, act(officer, case, "approve"), "deliver_online")


def page(user, path="/supervisor/"):
    with at(NOW):
        return client_for(user).get(path)


def test_the_page_shows_the_figures_of_the_province(
    applicant, window_clerk, handling_officer, offices, supervisor
):
    some_cases(5, applicant, window_clerk, handling_officer, offices)
    with at(NOW):
        figures = dashboard.figures(selectors.actor_for(supervisor))
    reply = page(supervisor)
    html = reply.content.decode()

    assert reply.status_code == 200
    assert "<h1>Supervisor dashboard <small>四川省</small></h1>" in html
    cards = re.findall(r'<span class="figure">(\d+)</span> ([^<]+)</a>', html)
    assert cards == [
        ("5", "open cases"),  # waiting, overdue, transferred, and two delivered (not concluded yet)
        ("0", "due soon"),
        ("1", "overdue"),
        ("1", "not signed for in time"),
        ("1", "failed handoffs"),
    ]
    assert [int(n) for n, _label in cards] == [
        figures.summary["open"],
        figures.summary["due_soon"],
        figures.summary["overdue"],
        figures.summary["transfers_not_signed"] + figures.summary["legs_not_signed"],
        figures.summary["failed_handoffs"],
    ]
    overdue = figures.overdue[0]["number"]
    assert f'<a class="case-link" href="/cases/{overdue}/">{overdue}</a>' in html
    assert "张三丰" not in html  # applicants' names are not needed here


def test_each_chart_has_a_table_with_the_same_numbers(
    applicant, window_clerk, handling_officer, offices, supervisor
):
    some_cases(5, applicant, window_clerk, handling_officer, offices)
    html = page(supervisor).content.decode()

    charts = json.loads(CHART_DATA.search(html).group(1))
    weekly = charts["weekly"]
    assert len(weekly["categories"]) == 12 and weekly["categories"][-4] == "11-02"
    assert [s["name"] for s in weekly["series"]] == ["Fully online", "Proxy receipt", "Joint handling"]
    assert [s["data"][-4] for s in weekly["series"]] == [4, 1, 0]
    assert sum(sum(s["data"]) for s in weekly["series"]) == 5  # every other week is 0
    assert (
        '<th scope="row"><span class="week">11-02 – 11-08</span></th><td class="num">4</td>'
        '<td class="num">1</td><td class="num">0</td><td class="num">5</td>'
    ) in html
    # Two concluded: the late one after its promised date, the suspended one on time.
    assert charts["on_time"]["categories"] == ["成都市公安局锦江区分局"]
    assert charts["on_time"]["series"][0]["data"] == [50.0]
    assert (
        '<th scope="row">成都市公安局锦江区分局</th><td class="num">2</td><td class="num">1</td>'
        '<td class="num">50.0%</td>'
    ) in html
    # Accepted 2 Nov, concluded 4 Nov: 2 working days; the suspended one less its 1 day: 1.
    assert charts["working_days"]["series"][0]["data"] == [1.5]
    assert '<th scope="row">成都市公安局锦江区分局</th><td class="num">2</td><td class="num">1.5</td>' in html
    for chart in ("chart-weekly", "chart-on-time", "chart-working-days"):
        assert f'id="{chart}"' in html
    # Drawn by the script, hidden from screen readers: the tables beneath say the same.
    assert html.count('aria-hidden="true" hidden></div>') == 3
    assert html.count("<table") == html.count("<caption") == 7


def test_the_page_loads_its_scripts_from_the_portal_and_has_no_inline_script_or_style(
    applicant, window_clerk, handling_officer, offices, supervisor
):
    some_cases(5, applicant, window_clerk, handling_officer, offices)
    html = page(supervisor).content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [
        ' id="dashboard-charts" type="application/json"',
        ' src="/static/vendor/echarts/echarts-5.6.0.min.js" defer',
        ' src="/static/js/dashboard.js" defer',
    ]
    assert " style=" not in html and "<style" not in html


def test_resending_a_failed_handoff_puts_it_back_in_the_queue(window_clerk, offices, supervisor):
    message = fail(transfer(window_clerk, offices))
    client = client_for(supervisor)
    form = f'<form method="post" action="/supervisor/handoffs/{message.pk}/resend/">'
    assert form in client.get("/supervisor/").content.decode()

    with TestCase.captureOnCommitCallbacks() as after_commit:
        reply = client.post(f"/supervisor/handoffs/{message.pk}/resend/", follow=True)

    message.refresh_from_db()
    assert reply.redirect_chain == [("/supervisor/", 302)]
    assert (message.status, message.attempts) == ("pending", 0)
    assert message.last_error.startswith("resent by supervisor_sc; before: ConnectionError")
    assert after_commit  # published once the resend commits
    html = reply.content.decode()
    assert f'<li class="message success">Sent again: the message about case {message.case.number}' in html
    assert "No handoff has failed." in html


def test_a_delivered_handoff_is_not_resent(window_clerk, offices, supervisor):
    case = transfer(window_clerk, offices)
    message = HandoffMessage.objects.get(case=case, kind="transfer")
    assert message.status == "delivered"

    reply = client_for(supervisor).post(f"/supervisor/handoffs/{message.pk}/resend/", follow=True)

    message.refresh_from_db()
    assert message.status == "delivered" and "resent" not in message.last_error
    assert '<li class="message error">Not sent again:' in reply.content.decode()
    assert "is Delivered, not failed." in reply.content.decode()


def test_a_handoff_outside_the_province_is_not_found(window_clerk, offices, supervisor):
    message = fail(transfer(window_clerk, offices))
    zhejiang = staff("supervisor_zj", offices["dept_x"], roles.SUPERVISOR)
    assert client_for(zhejiang).post(f"/supervisor/handoffs/{message.pk}/resend/").status_code == 404
    assert client_for(supervisor).get(f"/supervisor/handoffs/{message.pk}/resend/").status_code == 405
    message.refresh_from_db()
    assert message.status == "failed"


def test_only_supervisors_and_admins_see_the_dashboard(
    applicant, window_clerk, handling_officer, offices, supervisor
):
    message = fail(transfer(window_clerk, offices))
    for user in (applicant, window_clerk, handling_officer):
        reply = client_for(user).get("/supervisor/")
        assert reply.status_code == 403
        assert "The dashboard is for supervisors and admins." in reply.content.decode()
        assert client_for(user).post(f"/supervisor/handoffs/{message.pk}/resend/").status_code == 403
    assert Client().get("/supervisor/").status_code == 302  # to the login page
    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
    html = client_for(admin).get("/supervisor/").content.decode()
    assert "<small>All regions</small>" in html


def test_a_supervisor_lands_on_the_dashboard_after_logging_in(supervisor):
    supervisor.set_password("pw-for-tests-1")
    supervisor.save()
    reply = Client().post("/login/", {"username": "supervisor_sc", "password": "pw-for-tests-1"})
    assert reply.status_code == 302 and reply["Location"] == "/supervisor/"


def test_the_page_and_the_api_show_the_same_numbers(
    applicant, window_clerk, handling_officer, offices, supervisor
):
    some_cases(5, applicant, window_clerk, handling_officer, offices)
    client = client_for(supervisor)
    with at(NOW):
        html = client.get("/supervisor/").content.decode()
        api = client.get("/api/v1/dashboard/").json()
    charts = json.loads(CHART_DATA.search(html).group(1))
    assert [s["data"] for s in charts["weekly"]["series"]] == [
        [week[mode] for week in api["received_per_week"]] for mode in ("online", "proxy", "joint")
    ]
    assert charts["on_time"]["series"][0]["data"] == [row["rate"] for row in api["on_time"]]
    assert charts["working_days"]["series"][0]["data"] == [row["average"] for row in api["working_days"]]
    cards = [int(n) for n in re.findall(r'<span class="figure">(\d+)</span>', html)]
    summary = api["summary"]
    assert cards == [
        summary["open"],
        summary["due_soon"],
        summary["overdue"],
        summary["transfers_not_signed"] + summary["legs_not_signed"],
        summary["failed_handoffs"],
    ]
    assert [row["number"] for row in api["overdue"]] == re.findall(
        r'<tr class="row-overdue">\s*<td><a class="case-link" href="/cases/([^/]+)/"', html
    )[: len(api["overdue"])]


@pytest.mark.parametrize("count", [3, 30])
def test_the_number_of_queries_does_not_grow_with_the_cases(
    count, applicant, window_clerk, handling_officer, offices, supervisor, django_assert_num_queries
):
    some_cases(count, applicant, window_clerk, handling_officer, offices)
    client = client_for(supervisor)
    with at(NOW), django_assert_num_queries(PAGE_QUERIES):
        assert client.get("/supervisor/").status_code == 200
    assert Case.objects.count() == count

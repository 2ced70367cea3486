"""The case list's ?overdue and ?due_soon for staff: read off the reach rows' clock (CaseReach.clock_due),
which follows the case through acceptance, suspension, resumption and decision."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.builders import act, register

from .conftest import client_for

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day, hour: int = 10):
    moment = datetime.combine(day, datetime.min.time()).replace(hour=hour, tzinfo=SHANGHAI)
    return time_machine.travel(moment, tick=False)


def accepted_proxy_case(window_clerk, handling_officer, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    for action in ("sign_for", "accept", "start_review"):
        case = act(handling_officer, case, action)
    return case


def test_overdue_and_due_soon_lists_follow_the_clock_for_every_office_the_case_reached(
    window_clerk, handling_officer, supervisor_b, outsider, offices
):
    viewers = (window_clerk, handling_officer, supervisor_b)  # the window, the department, its province

    def listed(flag: str) -> dict[str, list[str]]:
        found = {}
        for user in (*viewers, outsider):
            response = client_for(user).get(f"/api/v1/cases/?{flag}=true")
            assert response.status_code == 200
            found[user.username] = [row["number"] for row in response.json()["results"]]
        return found

    def everyone(*numbers) -> dict[str, list[str]]:
        return {**{user.username: list(numbers) for user in viewers}, outsider.username: []}

    with at(datetime(2026, 11, 2).date()):  # a Monday
        late = accepted_proxy_case(window_clerk, handling_officer, offices)
    due = late.promised_due
    assert due is not None and due > datetime(2026, 11, 2).date()

    with at(due):
        assert listed("due_soon") == everyone(late.number)
        assert listed("overdue") == everyone()
        later = accepted_proxy_case(window_clerk, handling_officer, offices)  # due well after `due`

    day_after = due + timedelta(days=1)
    with at(day_after):
        assert listed("overdue") == everyone(late.number)
        assert late.number not in listed("due_soon")[handling_officer.username]
        # The other filters still apply: overdue and of the other mode is nothing.
        response = client_for(handling_officer).get("/api/v1/cases/?overdue=true&mode=online")
        assert response.json()["results"] == []
        # Both flags: overdue and due soon at once is nothing, as the case conditions say.
        response = client_for(handling_officer).get("/api/v1/cases/?overdue=1&due_soon=true")
        assert response.json()["results"] == []

        # Suspended (特殊环节): the clock stops, the case leaves both lists.
        late = act(handling_officer, late, "suspend", reason="专家评审")
        assert listed("overdue") == everyone()
        # Resumed the same day: nothing was lost, so it is overdue again.
        late = act(handling_officer, late, "resume")
        assert listed("overdue") == everyone(late.number)

        # Decided: the clock is no longer running.
        act(handling_officer, late, "approve")
        assert listed("overdue") == everyone()
        assert later.number not in listed("overdue")[handling_officer.username]
        # Not overdue: every case of the office's list but those (false still filters the cases).
        response = client_for(handling_officer).get("/api/v1/cases/?overdue=false")
        assert {row["number"] for row in response.json()["results"]} == {late.number, later.number}

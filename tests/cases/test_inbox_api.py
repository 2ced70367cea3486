"""The API's inbox: each list's first `limit` rows, and how many each list holds."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors
from cases.identity import present_name
from catalogue.models import ServiceItem
from tests.builders import PERSON, act, case_payload, register, transferred
from tests.conftest import make_applicant

from .conftest import client_for
from .test_trust_in_identity import COMPANY

pytestmark = pytest.mark.django_db


def test_each_list_gives_its_first_rows_and_counts_them_all(applicant, handling_officer, offices):
    filed = [register(applicant, "online", offices) for _ in range(3)]
    reply = client_for(handling_officer).get("/api/v1/inbox/?limit=2")
    assert reply.status_code == 200, reply.content
    box = reply.json()
    assert [row["number"] for row in box["to_accept"]] == [filed[0].number, filed[1].number]
    assert box["counts"]["to_accept"] == 3
    assert box["counts"]["overdue"] == 0 and box["overdue"] == []
    assert (box["counts"]["arrivals"], len(box["arrivals"])) == (3, 2)
    assert set(box["counts"]) == {key for key in box if key not in ("office", "counts")}


def test_without_a_limit_every_row_of_a_short_list_is_given(applicant, handling_officer, offices):
    filed = register(applicant, "online", offices)
    box = client_for(handling_officer).get("/api/v1/inbox/").json()
    assert [row["number"] for row in box["to_accept"]] == [filed.number]
    assert box["counts"]["to_accept"] == 1


@pytest.mark.parametrize("limit", ["0", "51", "abc", "２", "-1", "1.5", "0" * 4300 + "5"])
def test_a_limit_out_of_range_is_a_400_naming_it(handling_officer, limit):
    reply = client_for(handling_officer).get(f"/api/v1/inbox/?limit={limit}")
    assert reply.status_code == 400
    assert "limit" in reply.json()


def test_to_accept_holds_online_and_joint_submissions_and_proxy_cases_signed_for(
    applicant, window_clerk, handling_officer, receiving_officer, offices
):
    online = register(applicant, "online", offices)
    joint = register(applicant, "joint", offices)
    proxy = transferred(window_clerk, offices)
    waiting = transferred(window_clerk, offices)  # not yet signed for: to sign
    act(handling_officer, proxy, "sign_for")

    chengdu = client_for(handling_officer).get("/api/v1/inbox/").json()
    assert [row["number"] for row in chengdu["to_accept"]] == [online.number, proxy.number]
    assert [row["number"] for row in chengdu["to_sign"]] == [waiting.number]
    shenzhen = client_for(receiving_officer).get("/api/v1/inbox/").json()
    assert [row["number"] for row in shenzhen["to_accept"]] == [joint.number]


def test_lists_names_the_lists_whose_rows_are_given_and_every_list_is_counted(
    applicant, handling_officer, offices
):
    filed = register(applicant, "online", offices)
    reply = client_for(handling_officer).get("/api/v1/inbox/?lists= to_accept ，overdue,")
    assert reply.status_code == 200, reply.content
    box = reply.json()
    assert set(box) == {"office", "counts", "to_accept", "overdue"}
    assert [row["number"] for row in box["to_accept"]] == [filed.number]
    assert box["counts"]["arrivals"] == 1 and len(box["counts"]) == 8


@pytest.mark.parametrize("lists", ["", ",", "to_accept,inbox", "TO_ACCEPT", "x" * 5000])
def test_an_unknown_list_is_a_400_naming_the_lists(handling_officer, lists):
    reply = client_for(handling_officer).get(f"/api/v1/inbox/?lists={lists}")
    assert reply.status_code == 400
    assert "to_accept" in reply.json()["lists"][0]


def accepted_on(day: str, applicant, officer, offices):
    moment = datetime.fromisoformat(day).replace(hour=10, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        case = register(applicant, "online", offices)
        return act(officer, act(officer, case, "accept"), "start_review")


def test_lists_keep_their_own_order_and_a_case_on_two_lists_is_summarised_alike(
    applicant, handling_officer, offices
):
    # Accepted in this order, due in the reverse one: to decide and overdue are by due date.
    cases = [accepted_on(day, applicant, handling_officer, offices) for day in ("2026-03-10", "2026-03-03")]
    cases.append(accepted_on("2026-02-24", applicant, handling_officer, offices))
    by_due = sorted(cases, key=lambda case: (case.promised_due, case.pk))
    assert [case.pk for case in by_due] == [cases[2].pk, cases[1].pk, cases[0].pk]
    fresh, fresher = register(applicant, "online", offices), register(applicant, "online", offices)

    box = client_for(handling_officer).get("/api/v1/inbox/").json()
    assert [row["number"] for row in box["to_decide"]] == [case.number for case in by_due]
    assert [row["number"] for row in box["overdue"]] == [case.number for case in by_due]
    assert box["to_decide"] == box["overdue"] and all(row["overdue"] for row in box["overdue"])
    assert [row["number"] for row in box["to_accept"]] == [fresh.number, fresher.number]
    # The same summary as the case list gives.
    listed = client_for(handling_officer).get("/api/v1/cases/?overdue=true").json()["results"]
    assert sorted(listed, key=lambda row: row["number"]) == sorted(
        box["overdue"], key=lambda row: row["number"]
    )
    # Arrivals, newest first: what came and was not acted on yet (the accepted cases were).
    assert [row["case"] for row in box["arrivals"]] == [fresher.number, fresh.number]


def test_the_inbox_reads_the_same_number_of_queries_for_one_case_or_many(
    applicant, window_clerk, handling_officer, offices
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_for(handling_officer).get("/api/v1/inbox/").status_code == 200
        return len(captured)

    register(applicant, "online", offices)
    few = queries()
    for _ in range(3):
        register(applicant, "online", offices)
        accepted_on("2026-03-02", applicant, handling_officer, offices)
        transferred(window_clerk, offices)
    assert queries() == few


def test_the_inbox_summarises_each_case_as_the_case_list_does(
    applicant, window_clerk, handling_officer, receiving_officer, offices
):
    # Read as values, not as cases (selectors.INBOX_VALUES): each field as the case list shows it, a
    # person's and an organisation's name each masked by its rule, both offices with their regions.
    company = make_applicant("company", **COMPANY)
    payload = case_payload("online", offices, item="KS-2-015", handling_office=offices["dept_a"].code)
    del payload["applicant"]
    assert client_for(company).post("/api/v1/cases/", payload, format="json").status_code == 201
    register(applicant, "joint", offices)
    accepted_on("2026-03-02", applicant, handling_officer, offices)
    for signed in (True, False):
        case = transferred(window_clerk, offices)
        if signed:
            act(handling_officer, case, "sign_for")

    names = set()
    for officer, shown in ((receiving_officer, 2), (handling_officer, 3)):
        client = client_for(officer)
        box = client.get("/api/v1/inbox/").json()
        summaries = [row for name in ("to_sign", "to_accept", "to_decide", "overdue") for row in box[name]]
        assert len({row["number"] for row in summaries}) == shown
        listed = {row["number"]: row for row in client.get("/api/v1/cases/").json()["results"]}
        for row in summaries:
            assert row == listed[row["number"]]
        names |= {row["applicant_name"] for row in summaries}
    people = ((COMPANY["name"], "organisation"), (PERSON["name"], "person"))
    assert names == {present_name(name, reveal=False, kind=kind) for name, kind in people}
    assert len(names) == 2 and PERSON["name"] not in names


@pytest.mark.parametrize(
    ("limit", "counted", "offset", "listed", "count"),
    [
        (2, 3, 0, [0, 1], 3),  # read once: its first 3 rows placed and counted, the first 2 given
        (4, 3, 0, [0, 1, 2, 3], 3),  # more rows given than counted: the count still stops at 3
        (2, 0, 0, [0, 1], None),  # not counted
        (2, 3, 1, [1, 2], 3),  # from a later row: placed and counted apart
        (0, 3, 0, None, 3),  # counted only
        (9, 3, 0, [0, 1, 2, 3, 4], 3),  # more rows asked for than the list has
    ],
)
def test_listed_ids_gives_each_lists_rows_in_order_and_its_bounded_count(
    applicant, handling_officer, offices, limit, counted, offset, listed, count
):
    filed = [register(applicant, "online", offices).pk for _ in range(5)]
    queries = selectors.inbox_queries(selectors.actor_for(handling_officer))
    ids, counts = selectors.listed_ids(queries, limit, counted=counted, offsets={"to_accept": offset})
    assert ids.get("to_accept") == (None if listed is None else [filed[n] for n in listed])
    assert counts.get("to_accept") == count
    if counted:  # an empty list is counted too
        assert counts["overdue"] == 0 and set(counts) == set(queries)
    if limit:
        assert ids["overdue"] == [] and set(ids) == set(queries)


def test_listed_ids_reads_lists_from_later_rows_beside_counted_ones(
    applicant, window_clerk, handling_officer, offices
):
    # Two lists from a later row, then the counts: the statement's columns keep their types
    # whatever kind of branch comes first (PostgreSQL types a UNION's column from its first two).
    filed = [register(applicant, "online", offices).pk for _ in range(3)]
    waiting = [transferred(window_clerk, offices).pk for _ in range(2)]
    queries = selectors.inbox_queries(selectors.actor_for(handling_officer))
    offsets = {"to_sign": 1, "to_accept": 1}
    wanted = ["to_sign", "to_accept", "overdue"]
    ids, counts = selectors.listed_ids(queries, 5, counted=2, wanted=wanted, offsets=offsets)
    assert ids == {"to_sign": waiting[1:], "to_accept": filed[1:], "overdue": []}
    assert counts == {**dict.fromkeys(queries, 0), "to_sign": 2, "to_accept": 2, "arrivals": 2}


def test_the_inbox_gives_regions_tasks_and_arrivals_with_what_each_row_shows(
    applicant, receiving_officer, leg_officer, offices
):
    payload = case_payload("joint", offices)
    filed = client_for(applicant).post("/api/v1/cases/", payload, format="json").json()["number"]
    item = ServiceItem.objects.get(code=payload["item"]).name
    # The joint submission came from the applicant: no sending office, no leg.
    shenzhen = client_for(receiving_officer).get("/api/v1/inbox/").json()
    assert [(row["case"], row["item"], row["leg"], row["from_office"]) for row in shenzhen["arrivals"]] == [
        (filed, item, None, None)
    ]
    accepted = client_for(receiving_officer).post(f"/api/v1/cases/{filed}/actions/accept/", {}, format="json")
    assert accepted.status_code == 200, accepted.content
    leg = accepted.json()["legs"][0]

    changsha = client_for(leg_officer).get("/api/v1/inbox/").json()
    assert changsha["legs_to_sign"] == [
        {
            "case": filed,
            "item": item,
            "leg": leg["id"],
            "status": "to_sign",
            "sign_due": leg["sign_due"],
            "receiving_office": offices["dept_a"].name,
        }
    ]
    assert [(row["case"], row["leg"], row["from_office"]) for row in changsha["arrivals"]] == [
        (filed, leg["id"], offices["dept_a"].name)
    ]
    assert set(changsha["arrivals"][0]) == {"case", "item", "kind", "leg", "from_office", "arrived_at"}


@pytest.mark.parametrize(
    "limit, counted, wanted",
    [
        (20, 1000, None),  # the API's default: every list listed and counted
        (0, 1000, None),  # the inbox page's counts
        (3, 0, ("to_decide", "overdue")),  # some lists, not counted
        (50, 7, ("arrivals", "legs_open", "due_soon")),
    ],
)
@pytest.mark.parametrize(
    "day",
    [date(2026, 9, 30), date(2026, 11, 28), date(2027, 2, 10)],  # before a holiday, a Saturday, a weekday
)
def test_the_inbox_statement_is_its_lists_compiled_afresh(
    handling_officer, window_clerk, limit, counted, wanted, day
):
    # The statement comes from a template compiled once with stand-in values; with each office's
    # and day's own values swapped in it must be exactly what compiling the lists gives.
    for user in (handling_officer, window_clerk):
        actor = selectors.actor_for(user)
        expected = selectors.listed_statement(
            selectors.inbox_queries(actor, day), limit, counted=counted, wanted=wanted
        )
        assert selectors.inbox_statement(actor, limit, counted=counted, wanted=wanted, today=day) == expected


def test_the_inbox_template_gives_each_office_its_own_rows(applicant, handling_officer, outsider, offices):
    filed = register(applicant, "online", offices)
    mine = selectors.inbox_listed(selectors.actor_for(handling_officer), 5, counted=10)
    other = selectors.inbox_listed(selectors.actor_for(outsider), 5, counted=10)
    assert (mine[0]["to_accept"], mine[1]["to_accept"]) == ([filed.pk], 1)
    assert (other[0]["to_accept"], other[1]["to_accept"]) == ([], 0)


def test_the_inbox_template_takes_a_moment_as_its_day_and_lists_named_once(handling_officer):
    actor = selectors.actor_for(handling_officer)
    moment = datetime(2026, 9, 30, 23, 30)
    fresh = selectors.listed_statement(selectors.inbox_queries(actor, moment), 20, counted=5)
    assert selectors.inbox_statement(actor, 20, counted=5, today=moment) == fresh
    # The lists wanted may come as any iterable, read once.
    ids, counts = selectors.inbox_listed(actor, 3, counted=5, wanted=iter(["overdue", "to_accept"]))
    assert set(ids) == {"overdue", "to_accept"} and counts["overdue"] == 0


def test_an_inbox_is_an_offices(applicant):
    with pytest.raises(ValueError):
        selectors.inbox_statement(selectors.actor_for(applicant), 20)

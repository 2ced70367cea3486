"""The API's inbox: each list's first `limit` rows, and how many each list holds."""

import pytest

from tests.builders import act, register

from .conftest import client_for

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
    proxy = register(window_clerk, "proxy", offices)
    waiting = register(window_clerk, "proxy", offices)  # transferred, not yet signed for: to sign
    for case in (proxy, waiting):
        for action in ("pass_formal_review", "check_identity", "transfer"):
            act(window_clerk, case, action)
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

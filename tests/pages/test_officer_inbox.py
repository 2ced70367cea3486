"""The officer's inbox: what waits for the office, tab by tab, due dates in words."""

import re
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case
from tests.builders import act, register, transferred


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def in_review(applicant, officer, offices, overdue=False) -> Case:
    case = act(officer, act(officer, register(applicant, "online", offices), "accept"), "start_review")
    if overdue:
        Case.objects.filter(pk=case.pk).update(promised_due=timezone.localdate() - timedelta(days=3))
    return case


def test_each_tab_shows_its_count_and_links_to_the_case(applicant, handling_officer, offices):
    waiting = register(applicant, "online", offices)
    in_review(applicant, handling_officer, offices)

    html = client_for(handling_officer).get("/officer/?tab=to_accept").content.decode()

    assert 'href="?tab=to_accept" class="tab tab-to_accept current" aria-current="page">To accept' in html
    assert '<span class="count">1</span>' in html
    assert f'href="/cases/{waiting.number}/"' in html


def test_an_overdue_case_says_so_in_words_not_colour_alone(applicant, handling_officer, offices):
    late = in_review(applicant, handling_officer, offices, overdue=True)

    html = client_for(handling_officer).get("/officer/?tab=overdue").content.decode()

    assert f'href="/cases/{late.number}/"' in html
    assert 'class="due due-overdue"' in html
    assert "· overdue" in html


def test_rows_are_sorted_by_due_date(applicant, handling_officer, offices):
    later = in_review(applicant, handling_officer, offices)
    sooner = in_review(applicant, handling_officer, offices, overdue=True)

    html = client_for(handling_officer).get("/officer/?tab=to_decide").content.decode()

    assert html.index(sooner.number) < html.index(later.number)


def test_the_number_of_queries_does_not_grow_with_the_cases(
    applicant, handling_officer, offices, django_assert_max_num_queries
):
    officer = client_for(handling_officer)
    in_review(applicant, handling_officer, offices, overdue=True)
    register(applicant, "online", offices)
    with CaptureQueriesContext(connection) as few:
        assert officer.get("/officer/").status_code == 200

    for overdue in (True, False, True):
        in_review(applicant, handling_officer, offices, overdue=overdue)
        register(applicant, "online", offices)

    with django_assert_max_num_queries(len(few)):
        assert officer.get("/officer/").status_code == 200


def test_only_officers_and_clerks_of_an_office_have_an_inbox(applicant, window_clerk, supervisor_b):
    assert client_for(window_clerk).get("/officer/").status_code == 200
    assert client_for(supervisor_b).get("/officer/").status_code == 403
    assert client_for(applicant).get("/officer/").status_code == 403
    assert Client().get("/officer/").status_code == 302


def test_a_new_arrival_says_what_arrived_and_who_sent_it(applicant, handling_officer, window_clerk, offices):
    filed = register(applicant, "online", offices)
    received = transferred(window_clerk, offices)

    html = client_for(handling_officer).get("/officer/?tab=arrivals").content.decode()

    filed_row = re.search(rf"{filed.number}</a></td>(.*?)</tr>", html, re.S).group(1)
    transfer_row = re.search(rf"{received.number}</a></td>(.*?)</tr>", html, re.S).group(1)
    assert "Filed online" in filed_row and ">Applicant<" in filed_row
    assert "Transferred to the handling office" in transfer_row and offices["hall_a"].name in transfer_row
    assert ">to_accept<" not in html and ">to_sign<" not in html  # the inbox list's name, not a label


def _numbers(html: str) -> list[str]:
    return re.findall(r'<a class="case-link" href="/cases/([^/]+)/"', html)


def test_a_tab_pages_through_its_list_in_order(applicant, handling_officer, offices, monkeypatch):
    monkeypatch.setattr("cases.views.officer.PAGE", 2)
    filed = [register(applicant, "online", offices).number for _ in range(5)]
    officer = client_for(handling_officer)
    pages = [officer.get(f"/officer/?tab=to_accept&page={n}").content.decode() for n in (1, 2, 3)]

    assert [_numbers(html) for html in pages] == [filed[:2], filed[2:4], filed[4:]]
    assert 'href="?tab=to_accept&amp;page=2" rel="next">Next page ›' in pages[0]
    assert 'rel="prev"' not in pages[0]
    assert 'href="?tab=to_accept&amp;page=2" rel="prev">‹ Previous page' in pages[2]
    assert 'rel="next"' not in pages[2] and "Page 3" in pages[2]
    assert '<span class="count">5</span>' in pages[1]  # the count is of the whole list


def test_the_to_sign_tab_merges_its_two_lists_before_paging(
    window_clerk, handling_officer, offices, monkeypatch
):
    monkeypatch.setattr("cases.views.officer.PAGE", 2)
    numbers = [transferred(window_clerk, offices).number for _ in range(3)]
    officer = client_for(handling_officer)
    first, second = (officer.get(f"/officer/?tab=to_sign&page={n}").content.decode() for n in (1, 2))

    assert _numbers(first) + _numbers(second) == numbers
    assert 'rel="next"' in first and 'rel="next"' not in second


def test_a_page_out_of_range_or_not_a_number_is_handled(applicant, handling_officer, offices):
    filed = register(applicant, "online", offices)
    officer = client_for(handling_officer)
    for raw in ("0", "abc", "２", "-1", "1" * 5000, " 1 "):
        html = officer.get(f"/officer/?tab=to_accept&page={raw}").content.decode()
        assert _numbers(html) == [filed.number], raw  # the first page
    beyond = officer.get("/officer/?tab=to_accept&page=7").content.decode()
    assert "Nothing more on this page." in beyond and 'page=6" rel="prev"' in beyond

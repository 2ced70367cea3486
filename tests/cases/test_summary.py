"""A case's summary is built field by field (CaseSummarySerializer.to_representation); DRF's own walk
over the declared fields is the reference, and both must give the same answer for every kind of case."""

from datetime import date

import pytest
from django.utils import timezone
from rest_framework import serializers

from cases import selectors
from cases.models import Case
from cases.serializers import CaseDetailSerializer, CaseSummarySerializer
from tests.builders import act, case_payload, register, transferred
from tests.conftest import make_applicant

from .conftest import client_for
from .test_inbox_api import accepted_on
from .test_trust_in_identity import COMPANY

pytestmark = pytest.mark.django_db


def drf_walk(serializer, case) -> dict:
    return serializers.ModelSerializer.to_representation(serializer, case)


@pytest.fixture
def cases(applicant, window_clerk, handling_officer, offices):
    register(applicant, "online", offices)  # submitted: no due dates yet
    payload = case_payload("online", offices, item="KS-2-015", handling_office=offices["dept_a"].code)
    del payload["applicant"]  # an organisation files as itself: its name is masked by its own rule
    company = client_for(make_applicant("company", **COMPANY))
    assert company.post("/api/v1/cases/", payload, format="json").status_code == 201
    register(applicant, "joint", offices)
    accepted_on("2026-03-02", applicant, handling_officer, offices)  # its clock runs
    act(handling_officer, transferred(window_clerk, offices), "sign_for")
    paused = accepted_on("2026-03-03", applicant, handling_officer, offices)
    Case.objects.filter(pk=paused.pk).update(suspended_since=timezone.now())  # its clock stopped
    done = accepted_on("2026-03-04", applicant, handling_officer, offices)
    Case.objects.filter(pk=done.pk).update(status="concluded")
    return Case.objects.select_related("item", "applicant", "receiving_office", "handling_office")


@pytest.mark.parametrize("reveal", [False, True])
@pytest.mark.parametrize("today", [date(2026, 3, 1), date(2026, 5, 6)])  # before and after the due dates
def test_each_summary_is_what_drfs_walk_over_the_fields_gives(cases, reveal, today):
    context = {"reveal": reveal, "today": today}
    overdue = set()
    for case in cases:
        summary = CaseSummarySerializer(case, context=context)
        assert summary.data == drf_walk(summary, case)
        assert list(summary.data) == CaseSummarySerializer.Meta.fields
        overdue.add(summary.data["overdue"])
    assert overdue == ({False, True} if today.month == 5 else {False})


def test_a_summary_of_values_is_what_drfs_walk_over_the_fields_gives(cases):
    # The inboxes' rows are values (selectors.SummaryRow), not cases.
    rows = Case.objects.values(*selectors.INBOX_VALUES[Case])
    assert len(rows) == 7
    for row in map(selectors.SummaryRow, rows):
        summary = CaseSummarySerializer(row, context={"today": date(2026, 5, 6)})
        assert summary.data == drf_walk(summary, row)


def test_a_cases_detail_still_shows_every_field(cases, handling_officer):
    case = cases.first()
    detail = CaseDetailSerializer(case, context={"actor": selectors.actor_for(handling_officer)})
    assert set(CaseDetailSerializer.Meta.fields) <= set(detail.data)

"""The deadline sweep (`flag_deadlines`) at volume: a few queries per chunk, never one per case."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import deadlines, workflows
from cases.models import Case, Notification

LATER = date(2031, 1, 6)  # every running clock of the generated cases is past its promised date by then


@pytest.fixture
def many_running_cases(db):
    call_command("generate_cases", cases=400, seed=5, force=True, stdout=io.StringIO())
    running = Case.objects.filter(status__in=workflows.CLOCK_RUNNING, suspended_since__isnull=True)
    assert running.count() >= 5
    return running


def test_the_sweep_notifies_each_late_case_once_in_chunks_not_a_query_per_case(
    many_running_cases, monkeypatch
):
    monkeypatch.setattr(deadlines, "ALERT_CHUNK", 3)  # several chunks even for a few cases
    with CaptureQueriesContext(connection) as first:
        sent = deadlines.flag_due(LATER)
    again = deadlines.flag_due(LATER)
    late = set(many_running_cases.values_list("pk", flat=True))
    flagged = set(Notification.objects.filter(kind="overdue").values_list("case_id", flat=True))
    assert flagged == late
    assert sent == Notification.objects.filter(key__endswith=LATER.isoformat()).count() > 0
    assert again == 0  # the same day again: nothing new
    # Reads in chunks of 3 and one INSERT per 3 notifications: bounded by the rows, not a query per case.
    assert len(first.captured_queries) <= 4 + 2 * (len(late) // 3 + 1) + (sent // 3 + 1) + 4

"""Deadline flagging (`flag_deadlines`, cases.deadlines.flag_due) over a large database: time and memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kuasheng_bench \
        .venv/bin/python benchmarks/flag_deadlines.py

Runs the sweep twice in one process: the first writes today's notifications (after removing
those of today from an earlier run, unless --keep), the second must write none (the sweep is
safe to repeat). Prints the open cases it looked at, the notifications written, the time of
each run, the queries and the peak resident memory of the process (getrusage) before and after.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuasheng.settings")

KINDS = ("overdue", "near_due", "sign_overdue", "leg_sign_overdue")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep today's notifications of an earlier run")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from cases import workflows
    from cases.deadlines import flag_due, local_date
    from cases.models import Case, Notification

    today = local_date(timezone.now())
    cases = Case.objects.count()
    open_cases = Case.objects.exclude(status__in=workflows.FINAL_STATUSES).count()
    running = Case.objects.filter(status__in=workflows.CLOCK_RUNNING, suspended_since__isnull=True).count()
    if not args.keep:
        removed, _ = Notification.objects.filter(kind__in=KINDS, key__endswith=today.isoformat()).delete()
        print(f"removed {removed:,} notifications of today from an earlier run")
    print(f"{connection.vendor}: {cases:,} cases, {open_cases:,} open, {running:,} with the clock running")
    print(f"peak memory before: {peak_mb():.0f} MB")
    for run in (1, 2):
        count = [0]

        def counted(execute, sql, params, many, context, count=count):
            count[0] += 1  # counted, not kept: the text of a query would weigh on the memory measured
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(counted):
            sent = flag_due(today)
        elapsed = time.perf_counter() - started
        print(
            f"run {run}: {sent:,} notifications written in {elapsed:.1f} s, "
            f"{count[0]:,} queries, peak memory {peak_mb():.0f} MB"
        )


if __name__ == "__main__":
    main()

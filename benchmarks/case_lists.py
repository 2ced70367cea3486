"""Staff lists at volume: inbox, case list with each filter, case detail and tracking, per role.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kuasheng_bench \
        .venv/bin/python benchmarks/case_lists.py --repeat 50 --plans docs/plans.md

Prepare the database once (minutes):
    DATABASE_URL=… .venv/bin/python manage.py setup_portal --demo
    DATABASE_URL=… .venv/bin/python manage.py generate_cases            # 1,000,000 cases

Requests run in-process through Django's test Client with the real middleware (sessions,
CSRF, locale, authentication) and production settings (DEBUG off), logged in as a
non-superuser of each role: the demo accounts, whose offices the generator makes busy. Each
request is warmed up, then timed `--repeat` times; the table gives p50 and p95 in
milliseconds and the number of SQL queries of one request (counted in a separate pass, so
counting costs nothing in the timings). `--plans FILE` writes EXPLAIN (ANALYZE, BUFFERS) of the
slowest queries of each request (PostgreSQL). Nothing is written to the database but sessions
and, for the inbox pages, nothing else: every request is a GET.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Production settings, as served: DEBUG off (no query log kept), HTTPS answered without a redirect.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuasheng.settings")

ROLES = {
    # who: (username, what they open)
    "officer": "demo_officer_sz",  # handling department, Shenzhen (online and joint cases it receives)
    "officer_handoff": "demo_officer_cd",  # handling department, Chengdu (cases transferred to it)
    "clerk": "demo_clerk",  # service hall, Shenzhen (proxy cases received at the window)
    "supervisor": "demo_supervisor_gd",  # Guangdong province
}
FILTERS = ("", "?overdue=true", "?due_soon=true", "?status=in_review", "?mode=proxy", "?mode=online")


def endpoints(role: str, number: str, track: tuple[str, str]) -> list[tuple[str, str]]:
    found = [(f"api list{query or ''}", f"/api/v1/cases/{query}") for query in FILTERS]
    if role != "supervisor":
        found += [("api inbox", "/api/v1/inbox/"), ("page inbox", "/officer/")]
        found += [
            (f"api inbox ?lists={name}", f"/api/v1/inbox/?lists={name}") for name in ("to_accept", "overdue")
        ]
        found += [
            (f"page inbox ?tab={tab}", f"/officer/?tab={tab}") for tab in ("overdue", "due_soon", "arrivals")
        ]
    if role == "clerk":
        found.append(("page clerk start", "/clerk/"))
    if role == "supervisor":
        found += [("api dashboard", "/api/v1/dashboard/"), ("page dashboard", "/supervisor/")]
    if number:
        found += [("api detail", f"/api/v1/cases/{number}/"), ("page detail", f"/cases/{number}/")]
    if role == "officer":
        # Public, anonymous: tracking by number and the ID's last four characters.
        found += [
            ("api track (anonymous)", f"/api/v1/track/?number={track[0]}&id_tail={track[1]}"),
            ("page track (anonymous)", f"/track/?number={track[0]}&id_tail={track[1]}"),
        ]
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per endpoint (default 30)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--plans", default="", help="write EXPLAIN (ANALYZE, BUFFERS) of the main queries here"
    )
    parser.add_argument(
        "--plans-per-request", type=int, default=2, help="slowest queries explained per request"
    )
    parser.add_argument("--only", default="", help="only endpoints whose label contains this")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cases import selectors
    from cases.models import Case

    cases = Case.objects.count()
    print(f"{connection.vendor}, {cases:,} cases; {args.repeat} timed requests after {args.warmup} warm-up")
    plans = []
    table = []
    address = [0]

    def client_for(username: str | None) -> Client:
        client = Client(enforce_csrf_checks=True)
        if username:
            client.force_login(get_user_model().objects.get(username=username))
        return client

    def get(client: Client, url: str, anonymous: bool):
        extra = {}
        if anonymous:
            # Citizens tracking from many addresses: the per-address throttle is counted, not tripped.
            address[0] += 1
            n = address[0]
            extra["REMOTE_ADDR"] = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        return client.get(url, secure=True, **extra)

    for role, username in ROLES.items():
        user = get_user_model().objects.get(username=username)
        actor = selectors.actor_for(user)
        # A case the role sees, an open one in the middle of its list, and one to track.
        visible = selectors.cases_visible_to(user, actor).exclude(
            status__in=["concluded", "refused", "withdrawn"]
        )
        number = visible.order_by("-id").values_list("number", flat=True)[100:101].first() or ""
        tracked = Case.objects.filter(number=number).values_list("number", "applicant__id_number").first()
        track = (tracked[0], tracked[1][-4:]) if tracked else ("", "")
        staff = client_for(username)
        public = client_for(None)
        for label, url in endpoints(role, number, track):
            if args.only and args.only not in label:
                continue
            anonymous = "anonymous" in label
            client = public if anonymous else staff
            for _ in range(args.warmup):
                response = get(client, url, anonymous)
            if response.status_code != 200:
                print(f"  {role} {label}: HTTP {response.status_code} – skipped")
                continue
            timings = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                get(client, url, anonymous)
                timings.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as captured:
                get(client, url, anonymous)
            queries = captured.captured_queries
            row = (role, label, percentile(timings, 0.5), percentile(timings, 0.95), len(queries))
            table.append(row)
            print(f"  {row[0]:16} {row[1]:32} p50 {row[2]:7.1f} ms  p95 {row[3]:7.1f} ms  {row[4]:3} queries")
            if args.plans and connection.vendor == "postgresql":
                slowest = sorted(queries, key=lambda q: float(q["time"] or 0), reverse=True)
                for query in slowest[: args.plans_per_request]:
                    sql = query["sql"]
                    if not sql.lstrip().upper().startswith("SELECT"):
                        continue
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        plan = "\n".join(line for (line,) in cursor.fetchall())
                    plans.append((role, label, url, sql, plan))

    print()
    print(f"| role | request | p50 ms | p95 ms | queries |  ({cases:,} cases)")
    print("|---|---|---:|---:|---:|")
    for role, label, p50, p95, count in table:
        print(f"| {role} | {label} | {p50:.1f} | {p95:.1f} | {count} |")
    if args.plans:
        with open(args.plans, "w", encoding="utf-8") as out:
            out.write(f"# Query plans at {cases:,} cases\n\n")
            for role, label, url, sql, plan in plans:
                out.write(f"## {role}: {label} (`{url}`)\n\n```sql\n{sql}\n```\n\n```\n{plan}\n```\n\n")
        print(f"Plans written to {args.plans}")
    slow = [row for row in table if row[3] > 20]
    print(
        f"Over 20 ms at p95: {len(slow)} of {len(table)}"
        + (f" ({statistics.mean(r[3] for r in slow):.0f} ms mean)" if slow else "")
    )


if __name__ == "__main__":
    main()

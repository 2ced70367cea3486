"""Case actions per second through the API, measured from outside (gunicorn, PostgreSQL).

    .venv/bin/python benchmarks/actions.py
    .venv/bin/python benchmarks/actions.py --cases 1500 --seconds 20 --threads 4 --workers 2 \
        --database postgres://postgres@127.0.0.1:5432/kuasheng_throughput

Like benchmarks/registrations.py (fresh database, gunicorn with the production configuration and
`--workers` workers, its own redis-server as the broker, a connection per request unless
`--keep-alive`), but the
cases are prepared first, in this process, through the services: `--cases` proxy cases filed at
one hall and `--cases` online cases sent to one handling department. Then `--threads` clients
take one action on each case, one case per request, for at most `--seconds` per action:

- pass_formal_review: window clerks of the hall review the proxy cases (形式审查);
- accept: handling officers of the department accept the online cases (受理; starts the clock,
  computes the due date on the working-day calendar, notifies the applicant).

Each request carries an Idempotency-Key and the answer is the case's detail, as for any client.
Printed per action, measured in this run: actions/s, p50/p95/max latency, errors (any answer but
200, or a failed connection), and the events found in the database afterwards (they must equal
the successes).
"""

import argparse
import os
import queue
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.registrations import (  # noqa: E402
    DEFAULT_DATABASE,
    Services,
    free_port,
    load,
    machine,
    prepare_database,
    report,
    staff_tokens,
)


def prepare_cases(count: int) -> dict[str, list[str]]:
    """`count` proxy cases registered at the demo hall and `count` online cases at the department."""
    from django.contrib.auth import get_user_model

    from cases import demo, registration, selectors
    from cases.models import Office
    from catalogue.models import ServiceItem

    users = get_user_model().objects
    clerk = selectors.actor_for(users.get(username="demo_clerk"))
    applicant = selectors.actor_for(users.get(username="demo_applicant"))
    department = Office.objects.get(code="demo-sc-jinjiang-mps")
    proxy = {
        "item": ServiceItem.objects.get(code="KS-2-002"),
        "mode": "proxy",
        "applicant": dict(demo.WALK_IN),
        "handling_office": department,
        "delivery_method": "window",
    }
    online = {
        "item": ServiceItem.objects.get(code="KS-2-001"),
        "mode": "online",
        "handling_office": department,
        "delivery_method": "online",
    }
    return {
        "pass_formal_review": [
            registration.register_case(actor=clerk, data=proxy).case.number for _ in range(count)
        ],
        "accept": [
            registration.register_case(actor=applicant, data=online).case.number for _ in range(count)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--cases", type=int, default=1500, help="prepared cases per action")
    parser.add_argument("--seconds", type=float, default=20, help="at most, per action")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="each client thread keeps one connection (default: a connection per request, as in "
        "benchmarks/registrations.py: 4 kept connections over 2 workers often land 3 to 1, one core idle)",
    )
    args = parser.parse_args()

    prepare_database(args.database)
    from cases import roles
    from cases.models import CaseEvent

    numbers = prepare_cases(args.cases)
    tokens = {
        "pass_formal_review": staff_tokens(4, "demo-gd-nanshan-hall", roles.WINDOW_CLERK, "bench_clerk"),
        "accept": staff_tokens(4, "demo-sc-jinjiang-mps", roles.HANDLING_OFFICER, "bench_officer"),
    }
    print(machine())
    print(
        f"gunicorn {args.workers} workers × {args.worker_threads} threads (DEBUG=0), "
        f"{args.threads} client threads, {args.cases} prepared cases, at most {args.seconds:.0f}s per action"
    )
    port = args.port or free_port()
    with Services(args.database, port, args.workers, args.worker_threads, Path("/tmp")) as services:
        for action, cases in numbers.items():
            todo = queue.SimpleQueue()
            for number in cases:
                todo.put(number)
            mine = tokens[action]

            def request_for(thread: int, n: int, todo=todo, mine=mine, action=action):
                try:
                    number = todo.get_nowait()
                except queue.Empty:
                    return None
                headers = {
                    "Authorization": f"Token {mine[thread % len(mine)]}",
                    "Content-Type": "application/json",
                    "X-Forwarded-Proto": "https",
                    "Idempotency-Key": uuid.uuid4().hex,
                    **({} if args.keep_alive else {"Connection": "close"}),
                }
                return "POST", f"/api/v1/cases/{number}/actions/{action}/", b"{}", headers, 200

            # Warm-up, not counted: connections, imports, caches; a few cases each thread.
            load(port, args.threads, 1.0, lambda thread, n: request_for(thread, n) if n < 5 else None)
            before = CaseEvent.objects.filter(action=action).count()
            cpu = services.cpu_seconds()
            result = load(port, args.threads, args.seconds, request_for)
            result["cpu"] = services.cpu_seconds() - cpu
            taken = CaseEvent.objects.filter(action=action).count() - before
            report(f"{action}", result, f"events recorded {taken}")


if __name__ == "__main__":
    main()

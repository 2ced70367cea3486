"""Handoff latency with a real Redis and a real Celery worker: outbox row → delivered inbox entry.

    .venv/bin/python benchmarks/handoff_latency.py --messages 200
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kuasheng_latency \
        .venv/bin/python benchmarks/handoff_latency.py --messages 200

It uses a fresh database (SQLite file var/bench.sqlite3 unless DATABASE_URL is set; the
PostgreSQL database is dropped and created), starts its own redis-server on a spare port and
one worker (solo pool, as settings configure acks-late and prefetch 1), files proxy cases and
transfers them one at a time, and reports latency from the moment the outbox row is written
(inside the action's transaction) to the moment the worker has written the inbox entry and
marked the message delivered. Figures are recorded in docs/benchmarks.md.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        from benchmarks.registrations import recreate_database

        recreate_database(url)
    else:
        path = ROOT / "var" / "bench.sqlite3"
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds between two transfers (0: back to back)"
    )
    args = parser.parse_args()

    prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuasheng.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from cases import demo, registration, selectors, services
    from cases.models import HandoffMessage, Office
    from catalogue import reference
    from tests.cases.workers import RedisServer, Worker, app_publishing_to, wait_for

    reference.load_reference_data()
    demo.create_demo_accounts()
    clerk = selectors.actor_for(get_user_model().objects.get(username="demo_clerk"))
    handling = Office.objects.get(code="demo-sc-jinjiang-mps")
    from catalogue.models import ServiceItem

    item = ServiceItem.objects.get(code="KS-2-002")

    def transfer_one() -> tuple[str, float]:
        """File a proxy case, pass the window steps, transfer it: the message id and the transfer's ms."""
        data = {
            "item": item,
            "mode": "proxy",
            "applicant": dict(demo.WALK_IN),
            "handling_office": handling,
            "delivery_method": "window",
        }
        case = registration.register_case(actor=clerk, data=data).case
        for action in ("pass_formal_review", "check_identity"):
            services.perform(number=case.number, action=action, actor=clerk)
        began = time.monotonic()
        services.perform(number=case.number, action="transfer", actor=clerk)
        took = (time.monotonic() - began) * 1000
        return HandoffMessage.objects.get(case=case).pk, took

    broker = RedisServer().start()
    log = Path(tempfile.mkdtemp()) / "worker.log"
    worker = Worker(broker.url, log).start()
    try:
        with app_publishing_to(broker.url):
            ids = []
            started = time.monotonic()
            for _ in range(args.messages):
                ids.append(transfer_one()[0])
                time.sleep(args.pause)
            wait_for(
                lambda: not HandoffMessage.objects.filter(pk__in=ids).exclude(status="delivered").exists(),
                120,
                "all messages to be delivered",
                log,
            )
            elapsed = time.monotonic() - started
            up = [transfer_one()[1] for _ in range(20)]
            broker.stop()
            down = [transfer_one()[1] for _ in range(20)]
            pending = HandoffMessage.objects.filter(status="pending").count()
            broker.start()
    finally:
        worker.stop()
        broker.stop()
    rows = HandoffMessage.objects.filter(pk__in=ids).values_list("created_at", "delivered_at")
    latencies = sorted((delivered - created).total_seconds() * 1000 for created, delivered in rows)
    p95 = latencies[int(round(0.95 * (len(latencies) - 1)))]
    from django.db import connection

    print(
        f"database: {connection.vendor}; messages: {len(latencies)}; pause {args.pause}s; "
        f"wall time {elapsed:.1f}s"
    )
    print(
        f"latency ms: median {statistics.median(latencies):.1f}, p95 {p95:.1f}, "
        f"min {latencies[0]:.1f}, max {latencies[-1]:.1f}"
    )
    print(
        f"a transfer action (commit + publish) ms: Redis up median {statistics.median(up):.1f}; "
        f"Redis down median {statistics.median(down):.1f} ({pending} messages left pending for the sweep)"
    )


if __name__ == "__main__":
    main()

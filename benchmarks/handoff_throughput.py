"""Handoffs delivered per second with 1, 2 and 4 Celery worker processes (real Redis, PostgreSQL).

    .venv/bin/python benchmarks/handoff_throughput.py
    .venv/bin/python benchmarks/handoff_throughput.py --messages 2000 --workers 1,2,4 \
        --database postgres://postgres@127.0.0.1:5432/kuasheng_throughput

It drops and creates the PostgreSQL database (migrated, reference data, demo offices and staff),
files a few proxy cases, and starts its own redis-server on a spare port. For each worker count W
it writes `--messages` outbox rows (transfers to the handling office, pending as an outage leaves
them), starts W worker processes on the `handoffs` queue (solo pool each, acks late, prefetch 1,
as settings configure; W processes as W machines would run them), waits until they are ready,
then publishes every row with one relay run (`handoffs.relay_waiting`, what beat and a
reconnecting worker run) and times until the last one is delivered: an inbox entry, the office's
notifications and the delivered mark, each in one transaction.

Printed per W, all measured in this run: deliveries per second (from the relay's start to the
last delivery), the relay's publishing time, and errors: messages not delivered in time, inbox
entries other than one per message, and deliveries taken from the broker more than once (the
workers' logs) — all must be 0.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.registrations import DEFAULT_DATABASE, machine, prepare_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--messages", type=int, default=2000, help="per worker count")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts, comma-separated")
    parser.add_argument("--redis-port", type=int, default=0, help="its redis-server's port (default: free)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the deliveries")
    args = parser.parse_args()

    prepare_database(args.database)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from cases import demo, handoffs, registration, selectors, services
    from cases.models import HandoffMessage, InboxEntry, Office
    from catalogue.models import ServiceItem
    from tests.cases.workers import RedisServer, Worker, app_publishing_to, wait_for

    clerk = selectors.actor_for(get_user_model().objects.get(username="demo_clerk"))
    data = {
        "item": ServiceItem.objects.get(code="KS-2-002"),
        "mode": "proxy",
        "applicant": dict(demo.WALK_IN),
        "handling_office": Office.objects.get(code="demo-sc-jinjiang-mps"),
        "delivery_method": "window",
    }
    cases = []
    for _ in range(20):
        case = registration.register_case(actor=clerk, data=data).case
        for action in ("pass_formal_review", "check_identity"):
            services.perform(number=case.number, action=action, actor=clerk)
        cases.append(case)

    print(machine())
    queue = settings.HANDOFF_QUEUE
    print(f"{args.messages} messages per run; worker processes on the `{queue}` queue, solo pool each")
    broker = RedisServer(args.redis_port or None).start()
    workdir = Path(tempfile.mkdtemp(prefix="handoff-throughput-"))
    try:
        for count in [int(n) for n in args.workers.split(",") if n.strip()]:
            workers = [
                Worker(broker.url, workdir / f"w{count}-{n}.log", queues=[settings.HANDOFF_QUEUE]).start()
                for n in range(count)
            ]
            try:
                # Each worker queued a relay when it connected: let those run on an empty outbox, so
                # the clock below starts with the one relay run that publishes the messages.
                time.sleep(2)
                HandoffMessage.objects.bulk_create(
                    HandoffMessage(
                        kind="transfer",
                        case=cases[i % len(cases)],
                        to_office=cases[i % len(cases)].handling_office,
                        available_at=cases[0].created_at,
                    )
                    for i in range(args.messages)
                )
                ids = list(HandoffMessage.objects.filter(status="pending").values_list("pk", flat=True))
                assert len(ids) == args.messages
                with app_publishing_to(broker.url):
                    began = time.monotonic()
                    published = handoffs.relay_waiting()
                    publishing = time.monotonic() - began
                    try:
                        wait_for(
                            lambda ids=ids: (
                                not HandoffMessage.objects.filter(pk__in=ids)
                                .exclude(status="delivered")
                                .exists()
                            ),
                            args.timeout,
                            "every message to be delivered",
                        )
                    except AssertionError:
                        pass  # counted below as undelivered
                    elapsed = time.monotonic() - began
            finally:
                for worker in workers:
                    worker.stop()
            undelivered = HandoffMessage.objects.filter(pk__in=ids).exclude(status="delivered").count()
            entries = dict(
                InboxEntry.objects.filter(message_id__in=ids)
                .values_list("message_id")
                .annotate(n=Count("id"))
                .values_list("message_id", "n")
            )
            wrong_entries = sum(1 for pk in ids if entries.get(pk, 0) != 1) - undelivered
            taken = sum(worker.received("cases.deliver_handoff") for worker in workers)
            delivered = len(ids) - undelivered
            print(
                f"{count} worker process{'es' if count > 1 else ''}: {delivered / elapsed:.0f} handoffs/s "
                f"({delivered} in {elapsed:.1f}s; relay published {published} in {publishing:.2f}s); "
                f"errors: undelivered {undelivered}, inbox entries not one per message {wrong_entries}, "
                f"taken more than once {max(0, taken - len(ids))}"
            )
            # The next run starts from an empty outbox and inbox.
            InboxEntry.objects.filter(message_id__in=ids).delete()
    finally:
        broker.stop()


if __name__ == "__main__":
    main()

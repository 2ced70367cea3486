"""Handoffs under a sick broker: request waits, drain time, and how soon a lost message returns.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kuasheng_latency \\
        .venv/bin/python benchmarks/broker_states.py --transfers 20 --pending 600

It uses a fresh database (as benchmarks/handoff_latency.py does), starts its own redis-server on a
spare port and one Celery worker (solo pool), and measures:

1. request time per broker state: a `transfer` action (commit, then publishing after commit),
   with Redis up, stopped (process ended), frozen (SIGSTOP), slow (CLIENT PAUSE WRITE: every
   write waits 0.6 s) and refusing (maxmemory 1, noeviction: OOM errors); then the time from
   the broker being back to every message delivered, and the duplicates the worker received;
2. drain: `--pending` messages left pending by an outage, from Redis restarted to all delivered
   (the worker reconnects within a second and queues one relay run; no beat involved);
3. a message held by a killed worker (SIGKILL while it delivers): from the kill to delivered,
   with a replacement worker running beat and the default settings.
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
sys.path.insert(0, str(ROOT / "benchmarks"))


def setup():
    from handoff_latency import prepare_database

    prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuasheng.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from cases import demo
    from catalogue import reference

    reference.load_reference_data()
    demo.create_demo_accounts()


class Desk:
    """Files proxy cases at the demo window and transfers them to the demo handling office."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        from cases import selectors
        from cases.models import Office
        from catalogue.models import ServiceItem

        self.clerk = selectors.actor_for(get_user_model().objects.get(username="demo_clerk"))
        self.handling = Office.objects.get(code="demo-sc-jinjiang-mps")
        self.item = ServiceItem.objects.get(code="KS-2-002")

    def ready_case(self):
        from cases import demo, registration, services

        data = {
            "item": self.item,
            "mode": "proxy",
            "applicant": dict(demo.WALK_IN),
            "handling_office": self.handling,
            "delivery_method": "window",
        }
        case = registration.register_case(actor=self.clerk, data=data).case
        for action in ("pass_formal_review", "check_identity"):
            services.perform(number=case.number, action=action, actor=self.clerk)
        return case

    def transfer(self, case) -> float:
        """The transfer action with its after-commit publish; milliseconds."""
        from cases import services

        began = time.monotonic()
        services.perform(number=case.number, action="transfer", actor=self.clerk)
        return (time.monotonic() - began) * 1000


def undelivered() -> int:
    from cases.models import HandoffMessage

    return HandoffMessage.objects.exclude(status="delivered").count()


def wait_all_delivered(log, timeout=600.0) -> float:
    """Seconds until every message is delivered."""
    from tests.cases.workers import wait_for

    began = time.monotonic()
    wait_for(lambda: undelivered() == 0, timeout, "every message to be delivered", log)
    return time.monotonic() - began


def duplicates(worker) -> int:
    from cases.models import HandoffMessage

    return worker.received("cases.deliver_handoff") - HandoffMessage.objects.count()


STATES = {
    # name: (enter, leave)
    "up": (lambda b: None, lambda b: None),
    "stopped": (lambda b: b.stop(), lambda b: b.start()),
    "frozen (SIGSTOP)": (lambda b: b.freeze(), lambda b: b.resume()),
    "slow (writes held 0.6 s)": (lambda b: b.hold_writes(0.6), lambda b: None),
    "refusing (OOM)": (lambda b: b.refuse_writes(), lambda b: b.accept_writes()),
}


def timing_publishes() -> list[float]:
    """Time each after-commit publish (what queue()'s on_commit callback calls), in ms."""
    from cases import handoffs

    times, publish = [], handoffs.publish

    def timed(message_id):
        began = time.monotonic()
        try:
            return publish(message_id)
        finally:
            times.append((time.monotonic() - began) * 1000)

    handoffs.publish = timed
    return times


def broker_states(desk, broker, worker, transfers: int) -> list[str]:
    rows, publishes = [], timing_publishes()
    for name, (enter, leave) in STATES.items():
        cases = [desk.ready_case() for _ in range(transfers)]  # only the transfer is timed
        enter(broker)
        publishes.clear()
        took = [desk.transfer(case) for case in cases]
        leave(broker)
        desk.transfer(desk.ready_case())  # traffic goes on after the broker is back
        recovered = wait_all_delivered(worker.log_path)
        rows.append(
            f"| {name} | {statistics.median(took):.0f} ms | {max(took):.0f} ms | "
            f"{statistics.median(publishes[:transfers]):.1f} ms | {max(publishes[:transfers]):.0f} ms | "
            f"{recovered:.1f} s | {duplicates(worker)} |"
        )
    return rows


def drain(desk, broker, worker, pending: int) -> str:
    from django.utils import timezone

    from cases.models import HandoffMessage

    case = desk.ready_case()
    broker.stop()
    HandoffMessage.objects.bulk_create(
        HandoffMessage(kind="transfer", case=case, to_office=desk.handling, available_at=timezone.now())
        for _ in range(pending)
    )
    began, wall = time.monotonic(), timezone.now()
    broker.start()
    took = wait_all_delivered(worker.log_path)
    rows = HandoffMessage.objects.filter(sent_at__gte=wall)
    first = min(rows.values_list("sent_at", flat=True)) - wall
    last = max(rows.values_list("sent_at", flat=True)) - wall
    return (
        f"{pending} pending: first published {first.total_seconds():.1f} s after Redis restarted, "
        f"all published {last.total_seconds():.1f} s, all delivered {took:.1f} s "
        f"({time.monotonic() - began:.1f} s); duplicates {duplicates(worker)}"
    )


def killed_worker(desk, broker, workdir: Path) -> str:
    from django.db import transaction

    from cases.models import HandoffMessage
    from tests.cases.workers import Worker, wait_for

    case = desk.ready_case()
    desk.transfer(case)  # no worker runs: the message waits in Redis
    message = HandoffMessage.objects.get(case=case, kind="transfer")
    holder = Worker(broker.url, workdir / "holder.log")
    with transaction.atomic():
        HandoffMessage.objects.select_for_update().get(pk=message.pk)  # the delivery will wait on it
        holder.start()
        wait_for(lambda: holder.received("cases.deliver_handoff"), 60, "a delivery to start", holder.log_path)
        holder.kill()
        killed = time.monotonic()
    replacement = Worker(broker.url, workdir / "replacement.log", beat=True).start()
    try:
        wait_for(
            lambda: HandoffMessage.objects.get(pk=message.pk).status == "delivered",
            120,
            "the held message to be delivered again",
            replacement.log_path,
        )
    finally:
        replacement.stop()
    message.refresh_from_db()
    since_sent = (message.delivered_at - message.created_at).total_seconds()
    return (
        f"held by a killed worker: delivered {time.monotonic() - killed:.1f} s after the kill, "
        f"{since_sent:.1f} s after it was first sent"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transfers", type=int, default=20, help="transfers timed per broker state")
    parser.add_argument("--pending", type=int, default=600, help="messages left pending by an outage")
    args = parser.parse_args()

    setup()
    from django.conf import settings
    from django.db import connection

    from tests.cases.workers import RedisServer, Worker, app_publishing_to

    desk = Desk()
    workdir = Path(tempfile.mkdtemp())
    broker = RedisServer().start()
    worker = Worker(broker.url, workdir / "worker.log").start()
    try:
        with app_publishing_to(broker.url):
            desk.transfer(desk.ready_case())
            wait_all_delivered(worker.log_path)
            rows = broker_states(desk, broker, worker, args.transfers)
            drained = drain(desk, broker, worker, args.pending)
            worker.stop()
            held = killed_worker(desk, broker, workdir)
    finally:
        worker.stop()
        broker.stop()
    print(
        f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f}; "
        f"HANDOFF_PUBLISH_WAIT {settings.HANDOFF_PUBLISH_WAIT}s, "
        f"HANDOFF_REDELIVER_AFTER_SECONDS {settings.HANDOFF_REDELIVER_AFTER_SECONDS}"
    )
    print(
        f"| broker | request median ({args.transfers}) | max | its publish median | max "
        "| back → all delivered | duplicates |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(drained)
    print(held)


if __name__ == "__main__":
    main()

"""Case registrations per second through the API, measured from outside (gunicorn, PostgreSQL).

    .venv/bin/python benchmarks/registrations.py
    .venv/bin/python benchmarks/registrations.py --seconds 30 --threads 4 --workers 2 \
        --database postgres://postgres@127.0.0.1:5432/kuasheng_throughput

It drops and creates the PostgreSQL database, migrates it, loads the reference data and the demo
offices, and prepares the callers first: `--accounts` applicant accounts with verified identities
and window clerks at one hall, each with an API token. Then it starts gunicorn with the production
configuration (gunicorn.conf.py, DEBUG=0, `--workers` workers) and its own redis-server on a spare
port as the broker (handoffs are published as in production; no Celery worker runs, so it takes no
CPU from the web workers), and `--threads` client threads post registrations (http.client, a new
connection per request as many clients make; `--keep-alive`: one connection kept per thread), each
thread cycling through its own accounts, for `--seconds` per mode:

- proxy: window clerks of one hall file proxy cases (代收代办), all numbered from one sequence
  (one receiving region, one day): the case-number row is the contended one;
- online: applicants file online cases (全程网办), each with its own account;
- proxy-one-account: as proxy, but every thread files with the same clerk account (a hall's
  front-desk integration, an agency filing through the API): one account's registrations used to
  run one at a time (a lock on the user row);
- proxy-minimal, online-minimal: as proxy and online, with `Prefer: return=minimal` (RFC 7240): the
  answer is the case's number, status, version and URL instead of the whole case, which a client
  filing in bulk does not read.

Printed per mode, all measured in this run: registrations/s, p50/p95/max latency, errors (any
answer but 201, or a failed connection), and the cases found in the database afterwards (it must
equal the successes: nothing lost, nothing filed twice). Figures go in docs/benchmarks.md.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/kuasheng_throughput"
BENCH_SECRET = "benchmark-only-secret-key-not-for-production"  # noqa: S105


# --- Shared by the other benchmarks ----------------------------------------------------------


def recreate_database(url: str) -> None:
    """Drop (closing what is still connected to it) and create the PostgreSQL database of `url`."""
    import psycopg2

    base, name = url.rsplit("/", 1)
    connection = psycopg2.connect(f"{base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def prepare_database(url: str) -> None:
    """A fresh, migrated PostgreSQL database with the reference data and the demo offices and staff."""
    if not url.startswith("postgres"):
        raise SystemExit("This benchmark measures PostgreSQL: give a postgres:// URL.")
    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuasheng.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from cases import demo
    from catalogue import reference

    reference.load_reference_data()
    demo.create_demo_accounts()


def token_for(user) -> str:
    from knox.models import AuthToken

    return AuthToken.objects.create(user)[1]


def staff_tokens(count: int, office_code: str, role: str, prefix: str) -> list[str]:
    """`count` staff accounts of `role` at one office, with an API token each."""
    from django.contrib.auth import get_user_model

    from cases import roles
    from cases.models import Office, StaffProfile

    groups = roles.ensure_role_groups()
    office = Office.objects.get(code=office_code)
    tokens = []
    for index in range(count):
        user = get_user_model().objects.create(username=f"{prefix}{index}", first_name=f"{prefix}{index}")
        user.groups.add(groups[role])
        StaffProfile.objects.create(user=user, office=office, role=role)
        tokens.append(token_for(user))
    return tokens


def applicant_tokens(count: int) -> list[str]:
    """`count` applicant accounts with a verified identity (the demo applicant's), a token each."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cases import demo, roles
    from cases.models import ApplicantProfile

    group = roles.ensure_role_groups()[roles.APPLICANT]
    tokens = []
    for index in range(count):
        user = get_user_model().objects.create(username=f"bench_applicant{index}")
        user.groups.add(group)
        ApplicantProfile.objects.create(
            user=user, verified_at=timezone.now(), **demo.PROFILES["demo_applicant"]
        )
        tokens.append(token_for(user))
    return tokens


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Services:
    """gunicorn (production settings) and a redis-server of its own as the broker; stopped on exit."""

    def __init__(self, database_url: str, port: int, workers: int, threads: int, log_dir: Path):
        self.database_url, self.port, self.workers, self.threads = database_url, port, workers, threads
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def __enter__(self):
        from tests.cases.workers import RedisServer

        self.broker = RedisServer().start()
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": BENCH_SECRET,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": self.database_url,
            # Persistent connections, as in production (docs/deploy.md): no connect per request. Kept
            # for the whole run (production: 60 s): a server process replaced mid-run would take its
            # CPU time out of the count (the fourth mode's "1.7 ms per request").
            "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "900"),
            "CELERY_BROKER_URL": self.broker.url,
            "GUNICORN_WORKERS": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
            # No worker replaced mid-run (its CPU time would leave the count with it).
            "GUNICORN_MAX_REQUESTS": "0",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("CACHE_URL", None)
        self.log = open(self.log_dir / "gunicorn.log", "ab")
        web = subprocess.Popen(
            [
                sys.executable,
                *("-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}"),
                # Another WSGI app to compare with (an experiment); default gunicorn.conf.py's.
                *([os.environ["BENCH_WSGI_APP"]] if os.environ.get("BENCH_WSGI_APP") else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(web)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise SystemExit(f"gunicorn did not start; see {self.log_dir / 'gunicorn.log'}")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the web workers and by the database's server processes for them."""
        return cpu_seconds(children(self.processes[0].pid)) + cpu_seconds(database_backends())

    def __exit__(self, *exc):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
        self.broker.stop()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cpu_seconds(pids) -> float:
    """User + system CPU time the processes used so far (Linux /proc), whatever else loads the machine."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def database_backends() -> list[int]:
    """The PostgreSQL server processes serving this benchmark's database (it runs on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def load(port: int, threads: int, seconds: float, request_for) -> dict:
    """`threads` clients, each on one keep-alive connection, calling `request_for(thread, n)` for
    (method, path, body, headers, expected status) until `seconds` have passed or it gives None;
    latencies and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed, n = [], [], 0
        start.wait()
        while time.monotonic() < stop_at[0]:
            request = request_for(index, n)
            if request is None:  # nothing left to do
                break
            method, path, body, headers, expected = request
            n += 1
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                reply = connection.getresponse()
                content = reply.read()
            except (OSError, http.client.HTTPException) as error:
                failed.append(f"{type(error).__name__}: {error}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - began)
            if reply.status != expected:
                failed.append(f"{reply.status}: {content[:200]!r}")
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    began = time.monotonic()
    stop_at[0] = began + seconds
    start.wait()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {"elapsed": elapsed, "latencies": latencies, "errors": errors}


def report(name: str, result: dict, extra: str = "") -> None:
    latencies, errors = result["latencies"], result["errors"]

    cpu = result.get("cpu")

    def pct(p):
        return (
            latencies[min(len(latencies) - 1, int(round(p * (len(latencies) - 1))))] * 1000
            if latencies
            else 0
        )

    answered_ok = len(latencies) - sum(1 for e in errors if e[:3].isdigit())
    print(
        f"{name}: {answered_ok / result['elapsed']:.1f}/s ({answered_ok} in {result['elapsed']:.1f}s); "
        f"latency ms p50 {pct(0.5):.1f}, p95 {pct(0.95):.1f}, max {pct(1.0):.1f}; errors {len(errors)}"
        + (f"; {extra}" if extra else "")
    )
    if cpu is not None and answered_ok:
        per_request = cpu * 1000 / len(latencies)
        print(f"    CPU per request: {per_request:.1f} ms (web workers + their PostgreSQL backends)")
    for error in sorted(set(errors))[:5]:
        print(f"    error: {error}")


def machine() -> str:
    import platform

    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Django {django.get_version()}, PostgreSQL {version}"
    )


# --- This benchmark ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--seconds", type=float, default=20, help="per mode")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--accounts", type=int, default=40, help="applicant accounts (and 4 clerks)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--modes", default="proxy,online,proxy-one-account,proxy-minimal,online-minimal")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="each client thread keeps one connection (default: a connection per request, as many clients "
        "make): gunicorn's workers keep the connections they accept, and 4 connections over 2 "
        "workers often land 3 to 1 or 4 to 0, one core idle",
    )
    args = parser.parse_args()

    prepare_database(args.database)
    from cases import demo

    clerks = staff_tokens(4, "demo-gd-nanshan-hall", "window_clerk", "bench_clerk")
    applicants = applicant_tokens(args.accounts)
    payloads = {
        "proxy": {
            "item": "KS-2-002",
            "mode": "proxy",
            "handling_office": "demo-sc-jinjiang-mps",
            "delivery_method": "window",
            "applicant": dict(demo.WALK_IN),
        },
        "online": {
            "item": "KS-2-001",
            "mode": "online",
            "handling_office": "demo-sc-jinjiang-mps",
            "delivery_method": "online",
        },
    }
    payloads["proxy-one-account"] = payloads["proxy-minimal"] = payloads["proxy"]
    payloads["online-minimal"] = payloads["online"]
    # One clerk account on every thread: a hall's front-desk integration, or an agency filing through
    # the API. Before, one account's registrations ran one at a time (a lock on the user row).
    tokens = {"proxy": clerks, "online": applicants, "proxy-one-account": clerks[:1]}
    tokens["proxy-minimal"], tokens["online-minimal"] = clerks, applicants

    from cases.models import Case

    print(machine())
    print(
        f"gunicorn {args.workers} workers × {args.worker_threads} threads (DEBUG=0), "
        f"{args.threads} client threads, {args.seconds:.0f}s per mode"
    )
    port = args.port or free_port()
    with Services(args.database, port, args.workers, args.worker_threads, Path("/tmp")) as services:
        for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
            body = json.dumps(payloads[mode]).encode()
            mine = tokens[mode]

            # "-minimal": the client asks for the short answer (Prefer: return=minimal, RFC 7240), as a
            # client filing in bulk would; the others get the whole case, as by default.
            prefer = {"Prefer": "return=minimal"} if mode.endswith("-minimal") else {}

            def request_for(thread: int, n: int, mine=mine, body=body, prefer=prefer):
                # Each thread cycles through its own share of the accounts.
                token = mine[(thread + n * args.threads) % len(mine)]
                headers = {
                    "Authorization": f"Token {token}",
                    "Content-Type": "application/json",
                    "X-Forwarded-Proto": "https",  # as the reverse proxy says
                    "Idempotency-Key": uuid.uuid4().hex,  # a retry would send the same one
                    **prefer,
                    **({} if args.keep_alive else {"Connection": "close"}),
                }
                return "POST", "/api/v1/cases/", body, headers, 201

            load(port, args.threads, 1.0, request_for)  # warm-up: connections, imports, caches
            before = Case.objects.count()
            cpu = services.cpu_seconds()
            result = load(port, args.threads, args.seconds, request_for)
            result["cpu"] = services.cpu_seconds() - cpu
            filed = Case.objects.count() - before
            report(f"{mode} registrations", result, f"cases filed {filed}")


if __name__ == "__main__":
    main()

"""A real redis-server and a real Celery worker, started by a test on spare ports and stopped after it.

The machine's own Redis is never touched: fault tests stop, freeze, slow down or fill up the
server they started, and nothing else.

With KUASHENG_TEST_CLUSTER=1 a `Worker` is the whole multi-process deployment instead
(deploy/cluster.sh: nginx, two web processes, a worker on the `handoffs` queue, one on `default`,
beat) on the test database and the test's broker, so the same tests run against it:

    KUASHENG_TEST_CLUSTER=1 .venv/bin/pytest tests/cases/test_handoffs_with_a_worker.py
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = os.environ.get("KUASHENG_TEST_CLUSTER", "") not in ("", "0")
# Every queue the tasks are routed to (settings: CELERY_TASK_ROUTES); a test worker takes them all.
QUEUES = [settings.HANDOFF_QUEUE, settings.CELERY_TASK_DEFAULT_QUEUE]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float = 90.0, what: str = "condition", log: Path | None = None):
    """Poll until `condition()` is truthy (a worker runs in another process: there is no event to wait on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail}")


class RedisServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_for(lambda: _pings(client), 10, f"redis-server on port {self.port}")
        return self

    def stop(self):
        """Stop the server (a frozen one is resumed first, or it would not see the signal)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def freeze(self):
        """SIGSTOP: connections are still accepted by the kernel, but nothing is answered."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def refuse_writes(self):
        """Answer every write with an OOM error, as a Redis at its memory limit does."""
        self._client().config_set("maxmemory-policy", "noeviction")
        self._client().config_set("maxmemory", 1)

    def accept_writes(self):
        self._client().config_set("maxmemory", 0)

    def hold_writes(self, seconds: float):
        """A slow broker: every write waits up to `seconds` (CLIENT PAUSE … WRITE), then runs."""
        self._client().execute_command("CLIENT", "PAUSE", int(seconds * 1000), "WRITE")

    def _client(self):
        return redis.Redis(port=self.port, socket_timeout=5)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def database_url() -> str:
    """The test database, as a URL the worker process can open."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def Worker(broker_url: str, log_path: Path, beat: bool = False, queues=None, **env):  # noqa: N802
    """A worker process for a test: one Celery worker, or the cluster with KUASHENG_TEST_CLUSTER=1."""
    if CLUSTER:
        return Cluster(broker_url, log_path, **env)
    return WorkerProcess(broker_url, log_path, beat=beat, queues=queues, **env)


class WorkerProcess:
    """A Celery worker process (solo pool) taking `queues` (default: all); with `beat`, it runs the
    beat schedule too (benchmarks)."""

    def __init__(self, broker_url: str, log_path: Path, beat: bool = False, queues=None, **env):
        self.broker_url, self.log_path, self.beat, self.env = broker_url, log_path, beat, env
        self.queues = list(queues or QUEUES)
        self.process = None

    def start(self):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "DJANGO_SETTINGS_MODULE": "kuasheng.settings",
            **self.env,
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kuasheng",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--queues={','.join(self.queues)}",
                f"--hostname={self.log_path.stem}-{os.getpid()}@%h",
                *(["--beat", f"--schedule={self.log_path}.beat"] if self.beat else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: b"ready" in self.log_path.read_bytes(), 60, "the Celery worker to start")
        return self

    def received(self, task: str) -> int:
        """How many `task` messages this worker has taken from the broker so far (its log says)."""
        pattern = rf"Task {re.escape(task)}\[[^\]]+\] received"
        return len(re.findall(pattern, self.log_path.read_text(errors="replace")))

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        self.log.close()


class Cluster:
    """deploy/cluster.sh on the test database and `broker_url`, used as a test uses a Worker.

    Its log is the `handoffs` worker's; `kill` SIGKILLs that worker (no acknowledgement ever comes
    from it) and stops the rest, so a replacement started next brings the only beat.
    """

    SCRIPT = ROOT / "deploy" / "cluster.sh"

    def __init__(self, broker_url: str, log_path: Path, **env):
        self.run_dir = log_path.with_suffix(".cluster")
        self.log_path = self.run_dir / "logs" / "worker-handoffs.log"
        ports = [free_port() for _ in range(3)]
        self.env = {
            **os.environ,
            "RUN_DIR": str(self.run_dir),
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "CLUSTER_SETUP": "0",  # the test database is migrated and loaded by the tests
            "PROXY_PORT": str(ports[0]),
            "WEB_PORTS": f"{ports[1]} {ports[2]}",
            "WEB_WORKERS": "1",
            "DJANGO_SETTINGS_MODULE": "kuasheng.settings",
            **env,
        }
        for name in ("CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
            self.env.pop(name, None)
        self.started = False

    def _run(self, *args):
        subprocess.run([str(self.SCRIPT), *args], env=self.env, cwd=ROOT, check=True, timeout=180)

    def start(self):
        self._run("start")
        self.started = True
        return self

    def received(self, task: str) -> int:
        pattern = rf"Task {re.escape(task)}\[[^\]]+\] received"
        return len(re.findall(pattern, self.log_path.read_text(errors="replace")))

    def kill(self):
        if self.started:
            self._run("kill", "worker-handoffs")
            self._run("stop")
        self.started = False

    def stop(self):
        if self.started:
            self._run("stop")
        self.started = False


@contextmanager
def app_publishing_to(broker_url: str):
    """Point this process's Celery app at `broker_url` and stop running tasks in-process."""
    from kuasheng.celery import app

    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    saved_env = os.environ.get("CELERY_BROKER_URL")
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    os.environ["CELERY_BROKER_URL"] = broker_url
    app.conf.broker_url, app.conf.task_always_eager = broker_url, False
    app._pool, app.amqp._producer_pool = None, None  # connections are cached per broker URL
    try:
        yield app
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._pool, app.amqp._producer_pool = None, None

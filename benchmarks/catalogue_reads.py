"""Catalogue reads against a bare Django view serving the same bytes, measured in one run.

    .venv/bin/python benchmarks/catalogue_reads.py                    # local-memory cache (version file)
    .venv/bin/python benchmarks/catalogue_reads.py --cache redis      # CACHE_URL=redis://127.0.0.1:6379/2
    .venv/bin/python benchmarks/catalogue_reads.py --no-cache --duration 10   # adds an uncached column

It prepares a SQLite database (var/bench-catalogue.sqlite3, `setup_portal`), starts gunicorn with
2 workers and production settings (DEBUG=0, a SECRET_KEY, SECURE_SSL_REDIRECT=0) plus a bare view
(benchmarks/bare_settings.py, bare_urls.py), captures each answer's bytes and serves them from the
bare view, then runs wrk (16 connections) against each URL and its bare twin. With --no-cache a
second gunicorn runs with CATALOGUE_CACHE=0 (every read rendered: the figures before the cache,
except that the ETag costs no query), idle while the other is measured.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
REDIS_URL = "redis://127.0.0.1:6379/2"

# (label, path, bare twin, headers); a bare twin serves the captured bytes of the URL named.
CASES = [
    ("items, 200 a page", "/api/v1/items/?page_size=200", "list200", {}),
    ("items, 200 a page, 304", "/api/v1/items/?page_size=200", "list200", {"If-None-Match": "<etag>"}),
    ("items, 20 a page (default)", "/api/v1/items/", "list20", {}),
    ("item detail (API)", "/api/v1/items/KS-1-005/", "detail_api", {}),
    ("item detail page (HTML)", "/items/KS-1-005/", "detail_page", {}),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_env(args) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{args.database}",
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "benchmarks.bare_settings",
        "LOG_LEVEL": "WARNING",
        "CACHE_URL": REDIS_URL if args.cache == "redis" else "",
        "CELERY_BROKER_URL": "",
    }
    env.pop("CATALOGUE_CACHE", None)
    return env


def prepare(args) -> None:
    env = {**base_env(args), "DJANGO_SETTINGS_MODULE": "kuasheng.settings", "DEBUG": "1"}
    subprocess.run(
        [PYTHON, "manage.py", "setup_portal"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


class Server:
    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "ab")
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "kuasheng.wsgi:application",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                get(self.base + "/api/v1/departments/")
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not start; see {log}")

    def stop(self):
        self.process.terminate()
        self.process.wait(20)
        self.log.close()


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers or {}), timeout=30
        ) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wrk(url: str, headers: dict, seconds: float) -> tuple[float, str]:
    command = ["wrk", "-t2", "-c16", f"-d{max(1, round(seconds))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    problems = ", ".join(re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: [^\n]+)", output))
    return rate, problems


def measure(server: Server, path: str, headers: dict, seconds: float) -> tuple[float, str]:
    wrk(server.base + path, headers, 1)  # warm: every worker stores the answer
    return wrk(server.base + path, headers, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", choices=["local", "redis"], default="local")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per URL")
    parser.add_argument("--no-cache", action="store_true", help="also measure with CATALOGUE_CACHE=0")
    parser.add_argument("--rounds", type=int, default=1, help="measure each pair this many times (median)")
    parser.add_argument("--database", default=str(ROOT / "var" / "bench-catalogue.sqlite3"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")

    prepare(args)
    bare_dir = Path(tempfile.mkdtemp(prefix="catalogue-bench-"))
    env = {**base_env(args), "BARE_DIR": str(bare_dir)}
    servers = [Server(env, ROOT / "var" / "bench-catalogue-cached.log")]
    if args.no_cache:
        servers.append(Server({**env, "CATALOGUE_CACHE": "0"}, ROOT / "var" / "bench-catalogue-uncached.log"))
    cached = servers[0]
    try:
        etag = None
        for _label, path, twin, _headers in CASES:
            status, headers, body = get(cached.base + path)
            assert status == 200, (path, status)
            (bare_dir / f"{twin}.body").write_bytes(body)
            (bare_dir / f"{twin}.type").write_text(headers["Content-Type"])
            if twin == "list200":
                etag = headers["ETag"]
            bare_status, _bare_headers, bare_body = get(f"{cached.base}/bare/{twin}/")
            assert (bare_status, bare_body) == (200, body), twin
        assert get(cached.base + CASES[1][1], {"If-None-Match": etag})[0] == 304

        print(
            "catalogue reads: gunicorn 2 workers, DEBUG=0, SQLite, "
            f"wrk -c16 -d{args.duration}s × {args.rounds} rounds, "
            f"cache {'Redis ' + REDIS_URL if args.cache == 'redis' else 'local memory + version file'}"
        )
        heading = f"{'':32}{'bytes':>8}{'bare req/s':>12}{'req/s':>10}{'ratio':>8}"
        print(heading + (f"{'uncached':>10}{'ratio':>8}" if args.no_cache else ""))
        for label, path, twin, headers in CASES:
            headers = {name: etag if value == "<etag>" else value for name, value in headers.items()}
            # Each round measures the bare twin right before the URL (and its uncached twin): a
            # ratio compares neighbours; the median over the rounds is printed.
            bare, fast, slow, problems = [], [], [], []
            for _round in range(args.rounds):
                for server, path_measured, rates in [
                    (cached, f"/bare/{twin}/", bare),
                    (cached, path, fast),
                    *([(servers[1], path, slow)] if args.no_cache else []),
                ]:
                    rate, problem = measure(
                        server, path_measured, headers if rates is not bare else {}, args.duration
                    )
                    rates.append(rate)
                    problems += [problem] if problem else []
            size = 0 if headers else (bare_dir / f"{twin}.body").stat().st_size
            ratios = [rate / base for rate, base in zip(fast, bare, strict=True) if base]
            line = (
                f"{label:32}{size:>8}{median(bare):>12.0f}{median(fast):>10.0f}{median(ratios or [0]):>8.1%}"
            )
            if args.no_cache:
                slow_ratios = [rate / base for rate, base in zip(slow, bare, strict=True) if base]
                line += f"{median(slow):>10.0f}{median(slow_ratios or [0]):>8.1%}"
            print(line + (f"  ({'; '.join(problems)})" if problems else ""), flush=True)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(bare_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

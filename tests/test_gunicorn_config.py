"""gunicorn.conf.py takes every figure from settings, and gunicorn itself reads it so."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def test_the_gunicorn_configuration_comes_from_settings(settings):
    settings.GUNICORN_WORKERS, settings.GUNICORN_THREADS = 5, 3
    settings.GUNICORN_TIMEOUT, settings.GUNICORN_GRACEFUL_TIMEOUT = 41, 17
    settings.GUNICORN_KEEPALIVE, settings.GUNICORN_MAX_REQUESTS = 9, 1234
    settings.GUNICORN_MAX_REQUESTS_JITTER, settings.GUNICORN_BIND = 56, ["127.0.0.1:9999"]

    config = runpy.run_path(str(CONFIG))

    assert {
        name: config[name]
        for name in (
            "workers",
            "threads",
            "timeout",
            "graceful_timeout",
            "keepalive",
            "max_requests",
            "max_requests_jitter",
            "bind",
        )
    } == {
        "workers": 5,
        "threads": 3,
        "timeout": 41,
        "graceful_timeout": 17,
        "keepalive": 9,
        "max_requests": 1234,
        "max_requests_jitter": 56,
        "bind": ["127.0.0.1:9999"],
    }
    assert config["wsgi_app"] == "kuasheng.wsgi:application"
    assert config["worker_class"] == "gthread"  # keeps connections alive, unlike the sync worker


def test_gunicorn_reads_the_environment_through_settings():
    env = {**os.environ, "GUNICORN_WORKERS": "3", "GUNICORN_TIMEOUT": "45", "GUNICORN_KEEPALIVE": "7"}
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "--print-config"],
        cwd=CONFIG.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    values = dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)
    values = {name.strip(): value.strip() for name, value in values.items()}
    assert (values["workers"], values["timeout"], values["keepalive"]) == ("3", "45", "7")
    assert values["worker_class"] == "gthread"

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_manage(*args, **env):
    unset = {
        "SECRET_KEY",
        "DEBUG",
        "DATABASE_URL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }  # the last one: browser tests
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_the_development_secret_key():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 60 + "-a-long-random-production-key",
        ALLOWED_HOSTS="kstb.example.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""Gunicorn's configuration: the production web server, `gunicorn -c gunicorn.conf.py kuasheng.wsgi`.

Every figure comes from Django settings (the "Web server (gunicorn)" block of kuasheng/settings.py,
set through GUNICORN_* environment variables, see .env.example), so the server and the portal read
one configuration. A command-line flag still wins over this file (e.g. `--bind` in deploy/cluster.sh).
"""

import os

from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuasheng.settings")

wsgi_app = "kuasheng.wsgi:application"
bind = settings.GUNICORN_BIND
workers = settings.GUNICORN_WORKERS
# gthread even with one thread: the sync worker closes every connection after one request, so a
# proxy or API client could never reuse one (keep-alive), and it pays a TCP handshake per request.
worker_class = "gthread"
threads = settings.GUNICORN_THREADS
timeout = settings.GUNICORN_TIMEOUT
graceful_timeout = settings.GUNICORN_GRACEFUL_TIMEOUT
keepalive = settings.GUNICORN_KEEPALIVE
max_requests = settings.GUNICORN_MAX_REQUESTS
max_requests_jitter = settings.GUNICORN_MAX_REQUESTS_JITTER
# The reverse proxy terminates HTTPS and says so in X-Forwarded-Proto; trust it from the loopback only.
forwarded_allow_ips = "127.0.0.1,::1"
# Errors to stderr; one access-log line per request is the proxy's job (nginx logs them already).
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()

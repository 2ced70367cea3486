#!/usr/bin/env bash
# The portal as several processes on one machine, laid out as it is on several (docs/deploy.md,
# "More than one machine"):
#
#   nginx :PROXY_PORT ──► gunicorn :WEB_PORTS[0]  ┐
#                     └─► gunicorn :WEB_PORTS[1]  ├─ PostgreSQL (DATABASE_URL), Redis (CELERY_BROKER_URL)
#   celery worker -Q handoffs   (handoff delivery, the outbox relay)
#   celery worker -Q default    (deadline sweep, notifications)
#   celery beat                 (exactly one, refused if one already runs from this RUN_DIR)
#
#   deploy/cluster.sh start | stop | status | kill NAME
#
# PostgreSQL and Redis are given, not started: DATABASE_URL and CELERY_BROKER_URL (CACHE_URL too,
# optional). Pid files and logs are under RUN_DIR (default var/cluster): pids/NAME.pid,
# logs/NAME.log. `stop` stops what `start` started there (and nothing else): SIGTERM to each
# process group, SIGKILL after STOP_TIMEOUT seconds. `kill NAME` SIGKILLs one (fault tests).
#
# Settings (environment; defaults in brackets):
#   RUN_DIR [var/cluster]  PROXY_PORT [8840]  WEB_PORTS ["8841 8842"]  WEB_WORKERS [2] (per web process)
#   HANDOFF_CONCURRENCY [2]  DEFAULT_CONCURRENCY [1] (worker processes of each queue's worker)
#   CLUSTER_SETUP [1]: run `setup_portal` and `collectstatic` before starting (0: the database is ready)
#   DEBUG [0]  SECRET_KEY [a random one kept in RUN_DIR]  ALLOWED_HOSTS [127.0.0.1,localhost]
#   SECURE_SSL_REDIRECT [0 here: this nginx listens on plain HTTP on the loopback; in production
#   the proxy terminates HTTPS and it stays on]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUN_DIR="${RUN_DIR:-$ROOT/var/cluster}"
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
PIDS="$RUN_DIR/pids"
LOGS="$RUN_DIR/logs"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
PROXY_PORT="${PROXY_PORT:-8840}"
read -r -a WEB_PORT_LIST <<<"${WEB_PORTS:-8841 8842}"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"
# Stopped in this order: no new requests first, then the web, then what queues work, then workers.
WEB_NAMES=()
for n in "${!WEB_PORT_LIST[@]}"; do WEB_NAMES+=("web-$((n + 1))"); done
NAMES_IN_STOP_ORDER=(nginx "${WEB_NAMES[@]}" beat worker-default worker-handoffs)

# A pid file holds the pid and the process's start time (/proc/PID/stat, field 22): after a crash or
# a reboot the pid may belong to another program, which must never be signalled.
started_at() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }
pid_of() { local pid _rest; read -r pid _rest <"$PIDS/$1.pid" && echo "$pid"; }
alive() {
  local pid started
  [[ -f "$PIDS/$1.pid" ]] && read -r pid started <"$PIDS/$1.pid" || return 1
  kill -0 "$pid" 2>/dev/null && [[ -n "$started" && "$(started_at "$pid")" == "$started" ]]
}

launch() { # NAME COMMAND…: in a session of its own (so stop reaches its children), logged, pid kept
  local name="$1"
  shift
  if alive "$name"; then
    echo "$name already runs (pid $(pid_of "$name"))" >&2
    return 1
  fi
  # A fresh log: the readiness checks read it, and must not find the line of an earlier run.
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo "$! $(started_at $!)" >"$PIDS/$name.pid"
}

wait_until() { # SECONDS WHAT COMMAND…
  local seconds="$1" what="$2"
  shift 2
  for _ in $(seq $((seconds * 10))); do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "timed out after ${seconds}s waiting for $what (logs in $LOGS)" >&2
  return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
worker_ready() { grep -q " ready\." "$LOGS/$1.log"; }

environment() {
  : "${DATABASE_URL:?set DATABASE_URL (PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/kuasheng_cluster)}"
  : "${CELERY_BROKER_URL:?set CELERY_BROKER_URL (Redis, e.g. redis://127.0.0.1:6379/12)}"
  if [[ -z "${SECRET_KEY:-}" ]]; then
    [[ -f "$RUN_DIR/secret_key" ]] || "$PYTHON" -c "import secrets; print(secrets.token_urlsafe(50))" >"$RUN_DIR/secret_key"
    SECRET_KEY="$(cat "$RUN_DIR/secret_key")"
  fi
  export DATABASE_URL CELERY_BROKER_URL SECRET_KEY
  export DEBUG="${DEBUG:-0}" ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
  export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-0}" DJANGO_SETTINGS_MODULE=kuasheng.settings
  export DATABASE_CONN_MAX_AGE="${DATABASE_CONN_MAX_AGE:-60}"
}

nginx_conf() {
  local servers=""
  for port in "${WEB_PORT_LIST[@]}"; do servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'; done
  mkdir -p "$RUN_DIR/nginx"
  cat >"$RUN_DIR/nginx.conf" <<EOF
# Written by deploy/cluster.sh; the production equivalent is in docs/deploy.md.
daemon off;
worker_processes 1;
pid $RUN_DIR/nginx/nginx.pid;
error_log $LOGS/nginx-error.log warn;
$([[ $(id -u) == 0 ]] && echo "user root;")
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log $LOGS/nginx-access.log;
    client_body_temp_path $RUN_DIR/nginx/body;
    proxy_temp_path $RUN_DIR/nginx/proxy;
    fastcgi_temp_path $RUN_DIR/nginx/fastcgi;
    uwsgi_temp_path $RUN_DIR/nginx/uwsgi;
    scgi_temp_path $RUN_DIR/nginx/scgi;
    client_max_body_size 25m;  # MATERIAL_MAX_BYTES (20 MB) and the form around it
    upstream kuasheng_web {
$servers        keepalive 16;  # reuse connections to gunicorn (gthread keeps them alive)
        # Shorter than gunicorn's keep-alive (GUNICORN_KEEPALIVE, 5 s): nginx must drop an idle
        # connection before gunicorn closes it, or it may send a request into a closing one (502).
        keepalive_timeout 4s;
    }
    server {
        listen 127.0.0.1:$PROXY_PORT;
        location / {
            proxy_pass http://kuasheng_web;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;  # with the port: the API's links point back here
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_next_upstream error timeout http_502;  # a web process restarting: try the other
            proxy_read_timeout 60s;
        }
    }
}
EOF
}

start() {
  environment
  mkdir -p "$PIDS" "$LOGS"
  if alive beat; then
    echo "a cluster already runs from $RUN_DIR (beat pid $(pid_of beat)); stop it first" >&2
    exit 1
  fi
  if [[ "${CLUSTER_SETUP:-1}" == 1 ]]; then
    "$PYTHON" manage.py setup_portal >>"$LOGS/setup.log" 2>&1
    "$PYTHON" manage.py collectstatic --noinput >>"$LOGS/setup.log" 2>&1
  fi
  local n=0
  for port in "${WEB_PORT_LIST[@]}"; do
    n=$((n + 1))
    GUNICORN_WORKERS="${WEB_WORKERS:-2}" launch "web-$n" "$PYTHON" -m gunicorn -c gunicorn.conf.py --bind "127.0.0.1:$port"
  done
  local celery=("$PYTHON" -m celery -A kuasheng)
  launch worker-handoffs "${celery[@]}" worker -Q handoffs -n "handoffs@%h" --loglevel=INFO \
    --concurrency="${HANDOFF_CONCURRENCY:-2}" --without-gossip --without-mingle
  launch worker-default "${celery[@]}" worker -Q default -n "default@%h" --loglevel=INFO \
    --concurrency="${DEFAULT_CONCURRENCY:-1}" --without-gossip --without-mingle
  launch beat "${celery[@]}" beat --loglevel=INFO --schedule="$RUN_DIR/beat-schedule" \
    --pidfile="$RUN_DIR/beat.celery.pid"
  nginx_conf
  launch nginx nginx -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx.conf"

  for port in "${WEB_PORT_LIST[@]}"; do wait_until 60 "gunicorn on port $port" port_open "$port"; done
  wait_until 60 "the handoffs worker" worker_ready worker-handoffs
  wait_until 60 "the default worker" worker_ready worker-default
  wait_until 20 "nginx on port $PROXY_PORT" port_open "$PROXY_PORT"
  status
}

stop() {
  local name pid
  local -A ours=() # the processes verified as this cluster's (pid and start time) just now
  for name in "${NAMES_IN_STOP_ORDER[@]}"; do
    # To the leader only: gunicorn, nginx and the Celery worker each stop their own children
    # gracefully (a worker finishes its task; acks-late re-queues what it could not).
    if alive "$name"; then
      ours[$name]="$(pid_of "$name")"
      kill -TERM "${ours[$name]}" 2>/dev/null || true
    fi
  done
  for name in "${NAMES_IN_STOP_ORDER[@]}"; do
    [[ -f "$PIDS/$name.pid" ]] || continue
    if [[ -z "${ours[$name]:-}" ]]; then # not running when stop began: a stale file, never signalled
      rm -f "$PIDS/$name.pid"
      echo "$name was not running (stale pid file removed)"
      continue
    fi
    pid="${ours[$name]}"
    for _ in $(seq $((STOP_TIMEOUT * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$name did not stop in ${STOP_TIMEOUT}s: SIGKILL" >&2
    fi
    # Its session (setsid at launch, verified ours above): the leader if it is still there, and any
    # pool process that would outlive it. A session's id is not reused while a member lives.
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$PIDS/$name.pid"
    echo "stopped $name"
  done
}

kill_one() {
  local name="${1:?kill NAME (one of ${NAMES_IN_STOP_ORDER[*]})}"
  alive "$name" || { echo "$name does not run" >&2; return 1; }
  kill -KILL -- "-$(pid_of "$name")"
  rm -f "$PIDS/$name.pid"
  echo "killed $name"
}

status() {
  local name running=0
  for name in "${NAMES_IN_STOP_ORDER[@]}"; do
    if alive "$name"; then
      running=$((running + 1))
      echo "$name: running (pid $(pid_of "$name"), log $LOGS/$name.log)"
    else
      echo "$name: not running"
    fi
  done
  if alive nginx; then
    echo "proxy: http://127.0.0.1:$PROXY_PORT/ ($(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PROXY_PORT/api/v1/departments/" || echo no answer) from /api/v1/departments/)"
  fi
  [[ $running -gt 0 ]]
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill) kill_one "${2:-}" ;;
  *)
    echo "usage: $0 start|stop|status|kill NAME" >&2
    exit 2
    ;;
esac

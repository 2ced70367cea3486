#!/usr/bin/env bash
# Every figure of docs/benchmarks.md, one script after another (about 20 minutes on 2 cores), each
# printing what it measured in its own run. Output: var/benchmarks/<name>.txt.
#
#   make bench                      # after the one-time 1 M database below
#
# The lists and the deadline sweep read a 1 M-case PostgreSQL database, made once (about 8 minutes):
#   createdb -h 127.0.0.1 -U postgres kuasheng_bench
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/kuasheng_bench .venv/bin/python manage.py setup_portal --demo
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/kuasheng_bench .venv/bin/python manage.py generate_cases
# The throughput scripts drop and create their own database (kuasheng_throughput); the catalogue's
# uses a SQLite file under var/. Run on a quiet machine: these are rates, and they share the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=var/benchmarks
BENCH_1M="${BENCH_1M_URL:-postgres://postgres@127.0.0.1:5432/kuasheng_bench}"
mkdir -p "$OUT"
run() { local name=$1; shift; echo "== $name: $*"; "$@" 2>&1 | tee "$OUT/$name.txt"; }

run catalogue-local $PY benchmarks/catalogue_reads.py --duration 5 --rounds 2 --no-cache
run catalogue-redis $PY benchmarks/catalogue_reads.py --duration 5 --rounds 2 --no-cache --cache redis
run case-lists env DATABASE_URL="$BENCH_1M" $PY benchmarks/case_lists.py --repeat 30 --plans "$OUT/plans-1M.md"
run flag-deadlines env DATABASE_URL="$BENCH_1M" $PY benchmarks/flag_deadlines.py
run registrations $PY benchmarks/registrations.py --seconds 15
run actions $PY benchmarks/actions.py --seconds 15
run handoffs $PY benchmarks/handoff_throughput.py --messages 1000 --workers 1,2,4

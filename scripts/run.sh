#!/usr/bin/env bash
# Serves the tutor the way `make run` promises: uvicorn (pages and the browser
# terminal's WebSockets, tutor/serve.py) on 127.0.0.1:$PORT, a real Celery worker
# process, a worker for live lab checks and the beat scheduler (the reaper) beside
# it, stopped together. SIGTERM (compose, systemd, a test's teardown) or Ctrl-C
# stops them all within ~10 s, whether it reaches this script alone or the
# whole process group.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PORT=${PORT:-8000}
BIND=${TUTOR_BIND:-127.0.0.1}
WEB_WORKERS=${TUTOR_WEB_WORKERS:-2}
CELERY_CONCURRENCY=${TUTOR_WORKER_CONCURRENCY:-2}
LIVE_CONCURRENCY=${TUTOR_LIVE_CONCURRENCY:-8}
DATA=${TUTOR_DATA_DIR:-var}
mkdir -p "$DATA"

pids=()
stop() {
  trap - TERM INT EXIT
  kill -TERM "${pids[@]}" 2>/dev/null
  # A worker finishes its current task in a warm shutdown; what is still
  # running after 6 s is killed (a lab submission it held goes back to the
  # queue through the reaper).
  for _ in $(seq 1 30); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  kill -KILL "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
}
trap stop EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

"$VENV/bin/celery" -A tutor worker --loglevel=INFO --concurrency="$CELERY_CONCURRENCY" \
  --without-gossip --without-mingle &
pids+=($!)
# Live lab checks (the "live" queue): each run waits on the API server for
# minutes, so a thread pool holds them, apart from the grading worker's slots.
"$VENV/bin/celery" -A tutor worker -Q live -P threads --concurrency="$LIVE_CONCURRENCY" \
  -n "live@%h" --loglevel=INFO --without-gossip --without-mingle &
pids+=($!)
# Students' own clusters (untrusted: they may answer slowly, or not at all) are
# graded and tested by a worker of their own, so the class's cluster keeps flowing.
"$VENV/bin/celery" -A tutor worker --loglevel=INFO --concurrency=1 -Q student-clusters \
  -n student-clusters@%h --without-gossip --without-mingle &
pids+=($!)
# The periodic reaper: one beat per machine. A separate process, because a beat
# embedded in the worker (--beat) ignores SIGTERM for a minute.
"$VENV/bin/celery" -A tutor beat --schedule "$DATA/celerybeat-schedule" --loglevel=INFO &
pids+=($!)
TUTOR_BIND="$BIND" PORT="$PORT" TUTOR_WEB_WORKERS="$WEB_WORKERS" \
  "$VENV/bin/python" -m tutor.serve &
pids+=($!)
# Whichever process ends first ends the others (the EXIT trap).
wait -n "${pids[@]}"

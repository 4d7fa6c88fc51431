#!/usr/bin/env bash
# Serves the tutor the way `make run` promises: gunicorn on 127.0.0.1:$PORT
# and a real Celery worker process beside it, stopped together.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PORT=${PORT:-8000}
BIND=${TUTOR_BIND:-127.0.0.1}
WEB_WORKERS=${TUTOR_WEB_WORKERS:-2}
CELERY_CONCURRENCY=${TUTOR_WORKER_CONCURRENCY:-2}

# --beat runs the periodic reaper inside this one worker (one per machine is enough).
"$VENV/bin/celery" -A tutor worker --beat --schedule "${TUTOR_DATA_DIR:-var}/celerybeat-schedule" \
  --loglevel=INFO --concurrency="$CELERY_CONCURRENCY" &
worker=$!
stop() {
  kill -TERM "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

"$VENV/bin/gunicorn" tutor.wsgi:application \
  --bind "$BIND:$PORT" --workers "$WEB_WORKERS" --threads 4 \
  --access-logfile - --error-logfile - --graceful-timeout 10 &
web=$!
# Whichever process ends first ends the other (trap stop on exit).
wait -n "$worker" "$web"

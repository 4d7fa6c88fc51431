#!/usr/bin/env bash
# The classroom suite a second time, as a classroom deployment runs: on a real
# PostgreSQL server (scripts/postgres.py: self-contained, 127.0.0.1:$TUTOR_PG_PORT)
# and a real Redis, with the real worker processes the lab tests start.
# Both servers are stopped afterwards, pass or fail. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
started=$SECONDS

workdir=$(mktemp -d "${TMPDIR:-/tmp}/tutor-classroom-tests-XXXXXX")
redis_pid=""
cleanup() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  python3 scripts/postgres.py stop || true
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

database_url=$(python3 scripts/postgres.py start --no-fsync)
redis_port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --dir "$workdir" \
  --protected-mode yes >"$workdir/redis.log" 2>&1 &
redis_pid=$!
"$PY" - "$redis_port" <<'WAIT'
import socket, sys, time
deadline = time.monotonic() + 20
while socket.socket().connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0:
    if time.monotonic() > deadline:
        sys.exit("redis-server did not start")
    time.sleep(0.05)
WAIT

echo "classroom suite on PostgreSQL (127.0.0.1:${TUTOR_PG_PORT:-25432}) and Redis (127.0.0.1:$redis_port)"
status=0
TUTOR_TEST_DATABASE_URL=$database_url TUTOR_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0" \
  "$PY" -m pytest -m classroom "$@" || status=$?
echo "classroom suite on PostgreSQL: $((SECONDS - started)) s in all"
exit $status

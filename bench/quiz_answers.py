"""Quiz answer checks under the tutor's server (uvicorn, 2 workers), next to the chapter page from the same run.

What it measures, honestly: answering is idempotent, so POSTing the same
answer twice would only measure the cheap "already answered" path. Before
the run, STUDENTS learners each start an attempt at the Services quiz (10
questions drawn from its bank of 13, the real mix of types, manifest
questions included) and wrk's Lua script sends each (attempt, question)
answer once, as htmx does: parse, score, record, render the feedback
partial and the progress swapped out of band. The pool is large enough
that the timed run never answers a question twice (the table says how many
answers were fresh). A second run replays the same requests: every one
is then the idempotent repeat. Each student has their own session cookie;
the CSRF token is a fixed secret in cookie and header, as Django allows.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.http import REPO, login_cookie, tutor

STUDENTS = 500
CHAPTER = "/chapters/services/"
CSRF = "benchcsrfbenchcsrfbenchcsrfbench"  # 32 characters: a valid unmasked secret
SECONDS = 8
CONNECTIONS = 8

_PREPARE = """
import json, sys
import django
django.setup()
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from quizzes.models import Quiz
from quizzes.services import quiz_attempt_start

quiz = Quiz.objects.get(chapter__slug="services")
out = []
for n in range(int(sys.argv[1])):
    user, _ = User.objects.get_or_create(username=f"bench-{n}")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    attempt, _ = quiz_attempt_start(user=user, quiz=quiz)
    for question in quiz.questions.filter(pk__in=attempt.question_ids):
        order = attempt.option_orders.get(str(question.pk), [])
        data = question.data
        if question.type in ("single", "multiple"):
            fields = {"option": order[0]}
        elif question.type == "true_false":
            fields = {"answer": "true"}
        elif question.type in ("short_answer", "command"):
            fields = {"text": data["accept"][0]}
        elif question.type == "ordering":
            fields = {f"position-{item}": str(i + 1) for i, item in enumerate(order)}
        else:
            fields = {"manifest": data["starter"]}
        out.append({"path": f"/quizzes/attempts/{attempt.pk}/questions/{question.pk}/answer",
                    "session": session.session_key, "fields": fields})
json.dump(out, sys.stdout)
"""

_LUA = """
local token = "%(csrf)s"
local requests = %(requests)s
local i = 0
request = function()
  i = i + 1
  local r = requests[((i - 1) %% #requests) + 1]
  return wrk.format("POST", r[1], {
    ["Cookie"] = "sessionid=" .. r[2] .. "; csrftoken=" .. token,
    ["X-CSRFToken"] = token,
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, r[3])
end
done = function(summary, latency, requests)
  io.write(string.format("p50_us %%d\\np95_us %%d\\np99_us %%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""

_GET_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("p50_us %d\\np95_us %d\\np99_us %d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class Row:
    label: str
    requests: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string literal for this text


def _urlencode(fields: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


def _run_wrk(label: str, url: str, script: Path, headers: dict[str, str] | None = None) -> Row:
    extra = [arg for k, v in (headers or {}).items() for arg in ("-H", f"{k}: {v}")]
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", str(script), *extra, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    percentile = {k: int(v) / 1000 for k, v in re.findall(r"^(p\d+)_us (\d+)$", out, re.MULTILINE)}
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Row(
        label=label,
        requests=total,
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=percentile["p50"],
        p95_ms=percentile["p95"],
        p99_ms=percentile["p99"],
        errors=errors,
    )


def _count_responses(env: dict[str, str]) -> int:
    code = "import django; django.setup(); from quizzes.models import Response; print(Response.objects.count())"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def run() -> bool:
    with tempfile.TemporaryDirectory(prefix="tutor-bench-quiz-") as tmp:
        data_dir = Path(tmp)
        env = {
            **os.environ,
            "TUTOR_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "tutor.settings",
        }
        with tutor(data_dir, _free_port()) as url:
            prepared = subprocess.run(
                [sys.executable, "-c", _PREPARE, str(STUDENTS)], cwd=REPO, env=env,
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            answers = json.loads(prepared)
            entries = ",\n".join(
                f"{{{_lua_string(a['path'])}, {_lua_string(a['session'])}, "
                f"{_lua_string(_urlencode(a['fields']))}}}"
                for a in answers
            )
            script = data_dir / "answers.lua"
            script.write_text(_LUA % {"csrf": CSRF, "requests": "{\n" + entries + "\n}"})
            get_script = data_dir / "get.lua"
            get_script.write_text(_GET_LUA)
            password = (data_dir / "learner-password").read_text().strip()
            cookie = login_cookie(url, "learner", password)

            _run_wrk("warm-up", f"{url}{CHAPTER}", get_script)
            anonymous = _run_wrk(
                f"chapter page {CHAPTER}, anonymous", f"{url}{CHAPTER}", get_script
            )
            page = _run_wrk(
                "same page, logged in", f"{url}{CHAPTER}", get_script, {"Cookie": cookie}
            )
            fresh = _run_wrk("quiz answer check, first answer (htmx)", url, script)
            recorded = _count_responses(env)
            repeat = _run_wrk("same answers again (idempotent repeat)", url, script)
    rows = [anonymous, page, fresh, repeat]
    print()
    print(f"Quiz answers: uvicorn (tutor/serve.py), 2 workers x 4 threads, SQLite; {len(answers)} prepared answers "
          f"({STUDENTS} students x 10 questions of the Services bank)")  # fmt: skip
    print(
        f"{'what':42} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    for r in rows:
        print(
            f"{r.label:42} {r.requests:9d} {r.requests_per_second:8.0f} {r.p50_ms:8.2f} "
            f"{r.p95_ms:8.2f} {r.p99_ms:8.2f} {r.errors:7d}"
        )
    print(
        f"fresh answers recorded in the first answer run: {recorded} of {fresh.requests} requests"
    )
    ok = all(r.errors == 0 for r in rows) and fresh.requests <= len(answers)
    if fresh.requests > len(answers):
        print("(the pool ran out: raise STUDENTS so that every timed answer is a first answer)")
    return ok

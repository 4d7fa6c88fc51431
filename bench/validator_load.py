"""Page latency while anonymous clients hammer the as-you-type validator.

The hardening issue measured it before: eight anonymous clients sending 256 KiB
of `{}\\n---\\n` raised a chapter page's latency from 15 ms to 5.6 s. Here, in
one run, on the tutor as `make run` serves it (tutor/serve.py, 2 web processes):

- reference: the chapter page alone (wrk, 4 connections);
- the same page while 8 clients post that body as fast as they can, all
  from one address (the per-client limit, set to 30 a minute here so that it
  bites within the run, answers 429 without reading the body);
- the same with each client at an address of its own (X-Forwarded-For with
  one trusted proxy): each has its own 30; what remains is the cost of each
  check (mostly Django reading a 256 KiB form), which the caps bound;
- the same with the limit off, to show what the caps alone do.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.http import Load, table, tutor, wrk

CHAPTER = "/chapters/kubernetes-building-blocks/"
EXERCISE = "/chapters/kubernetes-building-blocks/exercises/nginx-deployment/"
AMPLIFIER = "{}\n---\n" * (256 * 1024 // 7 - 10)
HAMMERS = 8
SECONDS = 8


@dataclass
class Hammer:
    sent: int = 0
    refused: int = 0
    answer_bytes: list[int] = field(default_factory=list)


def _hammer(url: str, address: str | None, stop: threading.Event, out: Hammer) -> None:
    with urllib.request.urlopen(url + EXERCISE) as response:  # noqa: S310 (loopback)
        cookie = response.headers.get("Set-Cookie", "").split(";")[0]
    token = cookie.split("=", 1)[1] if "=" in cookie else ""
    body = urllib.parse.urlencode({"manifest": AMPLIFIER}).encode()
    headers = {"Cookie": cookie, "X-CSRFToken": token, "Referer": url + EXERCISE}
    if address:
        headers["X-Forwarded-For"] = address
    while not stop.is_set():
        request = urllib.request.Request(url + EXERCISE + "validate", data=body, headers=headers)  # noqa: S310
        out.sent += 1
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
                out.answer_bytes.append(len(response.read()))
        except urllib.error.HTTPError as exc:
            exc.read()
            if exc.code == 429:
                out.refused += 1


def _under_load(url: str, label: str, distinct: bool) -> tuple[Load, Hammer]:
    stop = threading.Event()
    total = Hammer()
    hammers = [Hammer() for _ in range(HAMMERS)]
    threads = [
        threading.Thread(
            target=_hammer, args=(url, f"198.51.100.{i + 1}" if distinct else None, stop, h)
        )
        for i, h in enumerate(hammers)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1)
    try:
        load = wrk(label, url + CHAPTER, seconds=SECONDS, connections=4)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
    for h in hammers:
        total.sent += h.sent
        total.refused += h.refused
        total.answer_bytes += h.answer_bytes
    return load, total


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run() -> bool:
    rows: list[Load] = []
    notes: list[str] = []
    for limit in ("30", "0"):
        env = {"TUTOR_TRUSTED_PROXY_COUNT": "1", "TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS": limit}
        with (
            tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp,
            tutor(Path(tmp), _port(), workers=2, env=env) as url,
        ):
            if limit != "0":
                reference = wrk("chapter page alone (reference)", url + CHAPTER, seconds=SECONDS, connections=4)  # fmt: skip
                rows.append(reference)
                cases = [("8 hammers, one address", False), ("8 hammers, 8 addresses", True)]
            else:
                cases = [("8 hammers, 8 addresses, no limit (caps only)", True)]
            for label, distinct in cases:
                load, hammer = _under_load(url, label, distinct)
                rows.append(load)
                biggest = max(hammer.answer_bytes, default=0)
                notes.append(
                    f"{label}: {hammer.sent} checks sent, {hammer.refused} answered 429, "
                    f"largest answer {biggest / 1024:.1f} KiB"
                )
    print(table("Chapter page while anonymous clients hammer the validator (256 KiB of `{}\\n---\\n` each)", rows, rows[0]))  # fmt: skip
    for note in notes:
        print("  " + note)
    print(
        "  before the hardening (issue 17): 15 ms alone, 5.6 s with 8 hammers; answers up to 12 MB"
    )
    print()
    return all(row.errors == 0 for row in rows)

"""`make bench`: run every benchmark and print its table."""

from __future__ import annotations

import sys

from bench import (
    chapter_pages,
    classroom,
    labs,
    live,
    manifests,
    quiz_answers,
    terminal,
    validator_load,
)


def main() -> int:
    ok = chapter_pages.run()
    ok = quiz_answers.run() and ok
    ok = manifests.run() and ok
    ok = validator_load.run() and ok
    ok = labs.run() and ok
    ok = live.run() and ok
    ok = classroom.run() and ok
    ok = terminal.run() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

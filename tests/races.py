"""Real races on a real database: many connections at once, rows committed for real.

A race needs rows that other connections see, but a test's own connection
sits in the transaction pytest-django rolls back (and a transactional test
would flush the course loaded once per run). So the `committed` fixture
runs writes on a connection of their own, in a short-lived thread, and
deletes what they made afterwards; the test's connection only reads, which
under PostgreSQL's READ COMMITTED sees every committed row.

SQLite runs one write transaction at a time (the tutor opens them
IMMEDIATE), so these races only exist on PostgreSQL and the tests skip
elsewhere. `make test` runs them on PostgreSQL (scripts/classroom-tests.sh).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from django.db import connection, connections

T = TypeVar("T")


def at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``count`` threads released together, each on its own connection."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


class Committed:
    """Runs a write on its own connection (committed at once); remembers rows to delete."""

    def __init__(self) -> None:
        self.rows: list[Any] = []

    def __call__(self, work: Callable[[], T]) -> T:
        return at_once(1, lambda _: work())[0]

    def keep(self, work: Callable[[], T]) -> T:
        row = self(work)
        self.rows.append(row)
        return row


@pytest.fixture
def committed(db) -> Iterator[Committed]:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("races need concurrent write transactions: PostgreSQL only")
    made = Committed()
    yield made
    # Students first: their attempts and responses go with them, and then
    # nothing protects the questions made for the test, nor their quiz.
    rows = sorted(reversed(made.rows), key=lambda row: type(row).__name__ != "User")
    for row in rows:
        made(lambda row=row: _delete(row))


def _delete(row: Any) -> None:
    if type(row).__name__ == "Quiz":
        row.questions.all().delete()
    type(row).objects.filter(pk=row.pk).delete()

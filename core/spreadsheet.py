"""CSV that a spreadsheet opens as data: no cell is ever run as a formula.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or line break before one) as a formula: "CSV
injection". Usernames, option texts and section names are typed by students
and instructors, so every export writes through ``csv_writer``, which quotes
such a cell with a leading apostrophe (OWASP's advice): the spreadsheet shows
the text, and runs nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

# Full-width forms too: some spreadsheets fold them into the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def csv_safe(value: Any) -> Any:
    """Text that would run is quoted; numbers are written as numbers (pass a Decimal for -1.00)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through ``csv_safe``."""

    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_safe(cell) for cell in row])


def csv_writer(out: _Writable) -> SafeCsvWriter:
    return SafeCsvWriter(out)

"""CronJob schedules compared by the times they fire, not by how they are spelt.

`*/5 * * * *`, `0/5 * * * *`, `0-59/5 * * * *`, `0,5,10,...,55 * * * *` and
the same with extra spaces all fire at the same minutes. A schedule is read
the way the CronJob controller reads it (standard five fields, names of
months and days, `7` for Sunday, the `@hourly` family) and turned into the
sets of minutes, hours, days and months it matches.
"""

from __future__ import annotations

from dataclasses import dataclass

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
# (lowest, highest, names) per field: minute, hour, day of month, month, day of week.
_FIELDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (0, 7, _DAYS),
)  # fmt: skip


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    # When both the day of month and the day of week are restricted, a run
    # happens on either; when one of them is `*`, both must hold.
    either_day: bool


def parse_schedule(text: object) -> Schedule | None:
    """The times a schedule fires; None when the CronJob controller would refuse it."""
    if not isinstance(text, str):
        return None
    spec = " ".join(text.split())
    spec = _MACROS.get(spec.lower(), spec)
    fields = spec.split(" ")
    if len(fields) != 5:
        return None
    sets = []
    stars = []
    for field, (low, high, names) in zip(fields, _FIELDS, strict=True):
        values = _field(field.lower(), low, high, names)
        if values is None:
            return None
        sets.append(values)
        stars.append(field.startswith(("*", "?")))
    weekdays = frozenset(0 if d == 7 else d for d in sets[4])
    return Schedule(
        minutes=sets[0],
        hours=sets[1],
        days=sets[2],
        months=sets[3],
        weekdays=weekdays,
        either_day=not stars[2] and not stars[4],
    )


def _field(field: str, low: int, high: int, names: dict[str, int]) -> frozenset[int] | None:
    values: set[int] = set()
    for part in field.split(","):
        if not part:
            return None
        step = 1
        if "/" in part:
            part, _sep, step_text = part.partition("/")
            if not step_text.isdigit() or int(step_text) == 0:
                return None
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            first, _sep, last = part.partition("-")
            start_or_none, end_or_none = _value(first, names), _value(last, names)
            if start_or_none is None or end_or_none is None:
                return None
            start, end = start_or_none, end_or_none
        else:
            single = _value(part, names)
            if single is None:
                return None
            # `5/15` means from 5 to the end, every 15.
            start, end = single, (high if step > 1 else single)
        if not low <= start <= end <= high:
            return None
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int]) -> int | None:
    if text.isdigit():
        return int(text)
    return names.get(text)


def same_schedule(actual: object, expected: object) -> bool:
    a, b = parse_schedule(actual), parse_schedule(expected)
    return a is not None and a == b

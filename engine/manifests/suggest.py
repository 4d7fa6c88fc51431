""" "Did you mean ...?": the closest known name to a misspelt one, cheaply.

A file can hold thousands of unknown keys; each suggestion compares one word
with at most a few hundred names (a schema's fields, the API's kinds). Words
are compared only when their length is that of a real name, each distinct
question is answered once per process, and a case-only difference is found
before any fuzzy matching.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

# The longest field or kind name in the Kubernetes API has fewer characters.
MAX_WORD = 64


def closest(word: str, names: tuple[str, ...], *, cutoff: float = 0.6) -> str | None:
    """The known name ``word`` most likely meant, or None."""
    if not word or len(word) > MAX_WORD:
        return None
    return _closest(word, names, cutoff)


@lru_cache(maxsize=4096)
def _closest(word: str, names: tuple[str, ...], cutoff: float) -> str | None:
    lowered = word.lower()
    for name in names:
        if name.lower() == lowered:
            return name
    # Names of very different length cannot be close: skip them before difflib does.
    near = [n for n in names if abs(len(n) - len(word)) <= max(3, len(word) // 2)]
    found = difflib.get_close_matches(word, near, n=1, cutoff=cutoff)
    return found[0] if found else None

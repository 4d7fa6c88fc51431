"""Any bytes in: findings or one clear error, never an exception, never a hang.

Hypothesis generates 12,000 inputs in all: raw bytes, arbitrary text, and
YAML-shaped text built from the tokens that break parsers (indentation,
anchors and aliases, tags, flow brackets, quotes, document markers).
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.manifests import validate_text

# A hang guard, not a speed target (bench/manifests.py measures speed): generous enough
# that a loaded CI machine never trips it, far below what a runaway parse would take.
LIMIT_SECONDS = 5.0
FUZZ = settings(
    max_examples=4000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

TOKENS = [
    "apiVersion: v1\n", "apiVersion: apps/v1\n", "kind: Pod\n", "kind: Deployment\n",
    "kind: Service\n", "kind: Secret\n", "metadata:\n", "  name: x\n", "  labels:\n",
    "spec:\n", "  replicas: 3\n", "  selector:\n", "    matchLabels:\n", "      app: web\n",
    "  containers:\n", "  - name: c\n", "    image: nginx\n", "    ports:\n",
    "    - containerPort: 80\n", "data:\n", "  k: v\n", "---\n", "...\n", "- ", "  ", "\t",
    ": ", ":", "&a ", "*a", "*b", "&b ", "!!python/object:os.system ", "!!str ", "!!binary ",
    "!tag ", "[", "]", "{", "}", ",", "'", '"', "\\", "#", "|\n", ">\n", "<<: *a\n", "? ",
    "\n", "null", "~", "1e400", "-1", "0x1F", "2024-01-01", "yes", "on", "\u00e9", "\x00",
    "\ufeff", "%YAML 1.1\n", "%TAG ! tag:x,2024:\n",
]  # fmt: skip


# The first message in a process loads the translation catalogues (engine.i18n calls
# Django's gettext): done once here, not inside a timed example.
validate_text("kind: Pod\n")


def check(text: str) -> None:
    started = time.perf_counter()
    result = validate_text(text)
    elapsed = time.perf_counter() - started
    assert elapsed < LIMIT_SECONDS, f"{elapsed:.2f}s for {text[:200]!r}"
    for finding in result.all_findings:
        assert finding.line >= 1 and finding.column >= 1
        assert finding.severity in ("error", "warning")
        assert finding.message


@FUZZ
@given(st.binary(max_size=2000))
def test_bytes(raw: bytes) -> None:
    check(raw.decode("utf-8", errors="replace"))


@FUZZ
@given(st.text(max_size=2000))
def test_text(text: str) -> None:
    check(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=120))
def test_yaml_shaped(tokens: list[str]) -> None:
    check("".join(tokens))

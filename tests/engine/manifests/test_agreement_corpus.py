"""The validator's verdict agrees with the API server's on the whole course corpus.

Every manifest in the chapters, exercises and labs, the mistakes they record,
and mutations of them (a typo in a key, a word where a number belongs, a
missing image, lost indentation) go through the validator and through
``kubectl apply --dry-run=server --validate=strict`` on the local control
plane. Both must accept, or both must refuse. Where they differ on purpose,
ALLOWED says why; an entry that no longer differs fails too, so the list
stays true.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine.manifests import validate_text
from tests.cluster.fixtures import Cluster
from tests.engine.manifests.agreement_corpus import corpus

pytestmark = pytest.mark.cluster

# name pattern (regex, matched against the case's name) -> why the verdicts differ.
ALLOWED: dict[str, str] = {
    r"09-services/exercises/nodeport-service:mistake1": (
        "nodePort 80 is outside 30000-32767: a dry run skips the NodePort allocator, a real "
        "create refuses it (test_validator_vs_server.py creates it for real); the validator "
        "refuses it as the real apply would"
    ),
    r"gap:generate-name": (
        "`kubectl apply` refuses generateName without a name, `kubectl create` accepts it: the "
        "validator cannot know which command the student will run, so it warns (generate-name)"
    ),
}
_NAMESPACE = re.compile(r"^(\s+namespace:) \S+$", re.M)


def _allowed(name: str) -> str | None:
    for pattern, reason in ALLOWED.items():
        if re.fullmatch(pattern, name):
            return reason
    return None


def test_the_validator_agrees_with_the_api_server_on_the_course_corpus(
    cluster: Cluster, namespace: str
):
    cases = corpus()
    assert len(cases) > 100, "the corpus should hold every manifest the course ships"

    def server(text: str) -> tuple[bool, str]:
        done = cluster.run_kubectl(
            "apply", "--dry-run=server", "--validate=strict", "-n", namespace, "-f", "-",
            stdin=_NAMESPACE.sub(rf"\1 {namespace}", text),
        )  # fmt: skip
        return done.returncode == 0, done.stderr.strip()

    with ThreadPoolExecutor(max_workers=3) as pool:
        verdicts = list(pool.map(lambda case: server(case[1]), cases))
    disagreements, stale = [], []
    for (name, text), (accepted, stderr) in zip(cases, verdicts, strict=True):
        ours = validate_text(text)
        reason = _allowed(name)
        if ours.valid != accepted and reason is None:
            errors = [f"{f.line}: {f.message}" for f in ours.all_findings if f.severity == "error"]
            disagreements.append(
                f"{name}: server {'accepts' if accepted else 'refuses'} ({stderr[:300]}); "
                f"validator {'accepts' if ours.valid else 'refuses'} {errors[:3]}"
            )
        elif ours.valid == accepted and reason is not None:
            stale.append(f"{name}: listed in ALLOWED ({reason}) but both now agree")
    assert not disagreements, "\n".join(disagreements)
    assert not stale, "\n".join(stale)

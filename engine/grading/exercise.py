"""Grading a manifest against an exercise: the validator's findings, then its rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.assertions import Rule, RuleResult, evaluate
from engine.manifests import Finding, validate_text


@dataclass
class ExerciseOutcome:
    findings: list[Finding]
    rule_results: list[RuleResult] = field(default_factory=list)
    # Every rule's points, also when the manifest could not be read and no rule ran.
    max_points: int = 0

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def passed(self) -> bool:
        return self.valid and all(r.passed for r in self.rule_results)

    @property
    def score(self) -> int:
        return sum(r.points for r in self.rule_results) if self.valid else 0

    @property
    def max_score(self) -> int:
        return max(self.max_points, sum(r.max_points for r in self.rule_results))

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "passed": self.passed,
            "score": self.score,
            "max_score": self.max_score,
            "findings": [f.as_dict() for f in self.findings],
            "rules": [r.as_dict() for r in self.rule_results],
        }


def grade_manifest(text: str, *, rules: list[Rule], kubernetes_version: str) -> ExerciseOutcome:
    """Findings always; the rules only run on a file that parsed into objects.

    Rules still run when the validator found errors (so the student sees every
    rule's state), but the score counts only for a valid manifest.
    """
    result = validate_text(text, kubernetes_version=kubernetes_version)
    findings = result.all_findings
    parse_failed = any(f.code in _FATAL for f in result.findings)
    rule_results = [] if parse_failed else evaluate(rules, result.objects)
    return ExerciseOutcome(
        findings=findings, rule_results=rule_results, max_points=sum(r.points for r in rules)
    )


_FATAL = {"yaml-syntax", "too-large", "too-many-nodes", "duplicate-key", "unsafe-tag"}

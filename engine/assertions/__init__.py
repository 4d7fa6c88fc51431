"""The assertion language shared by YAML exercises, manifest questions and labs.

A rule selects objects (by apiVersion, kind, name, labels) and asserts one
thing about them: a count, a partial object match, an absence, a JMESPath
expression compared with a value, or a selector relation. Rules are data
from content files: they are compiled (and so checked) once, and evaluated
as pure functions over a list of objects — the manifests of an exercise, or
a snapshot of a cluster namespace for a lab. No content ever runs code.
"""

from engine.assertions.rules import (
    Rule,
    RuleError,
    RuleResult,
    compile_rule,
    compile_rules,
    evaluate,
)

# Assertions beside the core language register themselves (engine.assertions.extensions).
from engine.assertions import answers, quantifiers, references  # noqa: F401  isort: skip

__all__ = ["Rule", "RuleError", "RuleResult", "compile_rule", "compile_rules", "evaluate"]

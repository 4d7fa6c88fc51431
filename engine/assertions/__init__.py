"""The assertion language shared by YAML exercises, manifest questions and labs.

A rule selects objects (by apiVersion, kind, name, labels) and asserts one
thing about them: a count, a partial object match, an absence, a JMESPath
expression compared with a value (read as text, a number, a quantity, an
image reference, a schedule...), or a meaning across objects: which Pods a
Service reaches and on which port, where a probe points, whether references
resolve, what a Role grants and who may do what, how a Deployment rolled
out, what a toleration tolerates, which volume a claim binds. Rules are data
from content files: they are compiled (and so checked) once, and evaluated
as pure functions over a list of objects (the manifests of an exercise with
the API server's defaults applied, or a snapshot of a lab's namespace). No
content ever runs code. content/README.md documents every kind.
"""

from engine.assertions.model import Context, Rule, RuleError, RuleResult
from engine.assertions.rules import compile_rule, compile_rules, evaluate, evaluate_one, judge

# Kinds beside the core language register themselves (engine.assertions.extensions).
from engine.assertions import answers, quantifiers, references  # noqa: F401  isort: skip

__all__ = [
    "Context",
    "Rule",
    "RuleError",
    "RuleResult",
    "compile_rule",
    "compile_rules",
    "evaluate",
    "evaluate_one",
    "judge",
]

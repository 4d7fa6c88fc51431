"""Quick fixes: applying a finding's fix resolves that finding."""

from __future__ import annotations

import pytest

from engine.manifests import validate_text
from tests.engine.manifests.test_api_server_agreement_rules import LOST

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 80
              protocol: TCP
"""


def apply(text: str, fix: dict) -> str:
    lines = text.split("\n")

    def offset(line: int, column: int) -> int:
        return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1

    for edit in sorted(fix["edits"], key=lambda e: (e["line"], e["column"]), reverse=True):
        start, end = (
            offset(edit["line"], edit["column"]),
            offset(edit["end_line"], edit["end_column"]),
        )
        text = text[:start] + edit["text"] + text[end:]
    return text


def fixed(text: str, code: str) -> tuple[str, str]:
    finding = next(f for f in validate_text(text).all_findings if f.code == code)
    assert finding.fixes, finding
    assert finding.as_dict()["fixes"] == list(finding.fixes)
    return finding.fixes[0]["title"], apply(text, finding.fixes[0])


@pytest.mark.parametrize(
    ("broken", "code", "title"),
    [
        (DEPLOYMENT.replace("replicas:", "replica:"), "unknown-field", "Rename replica to replicas"),
        (DEPLOYMENT.replace("protocol: TCP", "protocol: tcp"), "invalid-value", "Change tcp to TCP"),
        (DEPLOYMENT.replace("apps/v1", "extensions/v1beta1"), "removed-api", "Use apiVersion: apps/v1"),
        (DEPLOYMENT.replace("kind: Deployment", "kind: Deploymnet"), "unknown-kind", "Change Deploymnet to Deployment"),
        (DEPLOYMENT.replace("  name: web\nspec", "  name: old\n  name: web\nspec"), "duplicate-key", "Remove the first name (line 4)"),
    ],
)  # fmt: skip
def test_a_fix_resolves_its_finding(broken, code, title):
    got_title, text = fixed(broken, code)
    assert got_title == title
    assert text == DEPLOYMENT
    assert validate_text(text).all_findings == []


def test_a_missing_image_gets_an_image_line_in_its_container():
    title, text = fixed(DEPLOYMENT.replace("          image: nginx:1.27\n", ""), "missing-image")
    assert title == "Add image"
    assert "        - name: web\n          image: \n          ports:" in text


def test_a_missing_required_field_is_added_under_its_parent():
    broken = DEPLOYMENT.replace(
        "            - containerPort: 80\n              protocol", "            - protocol"
    )
    title, text = fixed(broken, "missing-field")
    assert title == "Add containerPort"
    assert "            - protocol: TCP\n              containerPort: \n" in text


def test_lost_indentation_is_fixed_key_by_key():
    text = LOST
    for _ in range(5):
        finding = next(f for f in validate_text(text).all_findings if f.code == "misplaced-key")
        text = apply(text, finding.fixes[0])
    assert validate_text(text).all_findings == []
    assert text.startswith(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  replicas: 2\n"
    )


def test_lost_indentation_is_fixed_all_at_once():
    first = validate_text(LOST).all_findings[0]
    assert [f["title"] for f in first.fixes] == [
        "Indent name under metadata:",
        "Indent all 5 top-level keys under their parents",
    ]
    text = apply(LOST, first.fixes[1])
    assert validate_text(text).all_findings == []


def test_a_missing_parent_is_written_before_the_key():
    text = "apiVersion: v1\nkind: ConfigMap\nname: settings\ndata:\n  a: b\n"
    title, text = fixed(text, "misplaced-key")
    assert title == "Indent name under metadata:"
    assert text == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n"
    assert validate_text(text).valid


def test_findings_without_a_fix_have_no_fixes_key():
    [finding] = validate_text(DEPLOYMENT.replace("replicas: 2", "replicas: -1")).all_findings
    assert "fixes" not in finding.as_dict()


OLD_INGRESS = """\
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: web
spec:
  backend:
    serviceName: default
    servicePort: 80
  rules:
  - host: a.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: web
          servicePort: http
"""


def test_a_removed_ingress_moves_to_v1_with_its_backends_rewritten():
    title, text = fixed(OLD_INGRESS, "removed-api")
    assert title == "Use apiVersion: networking.k8s.io/v1 and rewrite the backends"
    assert validate_text(text).all_findings == []
    assert (
        "  defaultBackend:\n    service:\n      name: default\n      port:\n        number: 80\n"
        in text
    )
    assert (
        "      - path: /\n        pathType: Prefix\n        backend:\n          service:\n" in text
    )
    assert "            port:\n              name: http\n" in text

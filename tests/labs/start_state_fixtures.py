"""A small course with one troubleshooting lab: it starts broken (a Service selecting nothing)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import yaml

from tests.lessons.factories import write_chapter

START = """\
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
              name: http
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: wbe
  ports:
    - port: 80
      targetPort: http
"""

CHECKS: list[dict[str, Any]] = [
    {"id": "selects", "title": "The Service selects the Pods", "select": {"kind": "Service", "name": "web"}, "selects": {"kind": "Deployment", "name": "web"}},
    {"id": "endpoints", "title": "The Service has 2 ready endpoints", "select": {"kind": "EndpointSlice", "labels": {"kubernetes.io/service-name": "web"}}, "expr": "length(endpoints[?conditions.ready] || `[]`)", "equals": 2, "eventually": 30},
]  # fmt: skip

FIX = {
    "patch": {
        "apiVersion": "v1",
        "kind": "Service",
        "name": "web",
        "patch": {"spec": {"selector": {"app": "web"}}},
    }
}


def lab_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "title": "Troubleshooting: web has no endpoints",
        "estimated_minutes": 10,
        "kubernetes_versions": ["1.35"],
        "troubleshooting": True,
        "objectives": [1],
        "checks": CHECKS,
        "start_state": {"manifests": START},
        "solution": {"manifests": "", "steps": [FIX]},
        "alternatives": [
            {
                "name": "applied a corrected Service",
                "steps": [{"apply": START.split("---\n")[1].replace("app: wbe", "app: web")}],
            },
            {
                "name": "patched with kubectl",
                "steps": [{"kubectl": "kubectl patch service web -p '{\"spec\": {\"selector\": {\"app\": \"web\"}}}'"}],
            },
            {
                "name": "deleted the Service and exposed the Deployment again",
                "steps": [
                    {"delete": {"apiVersion": "v1", "kind": "Service", "name": "web"}},
                    {"kubectl": "kubectl expose deployment web --port=80 --target-port=http"},
                ],
            },
        ],
        "mistakes": [
            {"name": "selector left alone", "steps": [], "failed_checks": ["selects", "endpoints"]},
            {
                "name": "selector removed",
                "steps": [{"patch": {"apiVersion": "v1", "kind": "Service", "name": "web", "patch": {"spec": {"selector": None}}}}],
                "failed_checks": ["selects", "endpoints"],
            },
            {
                "name": "selector asks for a label the Pods lack",
                "steps": [{"patch": {"apiVersion": "v1", "kind": "Service", "name": "web", "patch": {"spec": {"selector": {"app": "web", "tier": "front"}}}}}],
                "failed_checks": ["selects", "endpoints"],
            },
        ],
    }  # fmt: skip
    data.update(changes)
    return data


def write_start_state_lab(root: Path, *, slug: str = "broken-web", **changes: Any) -> Path:
    chapter = root / "chapters" / "01-demo" / "chapter.md"
    if not chapter.exists():
        write_chapter(root, "01-demo", number=1)
    folder = chapter.parent / "labs" / slug
    folder.mkdir(parents=True)
    (folder / "lab.yaml").write_text(yaml.safe_dump(lab_data(**changes), sort_keys=False))
    (folder / "instructions.md").write_text("## Find the fault\n\n`kubectl get endpointslices`.\n")
    return folder / "lab.yaml"

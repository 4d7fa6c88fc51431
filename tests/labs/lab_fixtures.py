"""A small course with two labs, written to a temporary content root."""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml

from tests.lessons.factories import write_chapter

MANIFESTS = """\
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
    app: web
  ports:
    - port: 80
      targetPort: http
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "watch", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
subjects:
  - kind: User
    name: bob
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
"""

# Other correct solutions of the demo lab, in the ways students work.
ALTERNATIVES = [
    {"name": "the Service in flow style", "manifests": MANIFESTS.replace(
        "kind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n      targetPort: http\n",
        "kind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}\n")},
    {"name": "kubectl commands", "steps": [
        {"kubectl": "kubectl create deployment web --image=nginx:1.27 --replicas=2 --port=80"},
        {"kubectl": "kubectl expose deployment web --port=80"},
        {"kubectl": "kubectl create role pod-reader --verb=get,list,watch --resource=pods"},
        {"kubectl": "kubectl create rolebinding read-pods --role=pod-reader --user=bob"},
    ]},
    {"name": "one document at a time", "steps": [{"apply": doc} for doc in MANIFESTS.split("---\n")]},
]  # fmt: skip

CHECKS = [
    {"id": "deployment", "title": "Deployment web", "select": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "count": {"equals": 1}},
    {"id": "ready", "title": "2 ready replicas", "points": 2, "select": {"kind": "Deployment", "name": "web"}, "expr": "status.readyReplicas", "min": 2, "eventually": 60},
    {"id": "endpoints", "title": "Service has 2 ready endpoints", "select": {"kind": "EndpointSlice", "labels": {"kubernetes.io/service-name": "web"}}, "expr": "length(endpoints[?conditions.ready])", "equals": 2, "eventually": 60},
    {"id": "selects", "title": "Service selects the Pods", "select": {"kind": "Service", "name": "web"}, "selects": {"kind": "Deployment", "name": "web"}},
    {"id": "bob-lists", "title": "bob may list pods", "access": {"user": "bob", "verb": "list", "resource": "pods", "allowed": True}, "eventually": 30},
    {"id": "bob-no-secrets", "title": "bob may not list secrets", "access": {"user": "bob", "verb": "list", "resource": "secrets", "allowed": False}},
]  # fmt: skip


def write_lab(
    root: Path, chapter_path: Path, slug: str, checks: list[dict], *, wait: int = 15
) -> None:
    folder = chapter_path.parent / "labs" / slug
    folder.mkdir(parents=True)
    checks = [dict(c) for c in checks]
    for check in checks:
        if "eventually" in check:
            check["eventually"] = (
                min(check["eventually"], wait) if slug != "demo" else check["eventually"]
            )
    lab = {
        "uuid": str(uuid.uuid4()),
        "title": f"Lab {slug}",
        "estimated_minutes": 10,
        "kubernetes_versions": ["1.35"],
        "checks": checks,
        "solution": {"manifests": MANIFESTS},
        "alternatives": ALTERNATIVES,
        "mistakes": [
            {"name": "no RoleBinding", "manifests": MANIFESTS.rsplit("---\n", 1)[0], "failed_checks": ["bob-lists"]},
            {"name": "wrong selector on the Service", "manifests": MANIFESTS.replace("  selector:\n    app: web\n  ports", "  selector:\n    app: wbe\n  ports"), "failed_checks": ["endpoints", "selects"]},
            {"name": "Secrets readable too", "manifests": MANIFESTS.replace('resources: ["pods"]', 'resources: ["pods", "secrets"]'), "failed_checks": ["bob-no-secrets"]},
        ],
    }  # fmt: skip
    if slug != "demo":
        lab["alternatives"] = [
            {"name": f"the solution again {i}", "manifests": MANIFESTS} for i in range(3)
        ]
        lab["mistakes"] = [
            {
                "name": f"nothing applied {i}",
                "manifests": "",
                "failed_checks": [c["id"] for c in checks],
            }
            for i in range(3)
        ]
    (folder / "lab.yaml").write_text(yaml.safe_dump(lab, sort_keys=False))
    (folder / "instructions.md").write_text(
        "## Steps\n\nApply the manifests with `kubectl apply -f web.yaml`.\n"
    )


def lab_root(tmp_path: Path) -> Path:
    chapter = write_chapter(tmp_path, "01-demo", number=1)
    write_lab(tmp_path, chapter, "demo", CHECKS)
    slow = [
        {"id": "exists", "title": "Deployment web", "select": {"kind": "Deployment", "name": "web"}, "count": {"equals": 1}},
        {"id": "never", "title": "99 ready replicas", "select": {"kind": "Deployment", "name": "web"}, "expr": "status.readyReplicas", "equals": 99, "eventually": 12},
    ]  # fmt: skip
    write_lab(tmp_path, chapter, "slow", slow, wait=12)
    return tmp_path

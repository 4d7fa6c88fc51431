"""The validator agrees with a real API server on what it accepts.

Each case is sent to ``kubectl apply --dry-run=server --validate=strict``
and to the validator: both must accept, or both must refuse. The one known
gap is recorded: a dry run does not check the NodePort range (the allocator
runs only on a real create), so that case creates the Service for real.
"""

from __future__ import annotations

import pytest

from engine.manifests import validate_text
from tests.cluster.fixtures import Cluster

pytestmark = pytest.mark.cluster

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
          resources:
            limits:
              memory: 128Mi
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: ClusterIP
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 80
"""
SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: czNjcjN0\n"
JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: c
          image: busybox:1.37
"""

CASES = {
    "valid deployment": (DEPLOYMENT, True),
    "valid service": (SERVICE, True),
    "valid secret": (SECRET, True),
    "valid job": (JOB, True),
    "selector does not match": (DEPLOYMENT.replace("      app: web\n  template", "      app: api\n  template"), False),
    "selector missing": (DEPLOYMENT.replace("  selector:\n    matchLabels:\n      app: web\n", ""), False),
    "uppercase name": (DEPLOYMENT.replace("name: web\nspec", "name: Web\nspec"), False),
    "label value with a space": (DEPLOYMENT.replace("        app: web\n    spec", "        app: web\n        team: a b\n    spec"), False),
    "label value not text": (DEPLOYMENT.replace("        app: web\n    spec", "        app: web\n        version: 1.0\n    spec"), False),
    "no image": (DEPLOYMENT.replace("          image: nginx:1.27\n", ""), False),
    "container port too big": (DEPLOYMENT.replace("containerPort: 80", "containerPort: 70000"), False),
    "negative replicas": (DEPLOYMENT.replace("replicas: 2", "replicas: -1"), False),
    "protocol in lower case": (DEPLOYMENT.replace("protocol: TCP", "protocol: tcp"), False),
    "unknown field": (DEPLOYMENT.replace("replicas: 2", "replica: 2"), False),
    "memory in MB": (DEPLOYMENT.replace("memory: 128Mi", "memory: 128MB"), False),
    "service type misspelled": (SERVICE.replace("type: ClusterIP", "type: Nodeport"), False),
    "service without ports": (SERVICE.replace("  ports:\n    - port: 80\n      targetPort: 80\n", ""), False),
    "secret not base64": (SECRET.replace("czNjcjN0", "s3cr3t!"), False),
    "job that restarts always": (JOB.replace("restartPolicy: Never", "restartPolicy: Always"), False),
    "removed api": (DEPLOYMENT.replace("apps/v1", "extensions/v1beta1"), False),
    "kind in lower case": (SERVICE.replace("kind: Service", "kind: service"), False),
    "probe without a handler": (DEPLOYMENT.replace("          ports:", "          livenessProbe:\n            periodSeconds: 5\n          ports:"), False),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_validator_agrees_with_the_api_server(case, cluster: Cluster, namespace):
    text, expected = CASES[case]
    ours = validate_text(text).valid
    server = cluster.run_kubectl(
        "apply", "--dry-run=server", "--validate=strict", "-n", namespace, "-f", "-", stdin=text
    )
    assert (server.returncode == 0) == expected, server.stderr
    assert ours == expected, [f.message for f in validate_text(text).all_findings]


def test_node_ports_outside_the_range_are_refused_on_create(cluster: Cluster, namespace):
    text = SERVICE.replace("type: ClusterIP", "type: NodePort").replace(
        "targetPort: 80", "targetPort: 80\n      nodePort: 8080"
    )
    [finding] = validate_text(text).all_findings
    assert finding.code == "port-out-of-range"
    created = cluster.run_kubectl("create", "-n", namespace, "-f", "-", stdin=text)
    assert created.returncode != 0
    assert "30000-32767" in created.stderr

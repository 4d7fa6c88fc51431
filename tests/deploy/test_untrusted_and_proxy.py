"""Every way of running the tutor has a worker for students' own clusters, and a buffering proxy."""

from __future__ import annotations

import re

import pytest
import yaml
from django.conf import settings

from tests.conftest import REPO

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120)]
DEPLOY = REPO / "deploy"
QUEUE = "student-clusters"


def test_the_queue_name_is_the_settings_one():
    assert settings.TUTOR_UNTRUSTED_QUEUE == QUEUE


def test_make_run_starts_a_worker_for_the_queue():
    script = (REPO / "scripts" / "run.sh").read_text()
    assert re.search(rf"celery\" -A tutor worker .*-Q {QUEUE}", script)


def test_compose_runs_a_worker_for_the_queue_without_the_classroom_kubeconfig():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    worker = services["worker-student-clusters"]
    assert worker["command"][worker["command"].index("-Q") + 1] == QUEUE
    assert "kubeconfig" not in worker["secrets"]
    # The shared workers consume the default queue only.
    assert "-Q" not in services["worker"]["command"]


def test_kubernetes_runs_a_worker_for_the_queue_without_a_token():
    deployment = yaml.safe_load(
        (DEPLOY / "kubernetes" / "worker-student-clusters.yaml").read_text()
    )
    pod = deployment["spec"]["template"]["spec"]
    command = pod["containers"][0]["command"]
    assert command[command.index("-Q") + 1] == QUEUE
    assert pod["automountServiceAccountToken"] is False
    policies = (DEPLOY / "kubernetes" / "networkpolicy.yaml").read_text()
    assert policies.count("worker-student-clusters") == 2  # it reaches Redis and PostgreSQL


def test_the_compose_proxy_buffers_request_bodies():
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert re.search(r"reverse_proxy web:8000 \{[^}]*request_buffers 2MB", caddyfile)
    assert re.search(r"request_body \{\s*max_size 2MB", caddyfile)
    assert "read_body" in caddyfile and "read_header" in caddyfile
    proxy = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["proxy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    # Caddy reads request_buffers since 2.6.4.
    major, minor = (int(x) for x in proxy["image"].split(":")[1].split(".")[:2])
    assert (major, minor) >= (2, 7)


def test_the_ingress_keeps_request_buffering_on():
    ingress = yaml.safe_load((DEPLOY / "kubernetes" / "ingress.yaml").read_text())
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "on"

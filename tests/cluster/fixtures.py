"""The Kubernetes cluster the `cluster` tests run against.

By default the project's own control plane (cluster/cluster.py up, reused
when healthy); with TUTOR_TEST_KUBECONFIG (and optionally
TUTOR_TEST_KUBE_CONTEXT) any cluster, e.g. kind or minikube. Every test gets
a fresh labelled namespace that is deleted afterwards.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
TEST_LABEL = "lfs158-tutor/test"


@dataclass
class Cluster:
    kubeconfig: Path
    context: str | None
    kubectl: str
    local: bool  # the project's own control plane (kwok nodes)

    def api_client(self) -> Any:
        from kubernetes import config

        data = yaml.safe_load(self.kubeconfig.read_text())
        return config.new_client_from_config_dict(data, context=self.context)

    def run_kubectl(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = [self.kubectl, f"--kubeconfig={self.kubeconfig}"]
        if self.context:
            argv.append(f"--context={self.context}")
        return subprocess.run(
            [*argv, *args], input=stdin, capture_output=True, text=True, timeout=60
        )


def ca_data(cluster: Cluster) -> str:
    """The base64 CA of the test cluster's kubeconfig, inline or from the file it names."""
    from kube.kubeconfig import context_parts

    config = yaml.safe_load(cluster.kubeconfig.read_text())
    _, entry, _, _ = context_parts(config, cluster.context)
    if entry.get("certificate-authority-data"):
        return str(entry["certificate-authority-data"])
    return base64.b64encode(Path(entry["certificate-authority"]).read_bytes()).decode()


def service_account_token(kube: Any, namespace: str, name: str, cluster_role: str) -> str:
    """A ServiceAccount holding ``cluster_role`` in its namespace, and a TokenRequest token for it."""
    kube.apply(
        yaml.safe_dump_all([
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}},
            {
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": f"{name}-{cluster_role}"},
                "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role},
            },
        ]),
        namespace,
    )  # fmt: skip
    answer = kube.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
        body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )
    return str(answer["status"]["token"])


def _local_kubectl() -> str:
    version = os.environ.get("TUTOR_K8S_VERSION", "1.35.4")
    cache = Path(os.environ.get("TUTOR_CACHE_DIR") or Path.home() / ".cache" / "lfs158-tutor")
    return str(cache / f"k8s-v{version}" / "bin" / "kubectl")


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    given = os.environ.get("TUTOR_TEST_KUBECONFIG")
    if given:
        return Cluster(
            kubeconfig=Path(given),
            context=os.environ.get("TUTOR_TEST_KUBE_CONTEXT") or None,
            kubectl=os.environ.get("TUTOR_TEST_KUBECTL", "kubectl"),
            local=False,
        )
    result = subprocess.run(
        [sys.executable, str(REPO / "cluster" / "cluster.py"), "up"],
        capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"could not start the local control plane:\n{result.stderr[-4000:]}")
    kubeconfig = Path(result.stdout.strip().splitlines()[-1])
    return Cluster(kubeconfig=kubeconfig, context=None, kubectl=_local_kubectl(), local=True)


@pytest.fixture(scope="session")
def api_client(cluster: Cluster) -> Any:
    return cluster.api_client()


@pytest.fixture
def namespace(api_client: Any) -> Iterator[str]:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core = client.CoreV1Api(api_client)
    name = f"t-{uuid.uuid4().hex[:10]}"
    core.create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels={TEST_LABEL: "true"}))
    )
    # The ServiceAccount admission plugin refuses Pods until the namespace's
    # default ServiceAccount exists, which the controller creates a moment later.
    wait_for(lambda: _has_default_sa(core, name), "the default ServiceAccount", timeout=30)
    try:
        yield name
    finally:
        try:
            core.delete_namespace(name, propagation_policy="Background")
        except ApiException as exc:
            if exc.status != 404:
                raise


def _has_default_sa(core: Any, namespace: str) -> bool:
    from kubernetes.client.rest import ApiException

    try:
        core.read_namespaced_service_account("default", namespace)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True


def wait_for(check: Callable[[], Any], what: str, timeout: float = 60, every: float = 0.25) -> Any:
    """Poll until ``check()`` returns something truthy; fail with ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)

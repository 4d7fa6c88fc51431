"""Watches through the API server: from a LIST's resourceVersion, stopped from another thread.

Against the real API server (marker: cluster); the hostile-server side of a
watch (a redirect, an endless event) uses a tiny HTTP server on loopback.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from kube import Cluster as KubeCluster
from kube import Expired, Forbidden, KubeError
from kube.kubeconfig import token_kubeconfig
from tests.cluster.fixtures import Cluster, ca_data

pytestmark = pytest.mark.cluster

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{k: '{value}'}}\n"


@pytest.fixture
def kube(cluster: Cluster) -> Iterator[KubeCluster]:
    client = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    yield client
    client.close()


def test_a_watch_from_a_lists_version_sees_only_later_changes(kube: KubeCluster, namespace: str):
    kube.apply(CONFIGMAP.format(name="before", value="1"), namespace)
    items, version = kube.list_versioned("v1", "ConfigMap", namespace)
    assert "before" in {i["metadata"]["name"] for i in items} and version
    assert kube.collection_version("v1", "ConfigMap", namespace)
    watch = kube.watch("v1", "ConfigMap", namespace, resource_version=version, timeout_seconds=20)
    seen: list[tuple[str, str]] = []

    def change() -> None:
        kube.apply(CONFIGMAP.format(name="after", value="1"), namespace)
        kube.apply(CONFIGMAP.format(name="after", value="2"), namespace)
        kube.request("DELETE", f"/api/v1/namespaces/{namespace}/configmaps/after")

    threading.Thread(target=change).start()
    with watch:
        for event in watch:
            seen.append((event.type, event.name))
            if event.type == "DELETED":
                break
    assert seen == [("ADDED", "after"), ("MODIFIED", "after"), ("DELETED", "after")]


def test_stop_ends_a_silent_watch_at_once(kube: KubeCluster, namespace: str):
    _, version = kube.list_versioned("v1", "ConfigMap", namespace)
    watch = kube.watch("v1", "ConfigMap", namespace, resource_version=version, timeout_seconds=60)
    threading.Timer(0.5, watch.stop).start()
    started = time.monotonic()
    assert list(watch) == []
    assert time.monotonic() - started < 5


def test_a_version_too_old_says_expired(kube: KubeCluster, namespace: str):
    with pytest.raises(Expired):
        list(kube.watch("v1", "ConfigMap", namespace, resource_version="1", timeout_seconds=5))


def test_credentials_that_may_not_watch_are_refused(
    kube: KubeCluster, cluster: Cluster, namespace: str
):
    import yaml

    kube.apply(yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "lister"}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "list-only"},
         "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "lister"},
         "subjects": [{"kind": "ServiceAccount", "name": "lister", "namespace": namespace}],
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "list-only"}},
    ]), namespace)  # fmt: skip
    token = kube.request(
        "POST", f"/api/v1/namespaces/{namespace}/serviceaccounts/lister/token",
        body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )["status"]["token"]  # fmt: skip
    config = token_kubeconfig(
        server=kube.server, token=token, ca_data=ca_data(cluster), namespace=namespace,
        cluster="c", user="u", context="x",
    )  # fmt: skip
    lister = KubeCluster.from_kubeconfig(config)
    try:
        _, version = lister.list_versioned("v1", "ConfigMap", namespace)
        with pytest.raises(Forbidden):
            lister.watch("v1", "ConfigMap", namespace, resource_version=version)
    finally:
        lister.close()


class _Server(http.server.BaseHTTPRequestHandler):
    """An "API server" that serves discovery, then answers a watch as the test says."""

    answer = "redirect"

    def do_GET(self) -> None:
        if self.path == "/api/v1":
            body = (
                b'{"resources": [{"name": "configmaps", "kind": "ConfigMap", "namespaced": true}]}'
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif _Server.answer == "redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:  # one event that never ends
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b'{"type": "ADDED", "object": {"metadata": {"name": "' + b"x" * 65536
            try:
                for _ in range(100):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def untrusted(url: str) -> KubeCluster:
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "c", "cluster": {"server": url}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "ns"}}],
    }  # fmt: skip
    cluster = KubeCluster.from_kubeconfig(config)
    cluster.max_response_bytes = 1024 * 1024  # as for a student's own cluster
    return cluster


def test_a_watch_answered_with_a_redirect_is_refused(fake_server: str):
    _Server.answer = "redirect"
    with pytest.raises(KubeError, match="redirect"):
        untrusted(fake_server).watch("v1", "ConfigMap", "ns")


def test_an_endless_watch_event_is_cut_off(fake_server: str):
    _Server.answer = "endless"
    watch = untrusted(fake_server).watch("v1", "ConfigMap", "ns", timeout_seconds=5)
    with pytest.raises(KubeError, match="more than 1 MiB in one watch event"):
        list(watch)

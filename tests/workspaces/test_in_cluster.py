"""The tutor deployed in a Pod: it finds its ServiceAccount and talks to the API server.

No Pod runs here (kwok simulates them), so the projected ServiceAccount
folder is written by the test exactly as the kubelet lays it out (token,
ca.crt, namespace) with a real token from the TokenRequest API, and the
environment has the variables the kubelet sets. Everything after that is real.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kube import BadKubeconfig
from kube import Cluster as KubeCluster
from kube import config as kube_config
from tests.cluster.fixtures import Cluster, ca_data, service_account_token
from workspaces import classroom, tutor_cluster
from workspaces.models import StudentNamespace

pytestmark = pytest.mark.cluster


@pytest.fixture
def pod(cluster: Cluster, tmp_path: Path, monkeypatch, settings) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    admin = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    namespace = f"t-incluster-{uuid.uuid4().hex[:8]}"
    admin.create_namespace(namespace, labels={"lfs158-tutor/test": "true"})
    token = service_account_token(admin, namespace, "tutor", "view")
    ca = base64.b64decode(ca_data(cluster))
    folder = tmp_path / "serviceaccount"
    folder.mkdir()
    (folder / "token").write_text(token)
    (folder / "ca.crt").write_bytes(ca)
    (folder / "namespace").write_text(namespace)
    server = admin.server.removeprefix("https://")
    host, port = server.rsplit(":", 1)
    monkeypatch.setattr(kube_config, "SERVICE_ACCOUNT_DIR", folder)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config in a Pod
    settings.TUTOR_KUBECONFIG = ""
    settings.TUTOR_KUBE_CONTEXT = ""
    try:
        yield folder
    finally:
        admin.delete_namespace(namespace)
        admin.close()


def test_in_a_pod_the_tutor_uses_its_service_account(pod: Path):
    assert kube_config.load_kubeconfig() is None
    cluster = tutor_cluster.connect()
    try:
        assert cluster.version().startswith("v1.")
        assert cluster.default_namespace == (pod / "namespace").read_text()
        # The view ClusterRole, bound in its own namespace, is what it holds.
        assert cluster.list_objects("v1", "Pod", cluster.default_namespace) == []
    finally:
        cluster.close()
    expected = base64.b64encode((pod / "ca.crt").read_bytes()).decode()
    assert tutor_cluster.certificate_authority() == expected


def test_a_rotated_token_is_read_afresh(pod: Path):
    (pod / "token").write_text("expired-or-revoked")
    cluster = tutor_cluster.connect()
    try:
        with pytest.raises(Exception, match="refused the credentials"):
            cluster.version()
    finally:
        cluster.close()


def test_a_half_mounted_service_account_is_a_clear_error(pod: Path):
    (pod / "ca.crt").unlink()
    with pytest.raises(BadKubeconfig, match="cannot read the Pod's ServiceAccount"):
        tutor_cluster.connect()


def test_provisioning_needs_more_than_view(pod: Path, db, alice, settings):
    settings.TUTOR_MODE = "classroom"
    with pytest.raises(Exception, match=r"(?i)forbidden"):
        classroom.student_namespace_ensure(user=alice)
    assert not StudentNamespace.objects.filter(provisioned_at__isnull=False).exists()

"""A lab's start state on the real API server: start without overwriting, reset to it.

Runs against the local control plane (or TUTOR_TEST_KUBECONFIG), each test in a
fresh namespace.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

from kube import Cluster as KubeCluster
from kube import Forbidden, NotFound
from kube.kubeconfig import context_parts, token_kubeconfig
from labs.footprint import lab_footprint
from tests.cluster.fixtures import Cluster, ca_data, service_account_token, wait_for
from tests.labs.start_state_fixtures import START, lab_data
from workspaces import lab_state

pytestmark = pytest.mark.cluster

VOLUME = """\
apiVersion: v1
kind: PersistentVolume
metadata:
  name: data-volume
spec:
  storageClassName: manual
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /tmp/lfs158-tutor/test}
  claimRef: {name: data}
"""


@dataclass
class Lab:
    slug: str
    start_state: str
    footprint: list[dict[str, Any]]
    start_steps: list[dict[str, Any]] = field(default_factory=list)


def lab(start_state: str = START, **front: Any) -> Lab:
    data = lab_data(start_state={"manifests": start_state}, **front)
    steps = list(data["start_state"].get("steps") or [])
    return Lab(f"demo-{uuid.uuid4().hex[:6]}", start_state, lab_footprint(data), steps)


@pytest.fixture
def kube(cluster: Cluster) -> Iterator[KubeCluster]:
    client = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    yield client
    client.close()


def service_selector(kube: KubeCluster, namespace: str) -> dict[str, str]:
    found = kube.get_object(api_version="v1", kind="Service", name="web", namespace=namespace)
    return dict(found["spec"]["selector"])


def test_it_creates_the_start_state_labelled_with_the_lab(kube, namespace):
    demo = lab()
    outcome = lab_state.lab_start(kube, namespace, demo)
    assert outcome.created == ["Deployment web", "Service web"]
    service = kube.get_object(api_version="v1", kind="Service", name="web", namespace=namespace)
    assert service["metadata"]["labels"] == {lab_state.LAB_LABEL: demo.slug}
    assert service["spec"]["selector"] == {"app": "wbe"}


def test_starting_again_never_overwrites_the_students_work(kube, namespace):
    demo = lab()
    lab_state.lab_start(kube, namespace, demo)
    kube.patch(api_version="v1", kind="Service", name="web", namespace=namespace,
               patch={"spec": {"selector": {"app": "web"}}})  # fmt: skip
    kube.delete_object(api_version="apps/v1", kind="Deployment", name="web", namespace=namespace)
    wait_for(lambda: not kube.list_objects("apps/v1", "Deployment", namespace), "the deletion")
    outcome = lab_state.lab_start(kube, namespace, demo)
    assert outcome.created == ["Deployment web"]  # what was missing comes back...
    assert service_selector(kube, namespace) == {"app": "web"}  # ...the fix stays


def test_start_steps_run_only_on_a_fresh_start(kube, namespace):
    steps = [{"patch": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                        "patch": {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}}}}]  # fmt: skip
    demo = lab()
    demo.start_steps = steps
    lab_state.lab_start(kube, namespace, demo)

    def revisions() -> list[str]:
        return sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                      for rs in kube.list_objects("apps/v1", "ReplicaSet", namespace))  # fmt: skip

    # The step waited for the first rollout: two revisions, as when a person types them.
    assert wait_for(lambda: revisions() == ["1", "2"], "two revisions")
    kube.patch(api_version="apps/v1", kind="Deployment", name="web", namespace=namespace,
               patch={"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80, "name": "http"}]}]}}}})  # fmt: skip
    lab_state.lab_start(kube, namespace, demo)  # everything exists: no step runs again
    deployment = kube.get_object(
        api_version="apps/v1", kind="Deployment", name="web", namespace=namespace
    )
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_reset_deletes_the_labs_objects_and_brings_the_start_state_back(kube, namespace):
    demo = lab()
    lab_state.lab_start(kube, namespace, demo)
    kube.patch(api_version="v1", kind="Service", name="web", namespace=namespace,
               patch={"spec": {"selector": {"app": "web"}}})  # fmt: skip
    # The student's own objects: one the lab names (web-2 in a mistake), one of another lab.
    mine = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports: [{{port: 80}}]\n"
    )
    demo.footprint.append({"apiVersion": "v1", "kind": "Service", "name": "web-2"})
    kube.apply(mine.format(name="web-2") + "---\n" + mine.format(name="other-lab"), namespace)
    wait_for(lambda: kube.list_objects("v1", "Pod", namespace), "the Pods of web")

    outcome = lab_state.lab_reset(kube, namespace, demo)

    assert "Service web-2" in outcome.deleted and "Service web" in outcome.deleted
    assert "Service other-lab" not in outcome.deleted
    assert outcome.created == ["Deployment web", "Service web"]
    assert service_selector(kube, namespace) == {"app": "wbe"}
    names = {s["metadata"]["name"] for s in kube.list_objects("v1", "Service", namespace)}
    assert names == {"web", "other-lab"}


def test_reset_leaves_the_classroom_objects_alone(kube, namespace):
    demo = lab()
    kube.apply(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {lfs158-tutor/student: '7'}\n"
        "spec:\n  ports: [{port: 80}]\n",
        namespace,
    )
    outcome = lab_state.lab_reset(kube, namespace, demo)
    assert "Service web" not in outcome.deleted
    kept = kube.get_object(api_version="v1", kind="Service", name="web", namespace=namespace)
    assert kept["metadata"]["labels"] == {"lfs158-tutor/student": "7"}


def test_a_volume_is_made_for_the_namespace_and_reserved_for_its_claim(kube, namespace):
    demo = lab(START + "---\n" + VOLUME)
    try:
        outcome = lab_state.lab_start(kube, namespace, demo)
        name = f"{namespace}-data-volume"
        assert f"PersistentVolume {name}" in outcome.created
        volume = kube.get_object(api_version="v1", kind="PersistentVolume", name=name, namespace="")
        assert volume["spec"]["claimRef"] == {"name": "data", "namespace": namespace}
        assert volume["metadata"]["labels"] == {
            lab_state.LAB_LABEL: demo.slug,
            lab_state.NAMESPACE_LABEL: namespace,
        }
        claim = ("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n"
                 "  storageClassName: manual\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n")  # fmt: skip
        kube.apply(claim, namespace)
        wait_for(lambda: kube.get_object(api_version="v1", kind="PersistentVolumeClaim", name="data",
                                         namespace=namespace).get("status", {}).get("phase") == "Bound", "the claim to bind")  # fmt: skip
        # A reset gives a fresh volume: the released one could never bind a new claim.
        first_uid = volume["metadata"]["uid"]
        lab_state.lab_reset(kube, namespace, demo)
        again = kube.get_object(api_version="v1", kind="PersistentVolume", name=name, namespace="")
        assert again["metadata"]["uid"] != first_uid
        assert "uid" not in again["spec"]["claimRef"]  # reserved, and free for the next claim
    finally:
        kube.delete_namespace(namespace)
        deleted = lab_state.namespace_copies_delete(kube, namespace)
    assert deleted == [f"PersistentVolume {namespace}-data-volume"]

    def gone() -> bool:
        try:
            kube.get_object(
                api_version="v1",
                kind="PersistentVolume",
                name=f"{namespace}-data-volume",
                namespace="",
            )
        except NotFound:
            return True
        return False

    # The volume goes once its claim has gone with the namespace (pv-protection).
    wait_for(gone, "the volume to be deleted", timeout=90)


def test_without_the_right_to_create_volumes_the_student_is_told_why(kube, cluster, namespace):
    # A ServiceAccount holding `admin` in the namespace: everything there, no volumes.
    token = service_account_token(kube, namespace, "limited", "admin")
    _, entry, _, _ = context_parts(yaml.safe_load(cluster.kubeconfig.read_text()), cluster.context)
    config = token_kubeconfig(
        server=entry["server"], token=token, ca_data=ca_data(cluster), namespace=namespace,
        cluster="test", user="limited", context="limited",
    )  # fmt: skip
    limited = KubeCluster.from_kubeconfig(config)
    try:
        with pytest.raises(Forbidden, match=r"rbac-volumes\.yaml"):
            lab_state.lab_start(limited, namespace, lab(START + "---\n" + VOLUME))
    finally:
        limited.close()

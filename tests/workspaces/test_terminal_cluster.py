"""The browser terminal in classroom mode: a shell in the student's toolbox Pod.

End to end on the local control plane, not mocked: WebSocket -> tutor ->
API server (pods/exec) -> kwok -> a shell holding the student's own
ServiceAccount token -> kubectl -> API server. What the shell may do is what
the student may do: their namespace only; the tutor's credentials never
reach it.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
import yaml

from tests.cluster.fixtures import Cluster, wait_for
from tests.workspaces.terminal_helpers import Tab, run
from workspaces.models import TerminalSession
from workspaces.terminal.toolbox import remove_simulated_home

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def classroom(cluster: Cluster, settings):
    from kube import Cluster as KubeCluster

    settings.TUTOR_MODE = "classroom"
    settings.TUTOR_KUBECONFIG = str(cluster.kubeconfig)
    settings.TUTOR_KUBE_CONTEXT = cluster.context or ""
    settings.TUTOR_TERMINAL_CONNECTS_PER_MINUTE = 100
    tutor = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    made: list[str] = []

    def provision(user):
        from workspaces import classroom as rooms

        row = rooms.student_namespace_provision(cluster=tutor, user=user)
        made.append(row.namespace)
        return row

    yield provision
    for namespace in made:
        cluster.run_kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found")
        remove_simulated_home(namespace)
    tutor.close()


def cookie_of(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_the_students_shell_runs_in_their_toolbox_with_their_rights(
    classroom, cluster: Cluster, alice, bob
):
    mine = classroom(alice)
    theirs = classroom(bob)
    # Something of bob's that alice must not see.
    plan = f"bobs-plan-{uuid.uuid4().hex[:6]}"
    cluster.run_kubectl("-n", theirs.namespace, "create", "configmap", plan, "--from-literal=a=b")
    cookie = cookie_of(alice)

    async def body():
        tab = Tab(cookie, client="192.0.2.44")  # any address: the shell is on the cluster
        assert (await tab.connect())[0]
        await tab.wait_event("attached")
        await tab.wait_event("running", timeout=120)
        pods = await tab.run_command("kubectl get pods -o name")
        assert "pod/lfs158-toolbox" in pods.split()
        whoami = await tab.run_command(
            "kubectl auth whoami -o jsonpath='{.status.userInfo.username}'; echo"
        )
        assert whoami.strip() == f"system:serviceaccount:{mine.namespace}:student"
        # Another student's namespace: refused, whatever the question.
        other = await tab.run_command(f"kubectl get configmap {plan} -n {theirs.namespace} 2>&1")
        assert "forbidden" in other.lower() and "a=b" not in other
        everywhere = await tab.run_command("kubectl get configmaps -A 2>&1")
        assert "forbidden" in everywhere.lower() and plan not in everywhere
        exec_objects = await tab.run_command("kubectl auth can-i create execs.kwok.x-k8s.io")
        assert exec_objects.strip() == "no"
        # Completion for kubectl is loaded; the namespace is the default.
        assert (
            await tab.run_command("complete -p kubectl | grep -c __start_kubectl")
        ).strip() == "1"
        # Nothing of the tutor's in its environment.
        env = await tab.run_command("env")
        assert "TUTOR_" not in env and "DJANGO" not in env
        if os.geteuid() == 0:
            # The shell runs as nobody, who cannot read the tutor's kubeconfig.
            assert int((await tab.run_command("id -u")).strip()) == 65534
            admin = await tab.run_command(f"cat {cluster.kubeconfig} 2>&1 | head -c 300")
            assert "Permission denied" in admin and "client-key-data" not in admin

    run(body)
    row = TerminalSession.objects.get(user=alice)
    assert row.backend == "cluster" and row.namespace == mine.namespace


def test_a_namespace_not_yet_provisioned_is_prepared_and_said(classroom, alice, settings):
    cookie = cookie_of(alice)

    async def body():
        tab = Tab(cookie)
        await tab.connect()
        event = await tab.wait_event("unavailable")
        assert event["code"] == 4025 and "being prepared" in event["message"]

    run(body)


def test_reset_deletes_the_labs_objects_and_keeps_the_toolbox(classroom, cluster: Cluster, alice):
    # The lab page's one reset (labs:reset) runs workspaces.lab_state.lab_reset in a worker:
    # the lab's footprint goes, the terminal's toolbox and other labs' objects stay.
    from types import SimpleNamespace

    from kube import Cluster as KubeCluster
    from workspaces.lab_state import lab_reset

    row = classroom(alice)
    cookie = cookie_of(alice)

    async def body():
        tab = Tab(cookie)
        await tab.connect()
        await tab.wait_event("running", timeout=120)
        made = await tab.run_command(
            "kubectl create deployment web --image=nginx:alpine >/dev/null && "
            "kubectl create deployment other-lab --image=nginx:alpine >/dev/null && "
            "kubectl create configmap cluster-facts --from-literal=nodes=2 >/dev/null && echo made"
        )
        assert made.strip() == "made"

    run(body)
    lab = SimpleNamespace(
        slug="webserver", start_state="", start_steps=[],
        footprint=[
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "cluster-facts"},
            {"apiVersion": "v1", "kind": "Pod", "labels": {"app": "web"}},
        ],
    )  # fmt: skip
    tutor = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    try:
        outcome = lab_reset(tutor, row.namespace, lab)
    finally:
        tutor.close()
    assert {"Deployment web", "ConfigMap cluster-facts"} <= set(outcome.deleted)
    assert outcome.created == []

    def names(kind: str) -> set[str]:
        out = cluster.run_kubectl("-n", row.namespace, "get", kind, "-o", "json").stdout
        return {
            i["metadata"]["name"]
            for i in json.loads(out)["items"]
            if not i["metadata"].get("deletionTimestamp")
        }

    wait_for(lambda: "web" not in names("deployments"), "the Deployment to be deleted")
    assert names("configmaps") == {"kube-root-ca.crt"}
    assert "other-lab" in names("deployments")
    assert "lfs158-toolbox" in names("pods")


def test_the_toolbox_pod_is_the_students_and_locked_down(settings):
    from workspaces.terminal.toolbox import pod_manifest

    pod = pod_manifest("lfs158-x-12345678")
    spec = pod["spec"]
    assert spec["serviceAccountName"] == "student"
    assert spec["automountServiceAccountToken"] is True
    assert spec["securityContext"]["runAsNonRoot"] is True
    [container] = spec["containers"]
    assert container["image"] == settings.TUTOR_TOOLBOX_IMAGE
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }  # fmt: skip
    assert container["resources"]["limits"] == container["resources"]["requests"]
    # No environment variable, no volume of the tutor's: only the Pod's own.
    assert [e["name"] for e in container["env"]] == ["HOME"]
    assert {v["name"] for v in spec["volumes"]} == {"home", "tmp"}
    assert yaml.safe_dump(pod)  # plain data
    assert Path(__file__).resolve().parents[2].joinpath("deploy/toolbox/bashrc").is_file()

"""Lab steps played through the Kubernetes client, as kubectl would (marker: cluster).

No kubectl binary and no shell: each step is read by engine.grading.steps
and sent by labs.grader. What lands in the namespace is read back from the
real API server.
"""

from __future__ import annotations

import base64

import pytest

from engine.grading.steps import StepError
from kube import Cluster as KubeCluster
from kube import Conflict, NotFound
from labs.grader import apply_steps
from tests.cluster.fixtures import Cluster, wait_for

pytestmark = pytest.mark.cluster


@pytest.fixture
def kube(cluster: Cluster) -> KubeCluster:
    return KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)


def get(kube: KubeCluster, namespace: str, api_version: str, kind: str, name: str) -> dict:
    return kube.get_object(api_version, kind, name, namespace)


def play(kube: KubeCluster, namespace: str, *commands: str) -> None:
    apply_steps(kube, namespace, None, [{"kubectl": c} for c in commands])


def test_create_expose_scale_label_and_patch(kube, namespace):
    play(
        kube, namespace,
        "kubectl create deployment web --image=nginx:1.27 --replicas=1 --port=80",
        "kubectl expose deployment web --name=web-svc --type=NodePort --port=80 --target-port=80",
        "kubectl scale deploy/web --replicas=2",
        "kubectl label deployment web tier=front",
        "kubectl annotate deployment web owner=team-web",
        """kubectl patch deployment web --type=merge -p '{"metadata":{"labels":{"team":"a"}}}'""",
        """kubectl patch service web-svc --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":8080}]'""",
    )  # fmt: skip
    web = get(kube, namespace, "apps/v1", "Deployment", "web")
    assert web["spec"]["replicas"] == 2
    assert web["metadata"]["labels"] == {"app": "web", "tier": "front", "team": "a"}
    assert web["metadata"]["annotations"]["owner"] == "team-web"
    service = get(kube, namespace, "v1", "Service", "web-svc")
    assert service["spec"]["type"] == "NodePort"
    assert service["spec"]["selector"] == {"app": "web"}
    assert (
        service["spec"]["ports"][0]["port"] == 8080
        and service["spec"]["ports"][0]["targetPort"] == 80
    )
    with pytest.raises(Conflict):
        play(kube, namespace, "kubectl create deployment web --image=nginx:1.27")


def test_set_image_rollout_status_and_undo(kube, namespace):
    play(
        kube, namespace,
        "kubectl create deployment web --image=nginx:1.26",
        "kubectl rollout status deployment/web",
        "kubectl set image deployment/web nginx=nginx:1.27",
        "kubectl rollout status deployment/web",
        "kubectl rollout undo deployment/web",
        "kubectl rollout status deployment/web",
    )  # fmt: skip
    web = get(kube, namespace, "apps/v1", "Deployment", "web")
    assert web["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert web["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    with pytest.raises(StepError):
        play(kube, namespace, "kubectl set image deployment/web web=nginx:1.27")


def test_every_create_the_labs_use(kube, namespace):
    play(
        kube, namespace,
        "kubectl create configmap facts --from-literal=nodes={{ nodeCount }} --from-literal='text=two words'",
        "kubectl create secret generic db --from-literal=password=s3cret",
        "kubectl create serviceaccount app",
        "kubectl create role reader --verb=get,list,watch --resource=pods",
        "kubectl create rolebinding app-reads --role=reader --serviceaccount={{ namespace }}:app --user=bob",
        "kubectl create service clusterip api --tcp=80:http",
        "kubectl create service externalname db --external-name=db.example.com",
        "kubectl create quota counts --hard=pods=20,count/jobs.batch=10",
        'kubectl create ingress site --class=nginx --rule="a.example.com/*=api:80"',
        'kubectl create cronjob hello --image=busybox:1.37 --schedule="*/5 * * * *" -- sh -c date',
        "kubectl create job once --image=busybox:1.37 -- date",
        "kubectl run debug --image=busybox:1.37 --labels=app=debug -- sleep 3600",
    )  # fmt: skip
    nodes = kube.list_objects("v1", "Node", namespace)
    assert get(kube, namespace, "v1", "ConfigMap", "facts")["data"] == {
        "nodes": str(len(nodes)),
        "text": "two words",
    }
    assert (
        base64.b64decode(get(kube, namespace, "v1", "Secret", "db")["data"]["password"])
        == b"s3cret"
    )
    binding = get(kube, namespace, "rbac.authorization.k8s.io/v1", "RoleBinding", "app-reads")
    assert {"kind": "ServiceAccount", "name": "app", "namespace": namespace} in binding["subjects"]
    assert kube.can_i(user=f"system:serviceaccount:{namespace}:app", groups=[], verb="list", resource="pods", namespace=namespace)  # fmt: skip
    assert get(kube, namespace, "v1", "Service", "db")["spec"]["externalName"] == "db.example.com"
    assert (
        get(kube, namespace, "v1", "ResourceQuota", "counts")["spec"]["hard"]["count/jobs.batch"]
        == "10"
    )
    ingress = get(kube, namespace, "networking.k8s.io/v1", "Ingress", "site")
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["pathType"] == "Prefix"
    assert get(kube, namespace, "batch/v1", "CronJob", "hello")["spec"]["schedule"] == "*/5 * * * *"
    wait_for(lambda: get(kube, namespace, "batch/v1", "Job", "once").get("status", {}).get("succeeded"), "the Job to complete", timeout=90)  # fmt: skip
    assert get(kube, namespace, "v1", "Pod", "debug")["spec"]["containers"][0]["args"] == [
        "sleep",
        "3600",
    ]
    play(kube, namespace, "kubectl delete pod debug")
    wait_for(lambda: _gone(kube, namespace, "debug"), "the Pod to go", timeout=60)


def _gone(kube: KubeCluster, namespace: str, name: str) -> bool:
    try:
        kube.get_object("v1", "Pod", name, namespace)
    except NotFound:
        return True
    return False

"""Proof that the local control plane is a real Kubernetes API server.

Each test drives the official Python client (and kubectl built from the
same release) against the cluster, in a namespace of its own. On the local
control plane no container runs: kwok moves Pods to Running/Ready.
"""

from __future__ import annotations

import base64
import ipaddress
import json

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.cluster.fixtures import Cluster, wait_for

pytestmark = pytest.mark.cluster


def labels_selector(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items())


def deployment(name: str, image: str, replicas: int = 3) -> client.V1Deployment:
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(
                    containers=[
                        client.V1Container(
                            name="web",
                            image=image,
                            ports=[client.V1ContainerPort(container_port=80, name="http")],
                        )
                    ]
                ),
            ),
        ),
    )


def test_it_has_ready_nodes_with_loopback_addresses_only(api_client):
    nodes = client.CoreV1Api(api_client).list_node().items
    assert len(nodes) >= 2
    for node in nodes:
        ready = [c for c in node.status.conditions if c.type == "Ready"]
        assert ready and ready[0].status == "True", node.metadata.name
        assert not node.spec.taints
        for address in node.status.addresses or []:
            if address.type in ("InternalIP", "ExternalIP"):
                assert ipaddress.ip_address(address.address).is_loopback, address


def test_it_rolls_a_deployment_out_and_back(api_client, namespace):
    apps = client.AppsV1Api(api_client)
    apps.create_namespaced_deployment(namespace, deployment("web", "nginx:1.27"))

    def ready():
        d = apps.read_namespaced_deployment("web", namespace)
        return d if (d.status.ready_replicas or 0) == 3 else None

    first = wait_for(ready, "3 ready replicas")
    assert first.metadata.annotations["deployment.kubernetes.io/revision"] == "1"
    pods = client.CoreV1Api(api_client).list_namespaced_pod(namespace, label_selector="app=web")
    assert len(pods.items) == 3
    assert all(p.status.phase == "Running" for p in pods.items)

    apps.patch_namespaced_deployment(
        "web",
        namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.29"}]}}}},
    )

    def rolled():
        d = apps.read_namespaced_deployment("web", namespace)
        done = d.metadata.annotations.get("deployment.kubernetes.io/revision") == "2"
        return d if done and (d.status.updated_replicas or 0) == 3 else None

    wait_for(rolled, "revision 2 rolled out")
    replica_sets = apps.list_namespaced_replica_set(namespace, label_selector="app=web").items
    assert len(replica_sets) == 2
    by_image = {rs.spec.template.spec.containers[0].image: rs for rs in replica_sets}
    assert set(by_image) == {"nginx:1.27", "nginx:1.29"}

    # A rollback is what `kubectl rollout undo` does client-side: restore the
    # old ReplicaSet's template. The old ReplicaSet is reused as revision 3.
    old_template = by_image["nginx:1.27"].spec.template
    old_template.metadata.labels.pop("pod-template-hash", None)
    apps.patch_namespaced_deployment("web", namespace, {"spec": {"template": old_template}})

    def rolled_back():
        d = apps.read_namespaced_deployment("web", namespace)
        rs = apps.read_namespaced_replica_set(by_image["nginx:1.27"].metadata.name, namespace)
        revision = d.metadata.annotations.get("deployment.kubernetes.io/revision")
        return revision == "3" and (rs.status.ready_replicas or 0) == 3

    wait_for(rolled_back, "the rollback to nginx:1.27 as revision 3")


def test_it_gives_services_cluster_ips_node_ports_and_endpoints(api_client, namespace):
    apps = client.AppsV1Api(api_client)
    core = client.CoreV1Api(api_client)
    apps.create_namespaced_deployment(namespace, deployment("frontend", "nginx:1.27"))
    service = core.create_namespaced_service(
        namespace,
        client.V1Service(
            metadata=client.V1ObjectMeta(name="frontend-svc"),
            spec=client.V1ServiceSpec(
                type="NodePort",
                selector={"app": "frontend"},
                ports=[client.V1ServicePort(port=80, target_port="http")],
            ),
        ),
    )
    assert ipaddress.ip_address(service.spec.cluster_ip) in ipaddress.ip_network("10.96.0.0/12")
    assert 30000 <= service.spec.ports[0].node_port <= 32767

    def endpoint_ips():
        pods = core.list_namespaced_pod(namespace, label_selector="app=frontend").items
        ready = {p.status.pod_ip for p in pods if p.status.pod_ip and _pod_ready(p)}
        slices = client.DiscoveryV1Api(api_client).list_namespaced_endpoint_slice(
            namespace, label_selector="kubernetes.io/service-name=frontend-svc"
        )
        listed = {
            address
            for s in slices.items
            for e in s.endpoints or []
            if e.conditions.ready
            for address in e.addresses
        }
        return listed if len(ready) == 3 and listed == ready else None

    ips = wait_for(endpoint_ips, "EndpointSlices listing the 3 ready Pods")
    assert all(not ipaddress.ip_address(ip).is_loopback for ip in ips)


def _pod_ready(pod) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def test_it_enforces_rbac_for_a_service_account_token(api_client, namespace, cluster: Cluster):
    core = client.CoreV1Api(api_client)
    rbac = client.RbacAuthorizationV1Api(api_client)
    core.create_namespaced_service_account(
        namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="reader"))
    )
    rbac.create_namespaced_role(
        namespace,
        client.V1Role(
            metadata=client.V1ObjectMeta(name="pod-reader"),
            rules=[
                client.V1PolicyRule(
                    api_groups=[""], resources=["pods"], verbs=["get", "watch", "list"]
                )
            ],
        ),
    )
    rbac.create_namespaced_role_binding(
        namespace,
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="read-pods"),
            role_ref=client.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="Role", name="pod-reader"
            ),
            subjects=[
                client.RbacV1Subject(kind="ServiceAccount", name="reader", namespace=namespace)
            ],
        ),
    )
    user = f"system:serviceaccount:{namespace}:reader"

    def allowed(resource: str) -> bool:
        review = client.AuthorizationV1Api(api_client).create_subject_access_review(
            client.V1SubjectAccessReview(
                spec=client.V1SubjectAccessReviewSpec(
                    user=user,
                    groups=["system:serviceaccounts", f"system:serviceaccounts:{namespace}"],
                    resource_attributes=client.V1ResourceAttributes(
                        namespace=namespace, verb="list", resource=resource
                    ),
                )
            )
        )
        return bool(review.status.allowed)

    # RBAC objects take effect through the authorizer's informer: poll.
    wait_for(lambda: allowed("pods"), "the RoleBinding to take effect")
    assert not allowed("secrets")

    token = core.create_namespaced_service_account_token(
        "reader",
        namespace,
        client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=600)
        ),
    ).status.token
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["sub"] == user

    configuration = client.Configuration()
    configuration.host = api_client.configuration.host
    configuration.ssl_ca_cert = api_client.configuration.ssl_ca_cert
    configuration.api_key = {"authorization": f"Bearer {token}"}
    with client.ApiClient(configuration) as as_reader:
        reader = client.CoreV1Api(as_reader)
        assert reader.list_namespaced_pod(namespace).items == []
        with pytest.raises(ApiException) as denied:
            reader.list_namespaced_secret(namespace)
        assert denied.value.status == 403
        with pytest.raises(ApiException) as elsewhere:
            reader.list_namespaced_pod("default")
        assert elsewhere.value.status == 403


def test_it_rejects_a_pod_over_quota(api_client, namespace):
    core = client.CoreV1Api(api_client)
    core.create_namespaced_resource_quota(
        namespace,
        client.V1ResourceQuota(
            metadata=client.V1ObjectMeta(name="small"),
            spec=client.V1ResourceQuotaSpec(hard={"pods": "1", "requests.cpu": "500m"}),
        ),
    )
    wait_for(
        lambda: core.read_namespaced_resource_quota("small", namespace).status.hard,
        "the quota controller to fill in status",
    )

    def pod(name: str, cpu: str) -> client.V1Pod:
        return client.V1Pod(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1PodSpec(
                containers=[
                    client.V1Container(
                        name="c",
                        image="busybox:1.37",
                        resources=client.V1ResourceRequirements(requests={"cpu": cpu}),
                    )
                ]
            ),
        )

    with pytest.raises(ApiException) as too_big:
        core.create_namespaced_pod(namespace, pod("big", "1"))
    assert too_big.value.status == 403
    assert "exceeded quota" in too_big.value.body
    core.create_namespaced_pod(namespace, pod("first", "100m"))
    with pytest.raises(ApiException) as too_many:
        core.create_namespaced_pod(namespace, pod("second", "100m"))
    assert too_many.value.status == 403
    assert "pods=1" in too_many.value.body or "pods" in too_many.value.body


def test_it_completes_a_job(api_client, namespace):
    batch = client.BatchV1Api(api_client)
    batch.create_namespaced_job(
        namespace,
        client.V1Job(
            metadata=client.V1ObjectMeta(name="pi"),
            spec=client.V1JobSpec(
                backoff_limit=2,
                template=client.V1PodTemplateSpec(
                    spec=client.V1PodSpec(
                        restart_policy="Never",
                        containers=[
                            client.V1Container(
                                name="pi", image="perl:5.40", command=["perl", "-e", "print 1"]
                            )
                        ],
                    )
                ),
            ),
        ),
    )

    def complete():
        job = batch.read_namespaced_job("pi", namespace)
        return any(c.type == "Complete" and c.status == "True" for c in job.status.conditions or [])

    wait_for(complete, "the Job to complete")
    assert batch.read_namespaced_job("pi", namespace).status.succeeded == 1


def test_it_places_one_daemonset_pod_per_node(api_client, namespace):
    apps = client.AppsV1Api(api_client)
    labels = {"app": "agent"}
    apps.create_namespaced_daemon_set(
        namespace,
        client.V1DaemonSet(
            metadata=client.V1ObjectMeta(name="agent"),
            spec=client.V1DaemonSetSpec(
                selector=client.V1LabelSelector(match_labels=labels),
                template=client.V1PodTemplateSpec(
                    metadata=client.V1ObjectMeta(labels=labels),
                    spec=client.V1PodSpec(
                        containers=[client.V1Container(name="agent", image="busybox:1.37")]
                    ),
                ),
            ),
        ),
    )
    node_names = {n.metadata.name for n in client.CoreV1Api(api_client).list_node().items}

    def placed():
        ds = apps.read_namespaced_daemon_set("agent", namespace)
        return ds.status.number_ready == len(node_names) or None

    wait_for(placed, "one ready agent Pod per node")
    pods = client.CoreV1Api(api_client).list_namespaced_pod(namespace, label_selector="app=agent")
    assert sorted(p.spec.node_name for p in pods.items) == sorted(node_names)


def test_it_binds_a_static_pv_to_a_claim(api_client, namespace):
    core = client.CoreV1Api(api_client)
    pv_name = f"pv-{namespace}"
    core.create_persistent_volume(
        client.V1PersistentVolume(
            metadata=client.V1ObjectMeta(name=pv_name, labels={"lfs158-tutor/test": "true"}),
            spec=client.V1PersistentVolumeSpec(
                capacity={"storage": "1Gi"},
                access_modes=["ReadWriteOnce"],
                persistent_volume_reclaim_policy="Delete",
                storage_class_name="manual",
                host_path=client.V1HostPathVolumeSource(path=f"/tmp/{pv_name}"),
            ),
        )
    )
    try:
        core.create_namespaced_persistent_volume_claim(
            namespace,
            client.V1PersistentVolumeClaim(
                metadata=client.V1ObjectMeta(name="data"),
                spec=client.V1PersistentVolumeClaimSpec(
                    access_modes=["ReadWriteOnce"],
                    storage_class_name="manual",
                    resources=client.V1VolumeResourceRequirements(requests={"storage": "500Mi"}),
                ),
            ),
        )

        def bound():
            claim = core.read_namespaced_persistent_volume_claim("data", namespace)
            return claim if claim.status.phase == "Bound" else None

        claim = wait_for(bound, "the claim to bind")
        assert claim.spec.volume_name == pv_name
        assert core.read_persistent_volume(pv_name).status.phase == "Bound"
    finally:
        core.delete_persistent_volume(pv_name)


MISMATCHED_SELECTOR = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: webserver
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


def test_kubectl_dry_run_rejects_what_a_schema_accepts(cluster: Cluster, namespace):
    result = cluster.run_kubectl(
        "apply", "--dry-run=server", "-n", namespace, "-f", "-", stdin=MISMATCHED_SELECTOR
    )
    assert result.returncode != 0
    assert "selector" in result.stderr and "does not match template" in result.stderr
    fixed = MISMATCHED_SELECTOR.replace("app: webserver", "app: web")
    ok = cluster.run_kubectl("apply", "--dry-run=server", "-n", namespace, "-f", "-", stdin=fixed)
    assert ok.returncode == 0, ok.stderr


def test_kubectl_matches_the_server_version(cluster: Cluster):
    if not cluster.local:
        pytest.skip("only the project's own control plane pins kubectl to the server")
    result = cluster.run_kubectl("version", "-o", "json")
    assert result.returncode == 0, result.stderr
    versions = json.loads(result.stdout)
    assert versions["clientVersion"]["gitVersion"] == versions["serverVersion"]["gitVersion"]
    assert versions["serverVersion"]["gitVersion"].startswith("v1.35.")


def test_nodes_heartbeat_through_leases(api_client):
    # Without Lease heartbeats the node controller marks the fake nodes
    # NotReady every ~40 s and Ready Pods flip to not ready.
    nodes = {n.metadata.name for n in client.CoreV1Api(api_client).list_node().items}
    coordination = client.CoordinationV1Api(api_client)

    def renewed():
        leases = coordination.list_namespaced_lease("kube-node-lease").items
        return {lease.metadata.name for lease in leases if lease.spec.renew_time} >= nodes

    wait_for(renewed, "a renewed Lease for every node", timeout=30)

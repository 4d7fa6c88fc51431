"""Observed against expected for the rule kinds that judge meaning (service, access lists, ...).

As in test_feedback.py: each result is made by the real grader over a
namespace snapshot, stored as JSON and read back, then explained.
"""

from __future__ import annotations

from typing import Any

from engine.assertions.rules import ASSERTIONS
from engine.grading.feedback import _EXPLAINERS, Explanation, explain
from tests.engine.test_feedback import SnapshotReader, deployment, graded, pod, service


class Reader(SnapshotReader):
    def server_version(self) -> str | None:
        return "v1.35.4"


def explained(checks: list[dict[str, Any]], reader: Reader, check_id: str) -> Explanation:
    rule, result = graded(checks, reader)[check_id]
    assert not result["passed"], result
    explanation = explain(rule, result)
    assert explanation is not None, result
    assert explanation.comparisons, "the page shows a table: it needs a row"
    return explanation


def rows(explanation: Explanation) -> list[tuple[str, str, str]]:
    return [(c.what, c.expected, c.observed) for c in explanation.comparisons]


def frontend(name: str = "frontend", app: str = "frontend", port: int = 5000) -> dict[str, Any]:
    d = deployment(name=name, app=app)
    d["spec"]["template"]["spec"]["containers"][0]["ports"] = [
        {"name": "http", "containerPort": port}
    ]
    return d


def pod_of(owner: str, app: str, port: int = 5000) -> dict[str, Any]:
    """A Pod as a Deployment's ReplicaSet makes it."""
    p = pod(f"{owner}-abc-1", app)
    p["metadata"]["labels"]["pod-template-hash"] = "abc"
    p["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": f"{owner}-abc"}]
    p["spec"] = {"containers": [{"name": "web", "image": "nginx",
                                 "ports": [{"name": "http", "containerPort": port}]}]}  # fmt: skip
    return p


def svc(name: str, app: str, *, target: Any = 80, type_: str = "ClusterIP") -> dict[str, Any]:
    s = service(name=name, app=app, type_=type_)
    s["spec"]["ports"] = [{"port": 80, "targetPort": target}]
    return s


NODEPORT = {"id": "np", "title": "t", "select": {"kind": "Service", "name": "np"},
            "service": {"type": "NodePort", "selects": {"kind": "Deployment", "name": "frontend"},
                        "only": True, "port": 80, "targetPort": 5000}}  # fmt: skip


def test_every_rule_kind_has_an_explainer():
    assert set(_EXPLAINERS) == set(ASSERTIONS)


def test_a_service_of_the_wrong_type_whose_target_port_leads_nowhere():
    reader = Reader(svc("np", "frontend", target=80), frontend(), pod_of("frontend", "frontend"))
    explanation = explained([NODEPORT], reader, "np")
    assert explanation.summary == (
        "Service `np`: it is a `ClusterIP` Service; the lab expects `NodePort`. "
        "(1 more difference below.)"
    )
    assert rows(explanation) == [
        ("Type", "`NodePort`", "`ClusterIP`"),
        ("`targetPort`", "port 5000 of the Pods", "`80`, which the Pods do not declare"),
    ]


def test_a_service_that_also_selects_another_workloads_pods():
    reader = Reader(
        svc("np", "frontend", target="http", type_="NodePort"),
        frontend(), frontend(name="canary"), pod_of("frontend", "frontend"), pod_of("canary", "frontend"),
    )  # fmt: skip
    explanation = explained([NODEPORT], reader, "np")
    assert explanation.summary == (
        "Service `np`: it also selects the Pods of Deployment `canary`, Pod `canary-abc-1`; "
        "the lab expects only the Pods of Deployment `frontend`."
    )


def test_a_service_selecting_the_wrong_labels_compares_them():
    reader = Reader(
        svc("np", "front", target="http", type_="NodePort"),
        frontend(),
        pod_of("frontend", "frontend"),
    )
    explanation = explained([NODEPORT], reader, "np")
    assert explanation.summary.startswith(
        "Service `np`: it selects `app=front`, but the Pods of Deployment `frontend` are labelled "
        "`app=frontend`."
    )
    assert ("Labels of the Pods of Deployment `frontend`", "all of `app=front`", "`app=frontend`") in rows(explanation)  # fmt: skip


def test_a_service_without_the_port_names_the_ports_it_has():
    service_8080 = svc("np", "frontend", target="http", type_="NodePort")
    service_8080["spec"]["ports"][0]["port"] = 8080
    explanation = explained([NODEPORT], Reader(service_8080, frontend()), "np")
    assert rows(explanation) == [("Port", "port 80", "`8080`")]


def test_a_service_counts_its_ready_endpoints_from_the_endpointslice():
    endpoint_slice = {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "np-x", "labels": {"kubernetes.io/service-name": "np"}},
        "ports": [{"port": 5000}], "endpoints": [{"conditions": {"ready": True}}],
    }  # fmt: skip
    check = {"id": "eps", "title": "t", "select": {"kind": "Service", "name": "np"},
             "service": {"selects": {"kind": "Deployment", "name": "frontend"}, "port": 80,
                         "endpoints": {"equals": 3}}}  # fmt: skip
    reader = Reader(svc("np", "frontend", target="http"), frontend(), pod_of("frontend", "frontend"), endpoint_slice)  # fmt: skip
    explanation = explained([check], reader, "eps")
    assert (
        explanation.summary == "Service `np`: it has 1 ready endpoint; the lab expects exactly 3."
    )
    assert rows(explanation) == [("Ready endpoints", "exactly 3", "1")]


def test_access_lists_show_every_wrong_answer():
    check = {"id": "bob", "title": "t", "access": {
        "allowed": [{"user": "bob", "verb": "list", "resource": "pods"},
                    {"user": "bob", "verb": "watch", "resource": "pods"}],
        "denied": [{"user": "bob", "verb": "delete", "resource": "pods"},
                   {"user": "bob", "verb": "list", "resource": "pods", "namespace": "default"},
                   {"serviceAccount": "default", "verb": "list", "resource": "pods"}]}}  # fmt: skip
    reader = Reader(access={("bob", "list", "pods"): True, ("bob", "delete", "pods"): True})
    explanation = explained([check], reader, "bob")
    assert explanation.summary == (
        "The API server says user `bob` may not `watch pods` in your namespace; "
        "the lab expects that it may. (2 more differences below.)"
    )
    assert rows(explanation) == [
        ("May user `bob` `watch pods` in your namespace?", "may", "may not"),
        ("May user `bob` `delete pods` in your namespace?", "may not", "may"),
        ("May user `bob` `list pods` in the namespace `default`?", "may not", "may"),
    ]


ROLE = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "pod-reader"}}  # fmt: skip
READ_PODS = {"id": "role", "title": "t", "select": {"kind": "Role", "name": "pod-reader"},
             "permissions": {"allows": [{"apiGroups": [""], "resources": ["pods"],
                                         "verbs": ["get", "list", "watch"]}], "only": True}}  # fmt: skip


def test_a_role_that_allows_too_little_says_what_is_missing():
    role = {**ROLE, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}
    explanation = explained([READ_PODS], Reader(role), "role")
    assert explanation.summary == (
        "Role `pod-reader`: it does not allow `watch pods`; the lab expects `get, list, watch` on `pods`."
    )
    assert rows(explanation) == [
        ("What Role `pod-reader` allows", "`get, list, watch` on `pods`", "`get, list` on `pods`")
    ]


def test_a_role_that_allows_too_much_says_what_is_beyond():
    role = {**ROLE, "rules": [
        {"apiGroups": [""], "resources": ["pods", "secrets"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]}]}  # fmt: skip
    explanation = explained([READ_PODS], Reader(role), "role")
    assert explanation.summary.startswith("Role `pod-reader`: it allows more than needed: ")
    assert rows(explanation)[0] == (
        "What Role `pod-reader` allows",
        "`get, list, watch` on `pods`, and nothing more",
        "`get, list, watch` on `pods, secrets`; `*` on `deployments` (API group `apps`)",
    )
    assert rows(explanation)[1][1:] == (
        "nothing",
        "`get, list, watch on secrets`; `* on deployments (apps)`",
    )


def test_a_rollout_that_never_rolled_back():
    webserver = deployment(name="webserver", app="webserver")
    webserver["metadata"].update(
        annotations={"deployment.kubernetes.io/revision": "2"}, uid="u1", generation=2
    )
    webserver["status"].update(observedGeneration=2, updatedReplicas=1, availableReplicas=1)
    replica_set = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {
        "name": "webserver-abc", "annotations": {"deployment.kubernetes.io/revision": "2"},
        "ownerReferences": [{"kind": "Deployment", "name": "webserver", "uid": "u1"}]}}  # fmt: skip
    check = {"id": "rollout", "title": "t", "select": {"kind": "Deployment", "name": "webserver"},
             "rollout": {"revision": {"min": 3}, "replicaSets": {"min": 2}, "rolledBack": True,
                         "complete": True}}  # fmt: skip
    explanation = explained([check], Reader(webserver, replica_set), "rollout")
    assert explanation.summary == (
        "Deployment `webserver`: it is at revision 2; the lab expects at least 3. "
        "(3 more differences below.)"
    )
    assert rows(explanation) == [
        ("Revision (`kubectl rollout history`)", "at least 3", "2"),
        ("ReplicaSets it owns", "at least 2", "1"),
        ("Rollout (`kubectl rollout status`)", "complete", "1 of 2 updated, 1 available"),
        ("Pod template", "an earlier revision's, brought back by `kubectl rollout undo`",
         "a new one (no rollback)"),
    ]  # fmt: skip


def test_references_name_the_missing_key_and_the_missing_object():
    config_demo = frontend(name="config-demo", app="config-demo")
    config_demo["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "COMPANY", "valueFrom": {"configMapKeyRef": {"name": "customer1", "key": "COMPANY"}}},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "my-pasword", "key": "password"}}},
    ]  # fmt: skip
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "customer1"},
                  "data": {"TEXT1": "a", "company": "b"}}  # fmt: skip
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "my-password"},
              "data": {"password": "eA=="}}  # fmt: skip
    check = {"id": "refs", "title": "t", "select": {"kind": "Deployment", "name": "config-demo"},
             "references": {"kinds": ["ConfigMap", "Secret"]}}  # fmt: skip
    explanation = explained([check], Reader(config_demo, config_map, secret), "refs")
    assert explanation.summary.startswith(
        "Deployment `config-demo`: container web: env COMPANY uses ConfigMap `customer1`, "
        "key `COMPANY`, but ConfigMap `customer1` has no such key (its keys: `TEXT1`, `company`)."
    )
    assert rows(explanation)[1] == (
        "container web: env DB_PASSWORD",
        "Secret `my-pasword`",
        "none; there is `my-password`",
    )


def test_an_ingress_backend_on_the_containers_port():
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "fan"},
               "spec": {"rules": [{"http": {"paths": [{"path": "/blue", "pathType": "Prefix",
                        "backend": {"service": {"name": "blue", "port": {"number": 8080}}}}]}}]}}  # fmt: skip
    check = {"id": "backends", "title": "t", "select": {"kind": "Ingress"},
             "references": {"kinds": ["Service"]}}  # fmt: skip
    explanation = explained([check], Reader(ingress, svc("blue", "blue")), "backends")
    assert rows(explanation) == [("backend of */blue", "Service `blue`, port `8080`", "its ports: `80`")]  # fmt: skip


IMAGE = {"id": "image", "title": "t", "select": {"kind": "Deployment", "name": "web"},
         "expr": "spec.template.spec.containers[0].image"}  # fmt: skip


def with_image(image: str) -> dict[str, Any]:
    web = deployment()
    web["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return web


def test_an_image_rule_says_which_images_it_takes():
    check = {**IMAGE, "image": {"repository": "nginx", "tag": ["alpine", "*-alpine"]}}
    explanation = explained([check], Reader(with_image("nginx:1.27")), "image")
    assert explanation.summary == (
        "Deployment `web`: `spec.template.spec.containers[0].image` is `nginx:1.27`; "
        "the lab expects an image of `nginx` tagged `alpine` or `*-alpine`."
    )
    version = {**IMAGE, "image": {"repository": "nginx", "version": "1.26"}}
    [row] = rows(explained([version], Reader(with_image("nginx:1.27")), "image"))
    assert row[1:] == ("an image of `nginx`, version 1.26", "`nginx:1.27`")


def test_an_image_from_a_frozen_registry_says_so():
    check = {**IMAGE, "image": {"repository": "nginx", "tag": "alpine"}}
    [row] = rows(explained([check], Reader(with_image("k8s.gcr.io/nginx:alpine")), "image"))
    assert row[2].startswith("`k8s.gcr.io/nginx:alpine` (k8s.gcr.io is frozen")


def test_a_fact_is_shown_with_the_clusters_value():
    facts = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "facts"},
             "data": {"nodes": "42", "namespace": "default"}}  # fmt: skip
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}
    base = {"title": "t", "select": {"kind": "ConfigMap", "name": "facts"}}
    checks = [{**base, "id": "nodes", "expr": "data.nodes", "as": "number", "fact": "nodeCount"},
              {**base, "id": "ns", "expr": "data.namespace", "as": "text", "fact": "namespace"}]  # fmt: skip
    reader = Reader(facts, node)
    assert explained(checks, reader, "nodes").summary == (
        "ConfigMap `facts`: `data.nodes` is `42`; the lab expects `1` (the number of nodes in the cluster)."
    )
    assert explained(checks, reader, "ns").summary == (
        "ConfigMap `facts`: `data.namespace` is `default`; the lab expects `ns` (your lab namespace)."
    )


def test_a_base64_value_is_shown_decoded():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "my-password"},
              "data": {"password": "bXlzcWxwYXNzd29yZAo="}}  # fmt: skip
    check = {"id": "pw", "title": "t", "select": {"kind": "Secret", "name": "my-password"},
             "expr": "data.password", "as": "base64", "equals": "mysqlpassword"}  # fmt: skip
    [row] = rows(explained([check], Reader(secret), "pw"))
    assert row[1:] == (
        "base64 of `mysqlpassword`",
        '`bXlzcWxwYXNzd29yZAo=`, which decodes to `"mysqlpassword\\n"`',
    )


def test_a_probe_on_a_port_the_container_does_not_declare():
    web = frontend(name="web", app="web", port=80)
    web["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = {
        "httpGet": {"path": "/", "port": 8080}
    }
    check = {"id": "ready", "title": "t", "select": {"kind": "Deployment", "name": "web"},
             "probe": {"container": "web", "type": "readiness", "action": "httpGet", "port": 80}}  # fmt: skip
    assert rows(explained([check], Reader(web), "ready")) == [
        ("`readinessProbe` of container `web`", "`httpGet` on port 80",
         "`httpGet` on port `8080` (not a port the container declares), path `/`"),
    ]  # fmt: skip
    del web["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert explained([check], Reader(web), "ready").summary == (
        "Deployment `web`: the `readinessProbe` of container `web` is not set; "
        "the lab expects `httpGet` on port 80."
    )


def test_selects_only_names_the_other_pods():
    check = {"id": "only", "title": "t", "select": {"kind": "Service", "name": "np"},
             "selects": {"kind": "Deployment", "name": "frontend", "only": True}}  # fmt: skip
    reader = Reader(svc("np", "frontend"), frontend(), frontend(name="canary"))
    assert explained([check], reader, "only").summary == (
        "Service `np` selects `app=frontend`, which also picks the Pods of Deployment `canary`; "
        "the lab expects only the Pods of Deployment `frontend`."
    )


def test_a_claim_that_did_not_bind():
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c", "resourceVersion": "1"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
             "status": {"phase": "Pending"}}  # fmt: skip
    volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
              "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}}  # fmt: skip
    check = {"id": "binds", "title": "t", "select": {"kind": "PersistentVolumeClaim", "name": "c"},
             "binds": {"name": "pv1"}}  # fmt: skip
    assert rows(explained([check], Reader(claim, volume), "binds")) == [
        ("Binds to", "PersistentVolume `pv1`", "`Pending`")
    ]
    assert explained([check], Reader(claim), "binds").summary == (
        "There is no PersistentVolume `pv1` for the claim to bind to; the lab expects one."
    )


def test_tolerations_that_miss_the_taint():
    check = {"id": "tol", "title": "t", "select": {"kind": "Deployment", "name": "web"},
             "tolerates": {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}}  # fmt: skip
    assert explained([check], Reader(deployment()), "tol").summary == (
        "The Pods of Deployment `web` do not tolerate the taint "
        "`node-role.kubernetes.io/control-plane:NoSchedule` (their tolerations: none); "
        "the lab expects them to."
    )

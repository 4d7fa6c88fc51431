"""The assertions beside the core language: resolves, answer, some (pure, no cluster)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from engine.assertions import RuleError, compile_rule, evaluate
from engine.grading.lab import grade, reads_of
from engine.grading.regrade import regrade_from_evidence


def rule(**raw: Any):  # type: ignore[no-untyped-def]
    return compile_rule({"id": "r", "title": "a rule", **raw}, lab=True)


def judge(raw: dict[str, Any], objects: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    [result] = evaluate([rule(**raw)], objects)
    return result


def obj(kind: str, name: str, **fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {"name": name, **fields.pop("meta", {})},
        **fields,
    }


def deployment(name: str, pod_spec: dict[str, Any]) -> dict[str, Any]:
    return obj(
        "Deployment",
        name,
        spec={"template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec}},
    )


# --- ConfigMaps and Secrets: the language's `references` kind, not `resolves` -------------


def env_from_key(key: str, **ref: Any) -> dict[str, Any]:
    return {
        "name": "LOG_LEVEL",
        "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": key, **ref}},
    }


def test_resolves_sends_config_map_and_secret_keys_to_references():
    # One implementation of "every key a Pod template reads exists": engine.assertions.kinds.
    for name, kind in (("config-maps", "ConfigMap"), ("secrets", "Secret")):
        with pytest.raises(RuleError, match=f"references: {{kinds: \\[{kind}\\]}}"):
            rule(select={"kind": "Deployment"}, resolves=[name])


def test_references_names_the_missing_key_the_troubleshooting_lab_is_about():
    app = deployment("web", {"containers": [{"name": "app", "env": [env_from_key("LOG_LEVEL")]}]})
    config = obj("ConfigMap", "cfg", data={"log_level": "debug", "color": "blue"})
    check = {
        "select": {"kind": "Deployment", "name": "web"},
        "references": {"kinds": ["ConfigMap"]},
    }
    result = judge(check, [app, config])
    assert not result.passed and "LOG_LEVEL" in result.message
    fixed = deployment("web", {"containers": [{"name": "app", "env": [env_from_key("log_level")]}]})
    assert judge(check, [fixed, config]).passed


# --- resolves: claims, ServiceAccounts, volumes, autoscalers ---------------------------------


def test_claims_must_exist_and_be_bound():
    pod = obj("Pod", "p", spec={"containers": [], "volumes": [
        {"name": "a", "persistentVolumeClaim": {"claimName": "missing"}},
        {"name": "b", "persistentVolumeClaim": {"claimName": "waiting"}},
    ]})  # fmt: skip
    waiting = obj("PersistentVolumeClaim", "waiting", status={"phase": "Pending"})
    result = judge({"select": {"kind": "Pod"}, "resolves": ["claims"]}, [pod, waiting])
    assert result.evidence["problems"] == [
        'Pod "p": volume "a" mounts the claim "missing", which does not exist',
        'Pod "p": volume "b" mounts the claim "waiting", which is Pending',
    ]


def test_the_service_account_must_exist():
    app = deployment("web", {"serviceAccountName": "robot", "containers": []})
    check = {"select": {"kind": "Deployment"}, "resolves": ["service-account"]}
    assert 'ServiceAccount "robot", which does not exist' in judge(check, [app]).message
    assert judge(check, [app, obj("ServiceAccount", "robot")]).passed


def test_a_claim_must_be_bound_to_a_volume_bound_back_to_it():
    claim = obj("PersistentVolumeClaim", "data", meta={"namespace": "ns"}, spec={"volumeName": "pv"}, status={"phase": "Bound"})  # fmt: skip
    check = {"select": {"kind": "PersistentVolumeClaim"}, "resolves": ["volume"]}
    mine = obj("PersistentVolume", "pv", spec={"claimRef": {"name": "data", "namespace": "ns"}})
    other = obj(
        "PersistentVolume", "pv", spec={"claimRef": {"name": "data", "namespace": "elsewhere"}}
    )
    assert judge(check, [claim, mine]).passed
    assert "bound to another claim" in judge(check, [claim, other]).message
    assert "does not exist" in judge(check, [claim]).message


def test_an_autoscaler_needs_its_target_and_the_requests_it_measures():
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]}}  # fmt: skip
    check = {"select": {"kind": "HorizontalPodAutoscaler"}, "resolves": ["scale-target"]}
    assert 'Deployment "api", which does not exist' in judge(check, [hpa]).message
    bare = deployment("api", {"containers": [{"name": "api"}]})
    assert "requests no cpu" in judge(check, [hpa, bare]).message
    sized = deployment(
        "api", {"containers": [{"name": "api", "resources": {"requests": {"cpu": "100m"}}}]}
    )
    assert judge(check, [hpa, sized]).passed
    assert reads_of([rule(**check)]) >= {
        ("apps/v1", "Deployment"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
    }


# --- resolves: Ingress backends and TLS ------------------------------------------------------


def ingress(port: dict[str, Any], tls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop"},
            "spec": {"tls": tls or [], "rules": [{"host": "shop.example.com", "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": port}}}]}}]}}  # fmt: skip


SERVICE = obj(
    "Service", "web", spec={"ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
)


def slice_with(ready: bool) -> dict[str, Any]:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "web-x", "labels": {"kubernetes.io/service-name": "web"}},
            "endpoints": [{"conditions": {"ready": ready}}]}  # fmt: skip


def test_a_backend_is_a_service_port_with_ready_endpoints():
    check = {"select": {"kind": "Ingress"}, "resolves": ["backends"]}
    assert judge(check, [ingress({"number": 80}), SERVICE, slice_with(True)]).passed
    assert judge(check, [ingress({"name": "http"}), SERVICE, slice_with(True)]).passed
    wrong = judge(check, [ingress({"number": 8080}), SERVICE, slice_with(True)])
    assert wrong.message == (
        'Ingress "shop": shop.example.com / goes to port 8080 of Service "web", whose ports are 80 (http).'
    )
    assert (
        "no ready endpoints"
        in judge(check, [ingress({"number": 80}), SERVICE, slice_with(False)]).message
    )
    assert 'Service "web", which does not exist' in judge(check, [ingress({"number": 80})]).message


def certificate(host: str | None, *, days: int = 30, start: int = -1) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host or "nobody")])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=start)).not_valid_after(now + timedelta(days=days))
    )  # fmt: skip
    if host:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False
        )
    pem = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
    return base64.b64encode(pem).decode()


def tls_secret(crt: str, kind: str = "kubernetes.io/tls") -> dict[str, Any]:
    return obj("Secret", "shop-tls", type=kind, data={"tls.crt": crt, "tls.key": "eA=="})


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        (tls_secret(certificate("shop.example.com")), None),
        (tls_secret(certificate("*.example.com")), None),
        (tls_secret(certificate("other.example.com")), "the certificate is for other.example.com, not for shop.example.com"),
        (tls_secret(certificate(None)), "names no host in subjectAltName"),
        (tls_secret(certificate("shop.example.com", days=-1, start=-10)), "not now"),
        (tls_secret(base64.b64encode(b"not a certificate").decode()), "tls.crt holds no PEM certificate"),
        (tls_secret(certificate("shop.example.com"), kind="Opaque"), "is not a TLS Secret"),
    ],
)  # fmt: skip
def test_a_tls_secret_must_hold_a_certificate_for_the_host(secret, problem):
    tls = [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]
    result = judge(
        {"select": {"kind": "Ingress"}, "resolves": ["tls"]}, [ingress({"number": 80}, tls), secret]
    )
    assert result.passed is (problem is None)
    if problem:
        assert problem in result.message


def test_resolves_names_only_what_it_knows():
    with pytest.raises(RuleError, match="does not know \\['colours'\\]"):
        rule(select={"kind": "Pod"}, resolves=["colours"])
    with pytest.raises(RuleError, match="lists what must resolve"):
        rule(select={"kind": "Pod"}, resolves=[])


# --- answer ---------------------------------------------------------------------------------


def answers(**data: str) -> dict[str, Any]:
    return obj("ConfigMap", "answers", data=data)


def discovery(path: str, body: Any) -> dict[str, Any]:
    return {
        "apiVersion": "lfs158-tutor.invalid/v1",
        "kind": "APIDiscovery",
        "metadata": {"name": path},
        "body": body,
    }


VERSION = {"select": {"kind": "ConfigMap", "name": "answers"}, "answer": {"expr": "data.v", "api": {"path": "/version", "expr": "gitVersion"}}}  # fmt: skip


@pytest.mark.parametrize(("written", "right"), [
    ("v1.35.4", True), ("1.35.4", True), (" v1.35.4\n", True), ("v1.35.0", False), ("any", False),
])  # fmt: skip
def test_an_answer_is_compared_with_what_the_server_says(written, right):
    result = judge(VERSION, [answers(v=written), discovery("/version", {"gitVersion": "v1.35.4"})])
    assert result.passed is right
    # A failure never gives the true value away.
    assert "1.35.4" not in result.message.replace(written, "")


def test_an_answer_can_be_a_list_a_field_of_another_object_or_a_count():
    versions = {"select": {"kind": "ConfigMap"}, "answer": {"expr": "data.v", "api": {"path": "/api", "expr": "versions"}}}  # fmt: skip
    assert judge(versions, [answers(v="v1"), discovery("/api", {"versions": ["v1"]})]).passed
    uid = {"select": {"kind": "ConfigMap"}, "answer": {"expr": "data.uid", "object": {"select": {"kind": "ServiceAccount", "name": "bot"}, "expr": "metadata.uid"}}}  # fmt: skip
    bot = obj("ServiceAccount", "bot", meta={"uid": "1234-abcd"})
    assert judge(uid, [answers(uid="1234-abcd"), bot]).passed
    assert not judge(uid, [answers(uid="1234-abce"), bot]).passed
    nodes = {"select": {"kind": "ConfigMap"}, "answer": {"expr": "data.nodes", "count": {"select": {"kind": "Node"}}}}  # fmt: skip
    assert judge(nodes, [answers(nodes="2"), obj("Node", "a"), obj("Node", "b")]).passed
    assert not judge(nodes, [answers(nodes="two"), obj("Node", "a"), obj("Node", "b")]).passed


def test_a_missing_answer_says_where_to_record_it():
    result = judge(VERSION, [answers(), discovery("/version", {"gitVersion": "v1.35.4"})])
    assert result.message == 'ConfigMap "answers" has no `data.v`: record it there.'


def test_answers_are_for_labs_only_and_need_one_truth():
    with pytest.raises(RuleError, match="only for labs"):
        compile_rule({"id": "r", "title": "t", **VERSION}, lab=False)
    with pytest.raises(RuleError, match="exactly one of api, object, count"):
        rule(select={"kind": "ConfigMap"}, answer={"expr": "data.v"})
    with pytest.raises(RuleError, match="must be a discovery path"):
        rule(
            select={"kind": "ConfigMap"},
            answer={"expr": "data.v", "api": {"path": "/api/v1/secrets", "expr": "x"}},
        )


class Reader:
    """A cluster as the grader reads it, from fixed objects and discovery documents."""

    def __init__(self, objects: list[dict[str, Any]], documents: dict[str, Any]) -> None:
        self.objects, self.documents, self.asked = objects, documents, []  # type: ignore[var-annotated]

    def list_objects(self, api_version: str, kind: str, namespace: str) -> list[dict[str, Any]]:
        self.asked.append(kind)
        return [o for o in self.objects if o["kind"] == kind]

    def can_i(self, **_: Any) -> bool:
        return False

    def events(self, namespace: str) -> list[dict[str, Any]]:
        return []

    def server_version(self) -> str | None:
        return "v1.35.4"

    def discovery(self, path: str) -> Any:
        self.asked.append(path)
        return self.documents.get(path)


def test_the_grader_reads_the_discovery_documents_and_the_other_kinds_a_check_needs():
    reader = Reader([answers(v="v1.35.4"), obj("ServiceAccount", "bot", meta={"uid": "u"})], {"/version": {"gitVersion": "v1.35.4"}})  # fmt: skip
    checks = [rule(**VERSION), compile_rule({"id": "uid", "title": "t", "select": {"kind": "ConfigMap"}, "answer": {"expr": "data.v", "object": {"select": {"kind": "ServiceAccount", "name": "bot"}, "expr": "metadata.uid"}}}, lab=True)]  # fmt: skip
    graded = grade(reader, checks, "ns")
    assert [r.passed for r in graded.results] == [True, False]
    assert "/version" in reader.asked and "ServiceAccount" in reader.asked


# --- some -----------------------------------------------------------------------------------


def replica_set(name: str, image: str, replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"image": image}]}}}}  # fmt: skip


SOME = {"select": {"kind": "ReplicaSet", "labels": {"app": "web"}}, "some": {"expr": "spec.template.spec.containers[0].image == 'nginx:1.28' && spec.replicas == `0`", "equals": True}}  # fmt: skip


def test_some_passes_when_one_selected_object_has_it():
    kept = [replica_set("a", "nginx:1.27", 3), replica_set("b", "nginx:1.28", 0)]
    result = judge(SOME, kept)
    assert result.passed and result.evidence["matched"] == '"b"'
    missing = judge(SOME, [replica_set("a", "nginx:1.27", 3)])
    assert not missing.passed and 'found "a": false' in missing.message
    assert "found none" in judge(SOME, []).message


def test_some_takes_an_expression_and_one_comparison():
    with pytest.raises(RuleError, match="exactly one of"):
        rule(select={"kind": "Pod"}, some={"expr": "x", "equals": 1, "min": 0})
    with pytest.raises(RuleError, match="not valid JMESPath"):
        rule(select={"kind": "Pod"}, some={"expr": "x[", "equals": 1})


# --- regrading from evidence -----------------------------------------------------------------


def test_regrading_answers_some_from_evidence_and_keeps_what_reads_beyond_it():
    reader = Reader([replica_set("b", "nginx:1.28", 0), answers(v="v1.35.4")], {"/version": {"gitVersion": "v1.35.4"}})  # fmt: skip
    checks = [compile_rule({"id": "kept", "title": "t", **SOME}, lab=True), compile_rule({"id": "version", "title": "t", **VERSION}, lab=True)]  # fmt: skip
    stored = [r.as_dict() for r in grade(reader, checks, "ns").results]
    outcome = {c.id: c.outcome for c in regrade_from_evidence(checks=checks, stored=stored).checks}
    assert outcome == {"kept": "regraded", "version": "kept"}

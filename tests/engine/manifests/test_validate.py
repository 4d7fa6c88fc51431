"""One test per finding code, with exact positions."""

from __future__ import annotations

import pytest

from engine.manifests import CODES, SUPPORTED_VERSIONS, validate_text

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: webserver
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
        - name: webserver
          image: nginx:alpine
          ports:
            - containerPort: 80
              name: http
"""


def findings(text: str, version: str = "1.35") -> list[tuple[str, str, int, int, str]]:
    result = validate_text(text, kubernetes_version=version)
    return [(f.severity, f.code, f.line, f.column, f.path) for f in result.all_findings]


def only(text: str, version: str = "1.35"):
    result = validate_text(text, kubernetes_version=version)
    assert len(result.all_findings) == 1, result.all_findings
    return result.all_findings[0]


def test_a_correct_deployment_has_no_findings():
    result = validate_text(DEPLOYMENT)
    assert result.valid
    assert result.all_findings == []
    assert result.documents[0].kind == "Deployment"
    assert result.documents[0].name == "webserver"


def test_it_supports_at_least_1_30_to_1_35():
    assert {"1.30", "1.31", "1.32", "1.33", "1.34", "1.35"} <= set(SUPPORTED_VERSIONS)
    for version in SUPPORTED_VERSIONS:
        assert validate_text(DEPLOYMENT, kubernetes_version=version).valid


def test_unknown_field_suggests_the_right_one():
    finding = only(DEPLOYMENT.replace("  replicas: 3", "  replica: 3"))
    assert (finding.code, finding.line, finding.column, finding.path) == (
        "unknown-field",
        8,
        3,
        "spec.replica",
    )
    assert (
        finding.message == "`replica` is not a field of DeploymentSpec — did you mean `replicas`?"
    )


def test_wrong_case_field_is_found():
    result = validate_text(DEPLOYMENT.replace("containerPort: 80", "containerport: 80"))
    unknown, missing = sorted(result.all_findings, key=lambda f: f.code, reverse=True)
    assert unknown.code == "unknown-field"
    assert "did you mean `containerPort`" in unknown.message
    assert unknown.path == "spec.template.spec.containers[0].ports[0].containerport"
    assert (unknown.line, unknown.column) == (21, 15)
    assert (missing.code, missing.path) == (
        "missing-field",
        "spec.template.spec.containers[0].ports[0]",
    )


def test_misplaced_indentation_is_explained():
    text = DEPLOYMENT.replace("  template:\n    metadata:", "  template:\n  metadata:")
    result = validate_text(text)
    assert any(
        f.code in ("unknown-field", "missing-field", "yaml-syntax") for f in result.all_findings
    )


def test_missing_required_field_points_at_its_parent():
    text = DEPLOYMENT.replace("  selector:\n    matchLabels:\n      app: nginx\n", "")
    finding = only(text)
    assert (finding.code, finding.path, finding.line) == ("missing-field", "spec", 7)
    assert "`selector` is required" in finding.message


def test_wrong_types_explain_quotes():
    finding = only(
        DEPLOYMENT.replace("    app: nginx\nspec", "    app: nginx\n    version: 1.0\nspec")
    )
    assert finding.code == "wrong-type"
    assert finding.path == "metadata.labels.version"
    assert "quotes" in finding.message and '"1.0"' in finding.message
    finding = only(DEPLOYMENT.replace("replicas: 3", 'replicas: "3"'))
    assert finding.code == "wrong-type" and "Remove the quotes" in finding.message


def test_int_or_string_and_quantities_accept_what_the_api_accepts():
    service = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: nginx
  ports:
    - port: 80
      targetPort: http
"""
    assert validate_text(DEPLOYMENT + "---\n" + service).all_findings == []
    resources = (
        DEPLOYMENT
        + "          resources:\n            requests:\n              cpu: 0.5\n              memory: 64Mi\n            limits:\n              cpu: 500m\n              memory: 1Gi\n"
    )
    assert validate_text(resources).all_findings == []
    bad = only(resources.replace("memory: 1Gi", "memory: 1GB"))
    assert (bad.code, bad.path) == (
        "invalid-value",
        "spec.template.spec.containers[0].resources.limits.memory",
    )


def test_missing_api_version_and_kind():
    assert findings("metadata:\n  name: x\n") == [
        ("error", "missing-api-version", 1, 1, ""),
        ("error", "missing-kind", 1, 1, ""),
    ]


def test_unknown_kind_suggests_the_spelling_or_the_group():
    finding = only(DEPLOYMENT.replace("kind: Deployment", "kind: deployment"))
    assert finding.code == "unknown-kind" and "did you mean `Deployment`" in finding.message
    finding = only(DEPLOYMENT.replace("apiVersion: apps/v1", "apiVersion: v1"))
    assert finding.code == "unknown-kind" and "`apps/v1`" in finding.message
    crd = only("apiVersion: example.com/v1\nkind: CronTab\nmetadata:\n  name: x\n")
    assert (crd.severity, crd.code) == ("warning", "unknown-kind")


def test_removed_apis_name_the_replacement_and_the_field_changes():
    ingress = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  backend:\n    serviceName: web\n    servicePort: 80\n"
    finding = only(ingress)
    assert (finding.code, finding.line, finding.path) == ("removed-api", 1, "apiVersion")
    assert "removed in Kubernetes 1.22" in finding.message
    assert "`apiVersion: networking.k8s.io/v1`" in finding.message
    assert "serviceName" in finding.message and "pathType" in finding.message
    old_deployment = only(DEPLOYMENT.replace("apps/v1", "extensions/v1beta1"))
    assert (
        old_deployment.code == "removed-api"
        and "`spec.selector` is now required" in old_deployment.message
    )


def test_deprecated_apis_warn_until_their_removal():
    flow = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata:\n  name: x\nspec:\n  priorityLevelConfiguration:\n    name: global-default\n"
    warning = only(flow, version="1.30")
    assert (warning.severity, warning.code) == ("warning", "deprecated-api")
    assert only(flow, version="1.32").code == "removed-api"
    endpoints = "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: x\n"
    assert only(endpoints, version="1.35").code == "deprecated-api"
    assert validate_text(endpoints, kubernetes_version="1.32").all_findings == []


def test_the_removed_api_table_covers_the_deprecation_guide():
    from engine.manifests.apis import API_CHANGES

    removed_in = {c.removed_in for c in API_CHANGES}
    assert {"1.16", "1.22", "1.25", "1.26", "1.27", "1.29", "1.32"} <= removed_in
    assert len(API_CHANGES) >= 50


def test_names_must_be_dns_names():
    finding = only(DEPLOYMENT.replace("name: webserver\n  labels", "name: Web_Server\n  labels"))
    assert (finding.code, finding.line, finding.column) == ("invalid-name", 4, 3)
    assert "Try `web-server`" in finding.message
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web.svc\nspec:\n  ports:\n    - port: 80\n"
    assert only(service).code == "invalid-name"


def test_label_syntax():
    finding = only(
        DEPLOYMENT.replace("    app: nginx\nspec", "    app: nginx\n    team: web team\nspec")
    )
    assert (finding.code, finding.path) == ("invalid-label", "metadata.labels.team")


def test_selector_must_match_the_template():
    finding = only(DEPLOYMENT.replace("      app: nginx\n  template", "      app: web\n  template"))
    assert (finding.code, finding.line, finding.column, finding.path) == (
        "selector-mismatch",
        9,
        3,
        "spec.selector",
    )


def test_containers_need_an_image():
    finding = only(DEPLOYMENT.replace("          image: nginx:alpine\n", ""))
    assert (finding.code, finding.line, finding.path) == (
        "missing-image",
        18,
        "spec.template.spec.containers[0]",
    )


def test_ports_in_range():
    finding = only(DEPLOYMENT.replace("containerPort: 80", "containerPort: 70000"))
    assert (finding.code, finding.line) == ("port-out-of-range", 21)
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n  selector:\n    app: nginx\n  ports:\n    - port: 80\n      nodePort: 8080\n"
    finding = only(DEPLOYMENT + "---\n" + service)
    assert (finding.code, finding.path, finding.line) == (
        "port-out-of-range",
        "spec.ports[0].nodePort",
        34,
    )


def test_counts_and_probe_timings_are_not_negative():
    finding = only(DEPLOYMENT.replace("replicas: 3", "replicas: -1"))
    assert (finding.code, finding.path) == ("negative-value", "spec.replicas")
    probe = (
        DEPLOYMENT
        + "          livenessProbe:\n            httpGet:\n              path: /\n              port: 80\n            periodSeconds: 0\n"
    )
    assert only(probe).code == "negative-value"


def test_secret_data_must_be_base64():
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: not base64!\n  user: YWRtaW4=\n"
    finding = only(secret)
    assert (finding.code, finding.line, finding.path) == ("invalid-base64", 6, "data.password")
    assert "stringData" in finding.message and "not encryption" in finding.message


def test_config_maps_over_one_mebibyte_are_refused():
    big = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n" + "".join(
        f"  k{i}: {'x' * 60000}\n" for i in range(18)
    )
    [finding] = validate_text(big, max_bytes=2 * 1024 * 1024).all_findings
    assert finding.code == "too-large-object"


def test_enumerations_beginners_get_wrong():
    finding = only(
        DEPLOYMENT.replace("containerPort: 80", "containerPort: 80\n              protocol: tcp")
    )
    assert finding.code == "invalid-value" and "did you mean `TCP`" in finding.message
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: Nodeport\n  ports:\n    - port: 80\n"
    assert "did you mean `NodePort`" in only(service).message


def test_cross_document_hints():
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: nginxx\n  ports:\n    - port: 80\n      targetPort: http\n"
    [finding] = validate_text(DEPLOYMENT + "---\n" + service).all_findings
    assert (finding.severity, finding.code, finding.line) == (
        "warning",
        "service-selects-nothing",
        29,
    )
    named = service.replace("nginxx", "nginx").replace("targetPort: http", "targetPort: web-port")
    [finding] = validate_text(DEPLOYMENT + "---\n" + named).all_findings
    assert (finding.code, finding.path) == ("unknown-target-port", "spec.ports[0].targetPort")
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  color: blue\n---\n"
    pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: busybox:1.37\n      env:\n        - name: COLOR\n          valueFrom:\n            configMapKeyRef:\n              name: app\n              key: colour\n"
    [finding] = validate_text(config + pod).all_findings
    assert (finding.code, finding.line) == ("unknown-config-key", 21)
    assert "`color`" in finding.message


def test_every_code_is_documented_and_tested_somewhere():
    import pathlib

    here = pathlib.Path(__file__).parent
    text = "".join(p.read_text() for p in here.parent.glob("**/test_*.py"))
    untested = [code for code in CODES if f'"{code}"' not in text]
    assert untested == []


@pytest.mark.parametrize("version", ["1.0", "2.1", "latest", ""])
def test_unsupported_versions_are_refused(version):
    from engine.manifests import UnsupportedVersion

    with pytest.raises(UnsupportedVersion):
        validate_text(DEPLOYMENT, kubernetes_version=version)

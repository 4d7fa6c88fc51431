"""The deployment artifacts, checked without a container engine or a cluster.

This machine has no Docker or Podman, so the Dockerfile and compose.yaml are
checked statically (structure, user, stages, what the services are); the
Kubernetes manifests go through the tutor's own validator. The manifests
reach a real API server in test_cluster.py.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from engine.manifests import validate_text

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
MANIFESTS = sorted(p for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")


def kubernetes_objects() -> list[dict]:
    return [
        doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc
    ]  # fmt: skip


def pod_specs() -> dict[str, dict]:
    specs = {}
    for obj in kubernetes_objects():
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            specs[obj["metadata"]["name"]] = obj["spec"]["template"]["spec"]
    return specs


# --- Kubernetes ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_it_validates_every_manifest_with_our_validator(path: Path):
    result = validate_text(path.read_text())
    assert result.documents, f"{path.name} holds no object"
    findings = [
        f"{path.name}:{f.line}:{f.column}: {f.severity}: {f.message} [{f.code}]"
        for f in result.all_findings
    ]
    assert findings == []


def test_it_lists_every_manifest_but_the_secret_template_in_the_kustomization():
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in MANIFESTS} - {"secret.template.yaml"}


def test_it_ships_the_objects_the_operator_needs():
    kinds = {(o["kind"], o["metadata"]["name"]) for o in kubernetes_objects()}
    assert {
        ("Namespace", "lfs158-tutor"),
        ("Deployment", "tutor-web"),
        ("Deployment", "tutor-worker"),
        ("Deployment", "tutor-beat"),
        ("Service", "tutor-web"),
        ("Ingress", "tutor"),
        ("ConfigMap", "tutor-config"),
        ("Secret", "tutor-secrets"),
        ("ServiceAccount", "tutor"),
        ("ClusterRole", "lfs158-tutor"),
        ("ClusterRoleBinding", "lfs158-tutor"),
        ("Job", "tutor-migrate"),
        ("NetworkPolicy", "tutor-redis"),
        ("NetworkPolicy", "tutor-postgres"),
        ("PodDisruptionBudget", "tutor-web"),
    } <= kinds
    ingress = next(o for o in kubernetes_objects() if o["kind"] == "Ingress")
    assert ingress["apiVersion"] == "networking.k8s.io/v1"


def test_the_secret_template_holds_no_real_secret():
    secret = yaml.safe_load((KUBERNETES / "secret.template.yaml").read_text())
    assert "data" not in secret
    for key, value in secret["stringData"].items():
        assert value.startswith("generate:") or "PASSWORD" in value, key


def test_web_is_probed_on_readyz_and_healthz():
    web = pod_specs()["tutor-web"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize("name", sorted(pod_specs()))
def test_every_pod_is_locked_down_and_sized(name: str):
    spec = pod_specs()[name]
    pod_security = spec["securityContext"]
    assert pod_security["runAsNonRoot"] is True
    assert pod_security["runAsUser"] != 0
    assert pod_security["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in [*spec.get("initContainers", []), *spec["containers"]]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    # Only the Pods that talk to the classroom cluster carry a token, as `tutor`.
    talks_to_cluster = name in ("tutor-web", "tutor-worker")
    assert spec.get("automountServiceAccountToken") is talks_to_cluster
    assert (spec.get("serviceAccountName") == "tutor") is talks_to_cluster


def test_the_tutors_cluster_role_aggregates_its_own_rules_and_the_students():
    """Kubernetes lets the tutor create the Role `student` only with rules it holds."""
    roles = {o["metadata"]["name"]: o for o in kubernetes_objects() if o["kind"] == "ClusterRole"}
    tutor = roles["lfs158-tutor"]
    [selector] = tutor["aggregationRule"]["clusterRoleSelectors"]
    parts = [
        r
        for r in roles.values()
        if selector["matchLabels"].items() <= r["metadata"].get("labels", {}).items()
    ]
    assert {r["metadata"]["name"] for r in parts} == {"lfs158-tutor-own", "lfs158-tutor-student"}
    held = {
        (group, resource, verb)
        for role in parts
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    # No wildcard, and none of the verbs that would let it grant what it does not hold.
    assert not any("*" in triple for triple in held)
    assert not {verb for _, _, verb in held} & {"escalate", "bind", "impersonate"}


def test_the_tutor_reads_the_shipped_files():
    """One source: each student's Role and the guardrail are the deploy files' own objects."""
    from workspaces import policy

    roles = {o["metadata"]["name"]: o for o in kubernetes_objects() if o["kind"] == "ClusterRole"}
    assert policy.student_rules() == roles["lfs158-tutor-student"]["rules"]
    shipped = [
        d
        for d in yaml.safe_load_all((DEPLOY / "kubernetes" / "student-guardrails.yaml").read_text())
        if d
    ]
    assert policy.guardrail_manifests() == shipped
    own = roles["lfs158-tutor-own"]
    [policy_rule] = [r for r in own["rules"] if r["apiGroups"] == ["admissionregistration.k8s.io"]]
    assert policy_rule["resourceNames"] == [policy.guardrail_name()]
    assert policy_rule["verbs"] == ["get"]


# --- compose ------------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_names_its_services():
    services = compose()["services"]
    assert set(services) == {
        "postgres", "redis", "migrate", "web", "worker", "live", "worker-student-clusters",
        "beat", "proxy",
    }  # fmt: skip
    for name in ("web", "worker", "live", "worker-student-clusters", "beat", "migrate"):
        assert services[name]["image"] == "lfs158-tutor:0.1.0"
        assert services[name]["read_only"] is True
        assert services[name]["cap_drop"] == ["ALL"]
    assert services["web"]["healthcheck"]["test"][-1].endswith("/readyz', timeout=4)")
    for name in ("postgres", "redis", "worker", "live"):
        assert services[name]["healthcheck"]["test"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # Not published: the proxy (Caddy, buffering request bodies) is the way in.
    assert "ports" not in services["web"] and services["web"]["expose"] == ["8000"]
    assert services["proxy"]["ports"] == ["80:80", "443:443"]


def test_compose_reads_every_secret_from_a_file():
    data = compose()
    env = data["services"]["web"]["environment"]
    for name in ("TUTOR_SECRET_KEY", "TUTOR_ENCRYPTION_KEYS", "DATABASE_URL"):
        assert name not in env
        assert env[f"{name}_FILE"].startswith("/run/secrets/")
    assert data["services"]["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"]
    for secret in data["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    assert "deploy/secrets/" in (REPO / ".gitignore").read_text().splitlines()


# --- Dockerfile ---------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        instructions.append((word.upper(), rest.strip()))
    return instructions


def test_the_dockerfile_is_multi_stage_and_runs_as_a_user():
    instructions = dockerfile_instructions()
    stages = [rest for word, rest in instructions if word == "FROM"]
    assert len(stages) >= 2
    assert stages[0].endswith("AS builder")
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    final = instructions[last_from:]
    assert any(word == "COPY" and rest.startswith("--from=builder") for word, rest in final)
    users = [rest for word, rest in final if word == "USER"]
    assert users, "the final stage sets no USER"
    uid = users[-1].split(":")[0]
    args = dict(rest.split("=", 1) for word, rest in instructions if word == "ARG" and "=" in rest)
    uid = args.get(uid.strip("${}"), uid)
    assert uid not in ("0", "root")
    assert int(uid) >= 1000
    base = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.1[1-3]-slim(-\w+)?", base)


def test_the_image_collects_static_files_and_has_a_healthcheck():
    instructions = dockerfile_instructions()
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert "manage.py collectstatic" in runs
    healthcheck = next(rest for word, rest in instructions if word == "HEALTHCHECK")
    assert "/healthz" in healthcheck
    cmd = next(rest for word, rest in instructions if word == "CMD")
    assert cmd == '["python", "-m", "tutor.serve"]'  # uvicorn: pages and WebSockets
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "deploy/secrets", "*.kubeconfig"} <= set(ignored)
    # Every package of the code is in the image (kube reads cluster/'s one cache rule).
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert not set(packages["root_packages"]) & set(ignored)


def test_every_command_the_artifacts_run_exists():
    """The manage.py commands and Celery entry points the artifacts name are real."""
    from django.core.management import get_commands

    texts = [(REPO / "Dockerfile").read_text(), (DEPLOY / "compose.yaml").read_text()]
    texts += [p.read_text() for p in MANIFESTS]
    named = set()
    for text in texts:
        named |= set(re.findall(r"manage\.py (\w+)", text))
    assert named <= set(get_commands()), named - set(get_commands())
    assert {"migrate", "load_content", "collectstatic"} <= named
    for text in texts:
        for command in re.findall(r'"celery", "-A", "tutor", "(\w+)"', text):
            assert command in ("worker", "beat")
    assert (REPO / "tutor" / "serve.py").is_file()

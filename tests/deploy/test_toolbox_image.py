"""The toolbox image and the deployment's WebSockets, checked without a container engine.

deploy/toolbox/Dockerfile is checked statically like the tutor's: its stages,
its user (the one the toolbox Pod runs as), what it installs (bash with
completion, kubectl of the course's minor version with its checksum checked,
curl, jq, vi, nano) and what it copies. The compose file, the Kubernetes
manifests and the Ingress must carry the terminal's WebSocket to the server
that speaks it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml
from django.conf import settings

from cluster.cluster import K8S_VERSION, kubectl_binary
from tests.deploy.test_artifacts import DEPLOY, KUBERNETES, REPO, compose, kubernetes_objects

TOOLBOX = DEPLOY / "toolbox" / "Dockerfile"


def instructions(path: Path) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", path.read_text())
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def args(found: list[tuple[str, str]]) -> dict[str, str]:
    return dict(rest.split("=", 1) for word, rest in found if word == "ARG" and "=" in rest)


def test_the_toolbox_image_has_what_the_terminal_promises():
    found = instructions(TOOLBOX)
    runs = " ".join(rest for word, rest in found if word == "RUN")
    packages = set(re.findall(r"[a-z][a-z0-9.+-]+", runs.split("--no-install-recommends")[-1]))
    assert {"bash", "bash-completion", "curl", "jq", "nano", "vim-tiny", "util-linux"} <= packages
    # vi is vim.tiny; setsid (util-linux) gives the shell its controlling terminal.
    assert "/usr/bin/vi vi /usr/bin/vim.tiny" in runs
    assert "kubectl completion bash" in runs


def test_kubectl_matches_the_course_and_is_verified():
    found = instructions(TOOLBOX)
    version = args(found)["KUBECTL_VERSION"]
    assert version == f"v{K8S_VERSION}"
    minor = ".".join(version.lstrip("v").split(".")[:2])
    assert minor == settings.TUTOR_KUBERNETES_VERSION
    runs = " ".join(rest for word, rest in found if word == "RUN")
    assert "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl" in runs
    assert "kubectl.sha256" in runs and "sha256sum --check" in runs


def test_the_toolbox_runs_as_the_user_its_pod_names():
    from workspaces.terminal.toolbox import HOME, pod_manifest

    found = instructions(TOOLBOX)
    stages = [rest for word, rest in found if word == "FROM"]
    assert len(stages) == 2 and stages[0].endswith("AS kubectl")
    last = max(i for i, (word, _) in enumerate(found) if word == "FROM")
    final = found[last:]
    assert any(word == "COPY" and rest.startswith("--from=kubectl") for word, rest in final)
    user = [rest for word, rest in final if word == "USER"][-1].split(":")[0]
    uid = int(args(found).get(user.strip("${}"), user))
    spec = pod_manifest("lfs158-x-00000000")["spec"]
    assert uid == spec["securityContext"]["runAsUser"] != 0
    assert ("WORKDIR", HOME) in final
    assert ("COPY", "deploy/toolbox/bashrc /etc/bash.bashrc") in final
    assert [rest for word, rest in final if word == "CMD"] == ['["sleep", "infinity"]']
    # Nothing secret in the image: no token, no kubeconfig, no ServiceAccount files.
    text = " ".join(rest for _, rest in found)
    assert "KUBECONFIG" not in text and "serviceaccount" not in text.lower()
    assert "token" not in text.lower()


def test_the_deployment_serves_websockets_with_the_toolbox_image_named():
    web = next(
        o
        for o in kubernetes_objects()
        if o["metadata"]["name"] == "tutor-web" and o["kind"] == "Deployment"
    )
    [container] = web["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "tutor.serve"]
    assert compose()["services"]["web"]["command"] == ["python", "-m", "tutor.serve"]
    ingress = next(o for o in kubernetes_objects() if o["kind"] == "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 300
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/"
    configmap = yaml.safe_load((KUBERNETES / "configmap.yaml").read_text())
    # Several web replicas reach each other's sessions through Redis (Channels).
    assert configmap["data"]["REDIS_URL"].startswith("redis://")
    assert configmap["data"]["TUTOR_TOOLBOX_IMAGE"] == settings.TUTOR_TOOLBOX_IMAGE
    assert compose()["x-tutor"]["environment"]["TUTOR_TOOLBOX_IMAGE"].endswith(
        settings.TUTOR_TOOLBOX_IMAGE + "}"
    )
    assert not (DEPLOY / "gunicorn.conf.py").exists()
    assert "ENV" in {word for word, _ in instructions(REPO / "Dockerfile")}
    assert "TUTOR_BIND=0.0.0.0" in (REPO / "Dockerfile").read_text()


def test_the_toolbox_shell_writes_a_kubeconfig_of_the_pods_service_account(tmp_path: Path):
    """In a real toolbox Pod: kubectl config works as the labs show it, with the Pod's
    own (kubelet-refreshed) token file; run here with a stand-in ServiceAccount folder."""
    kubectl = kubectl_binary()
    if not kubectl.is_file():
        kubectl = Path(shutil.which("kubectl") or "/nonexistent/kubectl")
    home, sa = tmp_path / "home", tmp_path / "sa"
    home.mkdir()
    sa.mkdir()
    (sa / "token").write_text("not-a-real-token")
    (sa / "ca.crt").write_text("")
    (sa / "namespace").write_text("lfs158-alice-12345678")
    env = {
        "HOME": str(home), "LFS158_SA_DIR": str(sa), "TERM": "dumb",
        "PATH": f"{kubectl.parent}:/usr/bin:/bin",
    }  # fmt: skip
    rc = DEPLOY / "toolbox" / "bashrc"
    query = "kubectl config view --minify -o jsonpath='{..namespace} {..tokenFile}'"
    shown = subprocess.run(
        ["bash", "--norc", "--noprofile", "-i", "-c", f". {rc} >/dev/null; {query}"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert shown.stdout.split()[-2:] == ["lfs158-alice-12345678", str(sa / "token")], shown.stderr
    config = home / ".kube" / "config"
    assert oct(config.stat().st_mode & 0o777) == "0o600"
    assert "not-a-real-token" not in config.read_text()

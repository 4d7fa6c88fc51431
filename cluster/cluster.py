#!/usr/bin/env python3
"""Start and stop the local Kubernetes control plane (make cluster-up / cluster-down).

A real etcd, kube-apiserver, kube-controller-manager and kube-scheduler,
built from the Go module proxy by cluster/build.sh, with nodes simulated by
kwok. Processes are started directly (not through kwokctl) so that every
flag is visible here and every pid is ours. Everything binds to 127.0.0.1.
pods/exec into a toolbox Pod runs a local command through kwok (toolbox_exec).

Standard library only: it runs before the virtual environment exists.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

K8S_VERSION = os.environ.get("TUTOR_K8S_VERSION", "1.35.4")
ETCD_VERSION = os.environ.get("TUTOR_ETCD_VERSION", "v3.6.16")
KWOK_VERSION = os.environ.get("TUTOR_KWOK_VERSION", "v0.8.0")


def cache_dir() -> Path:
    """Where the binaries and the clusters live: the one rule for build.sh, the tutor and tests.

    TUTOR_CACHE_DIR, else $XDG_CACHE_HOME/lfs158-tutor, else ~/.cache/lfs158-tutor.
    """
    explicit = os.environ.get("TUTOR_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lfs158-tutor"


def admin_kubeconfig(name: str | None = None) -> Path:
    """The admin kubeconfig of the named local control plane (default: TUTOR_CLUSTER_NAME)."""
    name = name or os.environ.get("TUTOR_CLUSTER_NAME", "local")
    return cache_dir() / "clusters" / name / "admin.kubeconfig"


def kubectl_binary(version: str | None = None) -> Path:
    """The kubectl built beside the control plane, of its version."""
    return cache_dir() / f"k8s-v{version or K8S_VERSION}" / "bin" / "kubectl"


CACHE = cache_dir()
NAME = os.environ.get("TUTOR_CLUSTER_NAME", "local")
STATE = CACHE / "clusters" / NAME
HOST = "127.0.0.1"
PORTS = {
    "etcd-client": int(os.environ.get("TUTOR_CLUSTER_ETCD_PORT", "23790")),
    "etcd-peer": int(os.environ.get("TUTOR_CLUSTER_ETCD_PEER_PORT", "23800")),
    "apiserver": int(os.environ.get("TUTOR_CLUSTER_API_PORT", "16443")),
    "controller-manager": int(os.environ.get("TUTOR_CLUSTER_KCM_PORT", "20257")),
    "scheduler": int(os.environ.get("TUTOR_CLUSTER_SCHEDULER_PORT", "20259")),
    "kwok": int(os.environ.get("TUTOR_CLUSTER_KWOK_PORT", "20247")),
}
NODES = [f"kwok-node-{i}" for i in range(int(os.environ.get("TUTOR_CLUSTER_NODES", "2")))]
SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.0/16"
ORDER = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]

K8S_BIN = kubectl_binary().parent
ETCD_BIN = CACHE / f"etcd-{ETCD_VERSION}" / "bin" / "etcd"
KWOK_DIR = CACHE / f"kwok-{KWOK_VERSION}"
EXEC_CRD = KWOK_DIR / "crds" / "kwok.x-k8s.io_execs.yaml"
KUBECTL = kubectl_binary()

PKI = STATE / "pki"
LOGS = STATE / "logs"
PIDS = STATE / "pids"
KUBECONFIG = admin_kubeconfig(NAME)


# --- exec into toolbox Pods -----------------------------------------------------------------

TOOLBOX_LABEL = "lfs158-tutor/toolbox"
EXEC_CRD_NAME = "execs.kwok.x-k8s.io"


def toolbox_exec(
    namespace: str,
    pod: str,
    *,
    kubeconfig: str,
    workdir: str,
    env: dict[str, str] | None = None,
    run_as_user: int | None = None,
    run_as_group: int | None = None,
    pod_uid: str | None = None,
) -> dict[str, object]:
    """kwok's Exec object that makes exec into one toolbox Pod run a command on this machine.

    No container runs on the local control plane: kwok serves the kubelet's
    exec endpoint and runs the *requested* command (``kubectl exec POD --
    bash -il``) as a local process. kwok finds the Exec by the Pod's
    namespace and name only (its ClusterExec selector cannot match labels),
    so whoever creates a Pod labelled ``lfs158-tutor/toolbox: "true"``
    creates this object beside it, with the same name, in the same
    namespace; Pods without one cannot be exec'd into. Students must not be
    allowed to create or change Exec objects (kwok.x-k8s.io is in no
    built-in role): the object chooses the user and environment of a
    process on this machine.

    The process gets kwok's minimal environment (PATH, HOME, LANG) plus,
    overriding it, PATH with this cluster's kubectl first, HOME=workdir,
    TERM, KUBECONFIG, TMOUT and ``env``; it starts in ``workdir`` and, when
    kwok runs as root, may be given another uid/gid (which must be able to
    read the kubeconfig and run kubectl). With ``pod_uid`` the Pod owns the
    object, so deleting the Pod (or its namespace) deletes it.

    kwok runs the command without a controlling terminal: for a shell with
    job control and a working Ctrl-C, exec ``setsid -wc bash -il`` rather
    than ``bash -il``. A non-zero exit status reaches the client as an
    internal error naming it ("exit status 3"), not as an exit code; stdin
    EOF does not reach a command run without a TTY.
    """
    envs = {
        "PATH": f"{K8S_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": workdir,
        "TERM": "xterm-256color",
        "KUBECONFIG": kubeconfig,
        # kwok never ends an exec'd process when its client goes away: a
        # shell whose browser tab closed waits at its prompt until bash's
        # idle timeout logs it out (kwok also drops a stream idle for 1 h).
        "TMOUT": "3600",
        **(env or {}),
    }
    local: dict[str, object] = {
        "workDir": workdir,
        "envs": [{"name": k, "value": v} for k, v in envs.items()],
    }
    security = {
        key: value
        for key, value in (("runAsUser", run_as_user), ("runAsGroup", run_as_group))
        if value is not None
    }
    if security:
        local["securityContext"] = security
    metadata: dict[str, object] = {
        "name": pod,
        "namespace": namespace,
        "labels": {TOOLBOX_LABEL: "true"},
    }
    if pod_uid:
        metadata["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "Pod", "name": pod, "uid": pod_uid}
        ]
    return {
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "Exec",
        "metadata": metadata,
        "spec": {"execs": [{"local": local}]},
    }


def say(message: str) -> None:
    print(f"[cluster] {message}", file=sys.stderr, flush=True)


class ClusterError(Exception):
    pass


# --- PKI -----------------------------------------------------------------------------------


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_pki() -> None:
    """A CA, one admin/serving certificate (like kwokctl), and the service-account key pair."""
    if (PKI / "admin.crt").exists():
        return
    PKI.mkdir(parents=True, exist_ok=True)
    os.chmod(PKI, 0o700)
    openssl("genrsa", "-out", str(PKI / "ca.key"), "2048")
    openssl(
        "req", "-x509", "-new", "-nodes", "-key", str(PKI / "ca.key"), "-sha256",
        "-days", "3650", "-subj", "/CN=lfs158-tutor-local-ca", "-out", str(PKI / "ca.crt"),
    )  # fmt: skip
    ext = PKI / "admin.ext"
    ext.write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth,clientAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,"
        "DNS:kubernetes.default,DNS:kubernetes.default.svc,"
        "DNS:kubernetes.default.svc.cluster.local\n"
    )
    openssl("genrsa", "-out", str(PKI / "admin.key"), "2048")
    openssl(
        "req", "-new", "-key", str(PKI / "admin.key"),
        "-subj", "/O=system:masters/CN=kubernetes-admin", "-out", str(PKI / "admin.csr"),
    )  # fmt: skip
    openssl(
        "x509", "-req", "-in", str(PKI / "admin.csr"), "-CA", str(PKI / "ca.crt"),
        "-CAkey", str(PKI / "ca.key"), "-CAcreateserial", "-days", "3650", "-sha256",
        "-extfile", str(ext), "-out", str(PKI / "admin.crt"),
    )  # fmt: skip
    openssl("genrsa", "-out", str(PKI / "sa.key"), "2048")
    openssl("rsa", "-in", str(PKI / "sa.key"), "-pubout", "-out", str(PKI / "sa.pub"))
    for key in PKI.glob("*.key"):
        key.chmod(0o600)


def write_kubeconfig() -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": f"lfs158-{NAME}",
                "cluster": {
                    "server": f"https://{HOST}:{PORTS['apiserver']}",
                    "certificate-authority": str(PKI / "ca.crt"),
                },
            }
        ],
        "users": [
            {
                "name": f"lfs158-{NAME}-admin",
                "user": {
                    "client-certificate": str(PKI / "admin.crt"),
                    "client-key": str(PKI / "admin.key"),
                },
            }
        ],
        "contexts": [
            {
                "name": f"lfs158-{NAME}",
                "context": {"cluster": f"lfs158-{NAME}", "user": f"lfs158-{NAME}-admin"},
            }
        ],
        "current-context": f"lfs158-{NAME}",
    }
    # JSON is valid YAML, and kubectl and the Python client both read it.
    KUBECONFIG.write_text(json.dumps(config, indent=2) + "\n")
    KUBECONFIG.chmod(0o600)


# --- processes -----------------------------------------------------------------------------


def commands() -> dict[str, list[str]]:
    pki, kc = str(PKI), str(KUBECONFIG)
    etcd_url = f"http://{HOST}:{PORTS['etcd-client']}"
    peer_url = f"http://{HOST}:{PORTS['etcd-peer']}"
    return {
        "etcd": [
            str(ETCD_BIN),
            "--name=default",
            f"--data-dir={STATE / 'etcd'}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=default={peer_url}",
            "--listen-metrics-urls=",
            "--unsafe-no-fsync",
            "--quota-backend-bytes=2147483648",
            "--log-level=warn",
        ],
        "kube-apiserver": [
            str(K8S_BIN / "kube-apiserver"),
            f"--etcd-servers={etcd_url}",
            f"--bind-address={HOST}",
            f"--advertise-address={HOST}",
            f"--secure-port={PORTS['apiserver']}",
            f"--tls-cert-file={pki}/admin.crt",
            f"--tls-private-key-file={pki}/admin.key",
            f"--client-ca-file={pki}/ca.crt",
            "--authorization-mode=Node,RBAC",
            # The default admission plugins (NamespaceLifecycle, LimitRanger,
            # ServiceAccount, ResourceQuota, PodSecurity, ...) are on without
            # being named; NodeRestriction is added as on a kubeadm cluster.
            "--enable-admission-plugins=NodeRestriction",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki}/sa.pub",
            f"--service-account-signing-key-file={pki}/sa.key",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--service-node-port-range=30000-32767",
            "--allow-privileged=true",
            "--profiling=false",
            "--endpoint-reconciler-type=none",
            # pods/exec, attach, logs and port-forward go from the API server
            # to the node's "kubelet", which is kwok's server: on the node's
            # InternalIP (always 127.0.0.1, from kwok's --node-ip) and the port
            # in status.daemonEndpoints.kubeletEndpoint (kwok's --node-port).
            # Only InternalIP is used, never a Hostname that could resolve
            # elsewhere; kwok's serving certificate is verified against our CA.
            "--kubelet-preferred-address-types=InternalIP",
            f"--kubelet-certificate-authority={pki}/ca.crt",
            f"--kubelet-client-certificate={pki}/admin.crt",
            f"--kubelet-client-key={pki}/admin.key",
            "--v=1",
        ],
        "kube-controller-manager": [
            str(K8S_BIN / "kube-controller-manager"),
            f"--kubeconfig={kc}",
            f"--authentication-kubeconfig={kc}",
            f"--authorization-kubeconfig={kc}",
            f"--bind-address={HOST}",
            f"--secure-port={PORTS['controller-manager']}",
            "--leader-elect=false",
            f"--service-account-private-key-file={pki}/sa.key",
            f"--root-ca-file={pki}/ca.crt",
            f"--cluster-signing-cert-file={pki}/ca.crt",
            f"--cluster-signing-key-file={pki}/ca.key",
            "--use-service-account-credentials=true",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--enable-hostpath-provisioner=true",
            "--profiling=false",
            "--v=1",
        ],
        "kube-scheduler": [
            str(K8S_BIN / "kube-scheduler"),
            f"--kubeconfig={kc}",
            f"--authentication-kubeconfig={kc}",
            f"--authorization-kubeconfig={kc}",
            f"--bind-address={HOST}",
            f"--secure-port={PORTS['scheduler']}",
            "--leader-elect=false",
            "--profiling=false",
            "--v=1",
        ],
        "kwok": [
            str(KWOK_DIR / "bin" / "kwok"),
            f"--kubeconfig={kc}",
            "--manage-all-nodes=true",
            # Heartbeats through Leases, as kwokctl runs it: without them the
            # node controller marks the nodes NotReady every ~40 s and their
            # Pods lose readiness.
            "--node-lease-duration-seconds=40",
            f"--config={STATE / 'stages.yaml'}",
            f"--server-address={HOST}:{PORTS['kwok']}",
            f"--node-port={PORTS['kwok']}",
            # Any address kwok reports for a node is loopback: nothing that
            # reads node addresses can send traffic off this machine.
            f"--node-ip={HOST}",
            "--node-name=localhost",
            f"--cidr={POD_CIDR.replace('/16', '/20')}",
            f"--tls-cert-file={pki}/admin.crt",
            f"--tls-private-key-file={pki}/admin.key",
            # Exec objects (kwok.x-k8s.io/v1alpha1, one per toolbox Pod, see
            # toolbox_exec) are watched from the API server: exec into a Pod
            # runs the requested command on this machine only for Pods that
            # have one. There is deliberately no ClusterExec.
            "--enable-crds=Exec",
        ],
    }


def pid_of(name: str) -> int | None:
    path = PIDS / f"{name}.pid"
    try:
        pid = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if process_matches(pid, name) else None


def alive(name: str) -> bool:
    """The started process still runs (not gone, not a zombie).

    Only the process state is read here: a momentarily unreadable cmdline
    must not count as an exit while waiting for start-up.
    """
    try:
        pid = int((PIDS / f"{name}.pid").read_text().split()[0])
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return False
    return state != "Z"


def process_matches(pid: int, name: str) -> bool:
    """The pid is alive and is the binary we started (pids get reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return bool(cmdline) and Path(cmdline[0].decode(errors="replace")).name == name


def process_env(name: str) -> dict[str, str] | None:
    """The environment a component starts with: the caller's, except for kwok.

    kwok runs every exec'd command (a student's shell) with its own
    environment plus the Exec object's envs, so it gets a minimal one:
    nothing of the caller's (tokens, the admin KUBECONFIG, ...) can leak
    into a shell.
    """
    if name != "kwok":
        return None
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(Path.home()),
        "LANG": "C.UTF-8",
    }


def start(name: str, argv: list[str]) -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    PIDS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115  (the child keeps it open)
    proc = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True, cwd=STATE, env=process_env(name),
    )  # fmt: skip
    (PIDS / f"{name}.pid").write_text(f"{proc.pid}\n")
    say(f"started {name} (pid {proc.pid}, log {LOGS / (name + '.log')})")


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


# --- readiness -----------------------------------------------------------------------------


def ssl_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(PKI / "ca.crt"))
    ctx.load_cert_chain(str(PKI / "admin.crt"), str(PKI / "admin.key"))
    return ctx


def api_get(path: str, timeout: float = 5) -> tuple[int, str]:
    url = f"https://{HOST}:{PORTS['apiserver']}{path}"
    try:
        with urllib.request.urlopen(url, context=ssl_context(), timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


def kubectl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KUBECTL), f"--kubeconfig={KUBECONFIG}", *args],
        input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def node_manifest() -> str:
    docs = []
    for name in NODES:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": name,
                    "annotations": {
                        "kwok.x-k8s.io/node": "fake",
                        "node.alpha.kubernetes.io/ttl": "0",
                    },
                    "labels": {
                        "kubernetes.io/hostname": name,
                        "kubernetes.io/os": "linux",
                        "kubernetes.io/arch": "amd64",
                        "type": "kwok",
                    },
                },
                "spec": {"providerID": f"kwok://{name}"},
            }
        )
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})


def wait_until(what: str, check, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        ok, last = check()
        if ok:
            return
        dead = [n for n in ORDER if (PIDS / f"{n}.pid").exists() and not alive(n)]
        if dead:
            raise ClusterError(f"{', '.join(dead)} exited while waiting for {what}")
        time.sleep(0.5)
    raise ClusterError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last})")


def readyz() -> tuple[bool, str]:
    status, body = api_get("/readyz")
    return status == 200, f"HTTP {status} {body[:200]}"


def nodes_ready() -> tuple[bool, str]:
    result = kubectl("get", "nodes", "-o", "json")
    if result.returncode != 0:
        return False, result.stderr.strip()
    items = json.loads(result.stdout)["items"]
    for item in items:
        check_node_endpoint(item)
    ready = {
        i["metadata"]["name"]
        for i in items
        if any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in i.get("status", {}).get("conditions", [])
        )
        and kubelet_endpoint(i) == (HOST, PORTS["kwok"])
    }
    missing = [n for n in NODES if n not in ready]
    return not missing, f"not ready (or without kwok's endpoint yet): {missing}"


def kubelet_endpoint(node: dict) -> tuple[str | None, int]:
    """Where the API server sends a node's exec/logs: its InternalIP and kubelet port."""
    status = node.get("status", {})
    ips = [a["address"] for a in status.get("addresses", []) if a["type"] == "InternalIP"]
    port = status.get("daemonEndpoints", {}).get("kubeletEndpoint", {}).get("Port", 0)
    return (ips[0] if ips else None), int(port)


def check_node_endpoint(node: dict) -> None:
    """The network rule: a node's InternalIP, where exec traffic goes, is loopback."""
    for address in node.get("status", {}).get("addresses", []):
        if address["type"] != "InternalIP":
            continue
        try:
            loopback = ipaddress.ip_address(address["address"]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ClusterError(
                f"node {node['metadata']['name']} has the InternalIP {address['address']}: "
                "only loopback addresses are allowed (exec would leave this machine)"
            )


def default_service_account() -> tuple[bool, str]:
    status, _ = api_get("/api/v1/namespaces/default/serviceaccounts/default")
    return status == 200, f"HTTP {status}"


def exec_crd_established() -> tuple[bool, str]:
    status, body = api_get(
        f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{EXEC_CRD_NAME}"
    )
    if status != 200:
        return False, f"HTTP {status}"
    conditions = json.loads(body).get("status", {}).get("conditions", [])
    ok = any(c["type"] == "Established" and c["status"] == "True" for c in conditions)
    return ok, "not Established"


def healthy() -> bool:
    if any(pid_of(n) is None for n in ORDER) or not KUBECONFIG.exists():
        return False
    return (
        readyz()[0]
        and nodes_ready()[0]
        and default_service_account()[0]
        # A cluster started before exec was wired up is restarted, not reused.
        and exec_crd_established()[0]
    )


# --- commands ------------------------------------------------------------------------------


def binaries_present() -> list[Path]:
    needed = [ETCD_BIN, KWOK_DIR / "bin" / "kwok", KUBECTL]
    needed += [K8S_BIN / b for b in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")]
    missing = [p for p in needed if not os.access(p, os.X_OK)]
    return missing + [p for p in [EXEC_CRD] if not os.access(p, os.R_OK)]


def write_stages() -> None:
    stages = sorted((KWOK_DIR / "stages").glob("*.yaml"))
    if len(stages) < 5:
        raise ClusterError(f"kwok stages missing in {KWOK_DIR / 'stages'}: run cluster/build.sh")
    (STATE / "stages.yaml").write_text("\n---\n".join(p.read_text().strip() for p in stages))


def up(timeout: float) -> int:
    missing = binaries_present()
    if missing:
        say("binaries missing; building them first (cluster/build.sh)")
        subprocess.run(["bash", str(Path(__file__).with_name("build.sh"))], check=True)
    if healthy():
        say(f"reusing the running cluster in {STATE}")
        print_usage()
        return 0
    if any(pid_of(n) for n in ORDER):
        say("a previous cluster is only partly running; stopping it first")
        down(remove_state=True)
    elif STATE.exists():
        # Killed without cluster-down (a reboot, a killed session): its pid
        # files name processes that are gone and etcd's data is half-written.
        say(f"a previous cluster stopped without cluster-down; starting afresh in {STATE}")
        shutil.rmtree(STATE)
    busy = [f"{n}:{p}" for n, p in PORTS.items() if not port_free(p)]
    if busy:
        raise ClusterError(
            f"ports already in use on {HOST}: {', '.join(busy)}. Stop whatever holds them, or "
            "choose others with TUTOR_CLUSTER_*_PORT (see README)."
        )
    started = time.monotonic()
    STATE.mkdir(parents=True, exist_ok=True)
    make_pki()
    write_kubeconfig()
    write_stages()
    argv = commands()
    try:
        start("etcd", argv["etcd"])
        start("kube-apiserver", argv["kube-apiserver"])
        wait_until("kube-apiserver /readyz", readyz, timeout)
        # kwok lists and watches Exec objects from its start (--enable-crds).
        result = kubectl("apply", "-f", str(EXEC_CRD))
        if result.returncode != 0:
            raise ClusterError(f"installing kwok's Exec CRD failed: {result.stderr.strip()}")
        wait_until("kwok's Exec CRD", exec_crd_established, timeout)
        for name in ("kube-controller-manager", "kube-scheduler", "kwok"):
            start(name, argv[name])
        result = kubectl("apply", "-f", "-", stdin=node_manifest())
        if result.returncode != 0:
            raise ClusterError(f"creating the nodes failed: {result.stderr.strip()}")
        wait_until("the nodes to be Ready", nodes_ready, timeout)
        wait_until("the default ServiceAccount", default_service_account, timeout)
    except ClusterError as exc:
        say(f"ERROR: {exc}")
        say("component logs:")
        for name in ORDER:
            say(f"  {LOGS / (name + '.log')}")
        return 1
    say(f"cluster ready in {time.monotonic() - started:.1f}s: {len(NODES)} kwok nodes, "
        f"Kubernetes v{K8S_VERSION}")  # fmt: skip
    print_usage()
    return 0


def print_usage() -> None:
    say(
        "use it with kubectl built from the same release:\n"
        f"    export KUBECONFIG={KUBECONFIG}\n"
        f"    export PATH={K8S_BIN}:$PATH\n"
        "    kubectl get nodes\n"
        "  Nodes are simulated by kwok: Pods become Running/Ready but no container runs."
    )
    print(KUBECONFIG, flush=True)


def down(remove_state: bool = True) -> int:
    stopped = []
    for name in reversed(ORDER):
        pid = pid_of(name)
        if pid is None:
            continue
        os.kill(pid, signal.SIGTERM)
        stopped.append((name, pid))
    deadline = time.monotonic() + 20
    for name, pid in stopped:
        while process_matches(pid, name) and time.monotonic() < deadline:
            time.sleep(0.1)
        if process_matches(pid, name):
            os.kill(pid, signal.SIGKILL)
        say(f"stopped {name} (pid {pid})")
    if remove_state and STATE.exists():
        shutil.rmtree(STATE)
        say(f"removed {STATE}")
    elif not stopped:
        say("no cluster was running")
    return 0


def status() -> int:
    for name in ORDER:
        pid = pid_of(name)
        say(f"{name:24} {f'running (pid {pid})' if pid else 'stopped'}")
    ok = healthy()
    say("healthy" if ok else "not healthy")
    if ok:
        print(KUBECONFIG)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up_cmd = sub.add_parser("up", help="start (or reuse) the cluster; prints the kubeconfig path")
    up_cmd.add_argument("--timeout", type=float, default=float(os.environ.get(
        "TUTOR_CLUSTER_TIMEOUT", "120")))  # fmt: skip
    sub.add_parser("down", help="stop the processes this script started and remove their state")
    sub.add_parser("status", help="show what runs; exit 0 when healthy")
    sub.add_parser("kubeconfig", help="print the kubeconfig path")
    sub.add_parser("cache-dir", help="print the cache folder (binaries and clusters)")
    args = parser.parse_args()
    try:
        if args.command == "up":
            return up(args.timeout)
        if args.command == "down":
            return down()
        if args.command == "status":
            return status()
        print(CACHE if args.command == "cache-dir" else KUBECONFIG)
        return 0
    except (ClusterError, subprocess.CalledProcessError) as exc:
        say(f"ERROR: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())

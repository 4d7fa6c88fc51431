"""pods/exec into a toolbox Pod: the path the lab terminal takes.

On the local control plane no container runs: kwok serves the node's
"kubelet" exec endpoint on 127.0.0.1 and runs the requested command as a
local process, configured by a kwok ``Exec`` object beside the Pod
(cluster/cluster.py toolbox_exec). Each toolbox gets its own KUBECONFIG,
that of a ServiceAccount of its namespace, so the shell's kubectl talks to
the same API server as the student, with the student's rights.

These tests need that exec support, so they skip on a cluster without
kwok's Exec API (e.g. kind, where a real toolbox image would be needed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cluster.cluster import TOOLBOX_LABEL, toolbox_exec
from tests.cluster.fixtures import Cluster, ca_data, wait_for

pytestmark = pytest.mark.cluster

# kwok starts the command without a controlling terminal; setsid -c gives
# the shell one, hence job control and Ctrl-C. --norc: a predictable prompt.
SHELL = ["setsid", "-wc", "bash", "--noprofile", "--norc", "-i"]
NOBODY = 65534


@dataclass
class Toolbox:
    namespace: str
    pod: str
    kubeconfig: Path
    workdir: Path
    user: str  # the username the shell's kubectl is authenticated as


@pytest.fixture
def core(api_client: Any) -> Any:
    from kubernetes import client

    return client.CoreV1Api(api_client)


@pytest.fixture
def make_toolbox(
    cluster: Cluster, api_client: Any, core: Any, namespace: str
) -> Iterator[Callable[..., Toolbox]]:
    """Creates toolbox Pods: a Pod labelled as one, a ServiceAccount's kubeconfig, an Exec."""
    from kubernetes import client

    if not any(r.name == "execs" for r in _kwok_resources(api_client)):
        pytest.skip("needs the local control plane's kwok Exec API (cluster/cluster.py up)")
    custom = client.CustomObjectsApi(api_client)
    rbac = client.RbacAuthorizationV1Api(api_client)
    folders: list[Path] = []

    def make(
        name: str = "toolbox",
        *,
        env: dict[str, str] | None = None,
        run_as_user: int | None = None,
    ) -> Toolbox:
        sa = f"{name}-student"
        core.create_namespaced_service_account(namespace, {"metadata": {"name": sa}})
        rbac.create_namespaced_role_binding(
            namespace,
            {
                "metadata": {"name": f"{sa}-edit"},
                "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": namespace}],
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            },
        )  # fmt: skip
        token = core.create_namespaced_service_account_token(
            sa, namespace, {"spec": {"expirationSeconds": 3600}}
        ).status.token
        # The student's home: their kubeconfig, and the shell's working folder.
        workdir = Path(tempfile.mkdtemp(prefix=f"toolbox-{namespace}-"))
        folders.append(workdir)
        kubeconfig = workdir / ".kube" / "config"
        kubeconfig.parent.mkdir()
        kubeconfig.write_text(json.dumps(_token_kubeconfig(cluster, api_client, token, namespace)))
        kubeconfig.chmod(0o600)
        if run_as_user is not None:
            for path in (workdir, kubeconfig.parent, kubeconfig):
                os.chown(path, run_as_user, run_as_user)
        pod = core.create_namespaced_pod(
            namespace,
            {
                "metadata": {"name": name, "labels": {TOOLBOX_LABEL: "true"}},
                "spec": {
                    "containers": [{
                        "name": "toolbox", "image": "busybox:1.36",
                        "command": ["sleep", "infinity"],
                    }],
                },
            },
        )  # fmt: skip
        custom.create_namespaced_custom_object(
            "kwok.x-k8s.io", "v1alpha1", namespace, "execs",
            toolbox_exec(
                namespace, name, kubeconfig=str(kubeconfig), workdir=str(workdir), env=env,
                run_as_user=run_as_user, pod_uid=pod.metadata.uid,
            ),
        )  # fmt: skip
        wait_for(lambda: _ready(core, namespace, name), f"the toolbox Pod {name} to be Ready")
        # kwok sees the Exec object through a watch: exec is refused until then.
        wait_for(
            lambda: (
                cluster.run_kubectl("-n", namespace, "exec", name, "--", "true").returncode == 0
            ),
            "kwok to serve exec for the toolbox",
            timeout=30,
        )
        return Toolbox(
            namespace=namespace, pod=name, kubeconfig=kubeconfig, workdir=workdir,
            user=f"system:serviceaccount:{namespace}:{sa}",
        )  # fmt: skip

    yield make
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def _kwok_resources(api_client: Any) -> list[Any]:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    try:
        return list(
            client.CustomObjectsApi(api_client)
            .get_api_resources("kwok.x-k8s.io", "v1alpha1")
            .resources
        )
    except ApiException as exc:
        if exc.status == 404:
            return []
        raise


def _token_kubeconfig(
    cluster: Cluster, api_client: Any, token: str, namespace: str
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{
            "name": "lfs158",
            "cluster": {"server": api_client.configuration.host, "certificate-authority-data": ca_data(cluster)},
        }],
        "users": [{"name": "student", "user": {"token": token}}],
        "contexts": [{"name": "lab", "context": {"cluster": "lfs158", "user": "student", "namespace": namespace}}],
        "current-context": "lab",
    }  # fmt: skip


def _ready(core: Any, namespace: str, name: str) -> bool:
    pod = core.read_namespaced_pod(name, namespace)
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


# --- a terminal over the Python client -----------------------------------------------------


class Terminal:
    """An interactive exec (stdin and a TTY) through kubernetes.stream, read as a screen."""

    def __init__(self, core: Any, toolbox: Toolbox, protocol: str | None = None) -> None:
        from kubernetes.stream import stream

        extra = {"_headers": {"sec-websocket-protocol": protocol}} if protocol else {}
        self.ws = stream(
            core.connect_get_namespaced_pod_exec, toolbox.pod, toolbox.namespace,
            command=SHELL, stdin=True, stdout=True, stderr=False, tty=True,
            _preload_content=False, **extra,
        )  # fmt: skip
        self.output = ""

    def resize(self, width: int, height: int) -> None:
        self.ws.write_channel(4, json.dumps({"Width": width, "Height": height}))

    def type(self, text: str) -> None:
        self.ws.write_stdin(text)

    def receive(self, timeout: float = 0.1) -> None:
        self.ws.update(timeout=timeout)
        if self.ws.peek_stdout():  # read_stdout() alone would block without output
            self.output += self.ws.read_stdout()

    def read_until(self, pattern: str, timeout: float = 10) -> re.Match[str]:
        """Waits for ``pattern`` in the output after the last match, and consumes up to it."""
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(pattern, self.output, re.S)
            if match:
                self.output = self.output[match.end() :]
                return match
            if time.monotonic() > deadline or not self.ws.is_open():
                pytest.fail(f"no {pattern!r} in the terminal's output: {self.output[-2000:]!r}")
            self.receive()

    def run(self, command: str, timeout: float = 20) -> str:
        """Types a command line; returns what it printed (between two markers)."""
        marker = uuid.uuid4().hex[:8]
        # The markers are split in the typed line, so that only the output matches.
        self.type(f"echo {marker}'<'; {command}; echo '>'{marker}\n")
        return self.read_until(rf"{marker}<\r\n(.*?)>{marker}", timeout).group(1)

    def exit(self, timeout: float = 10) -> dict[str, Any]:
        """Types ``exit``; returns the exec's final status from the error channel."""
        self.type("exit\n")
        self.ws.run_forever(timeout=timeout)
        assert not self.ws.is_open(), "the exec stayed open after exit"
        return dict(json.loads(self.ws.read_channel(3) or "{}"))

    def close(self) -> None:
        """Ends the shell, then the connection: kwok would leave a shell running
        whose client just went away (until its TMOUT)."""
        if self.ws.is_open():
            self.type("\x03exit\n")
            self.ws.run_forever(timeout=5)
        self.ws.close()


def _lines(text: str) -> list[str]:
    return [line for line in text.replace("\r", "").split("\n") if line]


# --- tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["websocket", "spdy"])
def test_kubectl_exec_runs_a_command_in_the_toolbox(
    make_toolbox, cluster: Cluster, monkeypatch, transport
):
    toolbox = make_toolbox()
    # kubectl >= 1.30 speaks WebSocket (v5.channel.k8s.io, which the API server
    # translates to SPDY for the node); this switches it back to SPDY.
    monkeypatch.setenv(
        "KUBECTL_REMOTE_COMMAND_WEBSOCKETS", "true" if transport == "websocket" else "false"
    )
    result = cluster.run_kubectl(
        "-v=7", "-n", toolbox.namespace, "exec", toolbox.pod, "--",
        "sh", "-c", 'echo "out-$((6*7))"; echo "KUBECONFIG=$KUBECONFIG"; pwd; echo oops >&2',
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "out-42", f"KUBECONFIG={toolbox.kubeconfig}", str(toolbox.workdir),
    ]  # fmt: skip
    assert "oops" in result.stderr
    if transport == "websocket":
        assert "The subprotocol is v5.channel.k8s.io" in result.stderr
    else:
        assert "X-Stream-Protocol-Version: v4.channel.k8s.io" in result.stderr
        assert "Sec-Websocket-Protocol" not in result.stderr


def test_kubectl_in_the_toolbox_uses_the_pods_own_credentials(make_toolbox, cluster: Cluster):
    toolbox = make_toolbox()

    def inside(*argv: str) -> Any:
        return cluster.run_kubectl("-n", toolbox.namespace, "exec", toolbox.pod, "--", *argv)

    pods = inside("kubectl", "get", "pods", "-o", "name")
    assert pods.returncode == 0, pods.stderr
    assert pods.stdout.split() == [f"pod/{toolbox.pod}"]
    whoami = inside("kubectl", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
    assert whoami.stdout == toolbox.user, whoami.stderr
    denied = inside("kubectl", "get", "pods", "-n", "kube-system")
    assert denied.returncode != 0
    assert "forbidden" in denied.stderr.lower()


@pytest.mark.parametrize("protocol", [None, "v4.channel.k8s.io"], ids=["default-v5", "v4"])
def test_an_interactive_shell_through_the_python_client(make_toolbox, core, protocol):
    toolbox = make_toolbox()
    term = Terminal(core, toolbox, protocol)
    try:
        assert term.ws.subprotocol == (protocol or "v5.channel.k8s.io")
        term.resize(100, 30)
        term.read_until(r"[#$] ")  # the prompt
        # What is typed comes back twice: echoed by the TTY, then printed.
        term.type("echo hello-$RANDOM\n")
        term.read_until(r"echo hello-\$RANDOM\r\n")
        number = term.read_until(r"hello-(\d+)\r\n").group(1)
        assert 0 <= int(number) <= 32767
        assert _lines(term.run("stty size")) == ["30 100"]
        term.resize(123, 45)
        assert _lines(term.run("stty size")) == ["45 123"]
        assert _lines(term.run('echo "$KUBECONFIG" "$PWD" "$TERM"')) == [
            f"{toolbox.kubeconfig} {toolbox.workdir} xterm-256color"
        ]
        assert _lines(term.run("kubectl get pods -o name")) == [f"pod/{toolbox.pod}"]
        assert _lines(
            term.run("kubectl auth whoami -o jsonpath='{.status.userInfo.username}'; echo")
        ) == [toolbox.user]
        # Job control: Ctrl-C interrupts the foreground command, not the shell.
        # The child prints once it is the foreground job, before it sleeps.
        term.type("""sh -c 'echo sl""eeping; exec sleep 30'\n""")
        term.read_until(r"sleeping\r\n")
        started = time.monotonic()
        term.type("\x03")
        assert _lines(term.run("echo still-here")) == ["still-here"]
        assert time.monotonic() - started < 10
        status = term.exit()
        assert status.get("status") == "Success", status
    finally:
        term.close()


def test_what_kwok_exec_cannot_do(make_toolbox, cluster: Cluster, core, namespace):
    """kwok's limits, pinned so that a kwok upgrade that lifts them is noticed."""
    toolbox = make_toolbox()
    # A non-zero exit status comes back as an internal error that names it.
    failed = cluster.run_kubectl("-n", namespace, "exec", toolbox.pod, "--", "sh", "-c", "exit 3")
    assert failed.returncode == 1
    assert "exit status 3" in failed.stderr
    # A Pod without an Exec object (not a toolbox) cannot be exec'd into.
    core.create_namespaced_pod(
        namespace,
        {"metadata": {"name": "web"}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}},
    )
    wait_for(lambda: _ready(core, namespace, "web"), "the Pod web to be Ready")
    refused = cluster.run_kubectl("-n", namespace, "exec", "web", "--", "true")
    assert refused.returncode != 0
    assert 'no exec found for container "web"' in refused.stderr


def test_the_exec_object_goes_with_its_pod(make_toolbox, api_client, core, namespace):
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    toolbox = make_toolbox()
    custom = client.CustomObjectsApi(api_client)

    def exec_gone() -> bool:
        try:
            custom.get_namespaced_custom_object(
                "kwok.x-k8s.io", "v1alpha1", namespace, "execs", toolbox.pod
            )
        except ApiException as exc:
            return exc.status == 404
        return False

    assert not exec_gone()
    core.delete_namespaced_pod(toolbox.pod, namespace, grace_period_seconds=0)
    wait_for(exec_gone, "the garbage collector to delete the Exec of the deleted Pod")


def test_a_shell_whose_client_went_away_ends_at_its_idle_timeout(make_toolbox, core):
    toolbox = make_toolbox(env={"TMOUT": "2"})
    term = Terminal(core, toolbox)
    pid = int(term.run("echo $$").strip())
    assert _running(pid)
    term.ws.close()  # as a closed browser tab: no exit typed
    wait_for(lambda: not _running(pid), "the abandoned shell to exit", timeout=20)


@pytest.mark.skipif(os.geteuid() != 0, reason="kwok can switch users only when it runs as root")
def test_the_shell_can_run_as_an_unprivileged_user(make_toolbox, cluster: Cluster):
    toolbox = make_toolbox(run_as_user=NOBODY)
    result = cluster.run_kubectl(
        "-n", toolbox.namespace, "exec", toolbox.pod, "--", "sh", "-c", 'id -u; id -g; cat "$KUBECONFIG" >/dev/null && echo readable'
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(NOBODY), str(NOBODY), "readable"]


def test_keystroke_echo_round_trip(make_toolbox, core, record_property):
    """One key typed, until its echo is back: what a student feels in the terminal."""
    toolbox = make_toolbox()
    term = Terminal(core, toolbox)
    try:
        term.resize(300, 40)  # no line wrapping while typing
        term.read_until(r"[#$] ")
        times = []
        for i in range(200):
            if i % 50 == 0:
                term.type("\x15")  # Ctrl-U: an empty line again
                time.sleep(0.2)
            term.receive(timeout=0)  # nothing left over that could pass for the echo
            term.output = ""
            key = "abcdefghijklmnopqrstuvwxyz"[i % 26]
            started = time.perf_counter()
            term.type(key)
            while not term.output:
                term.receive(timeout=5)
                assert time.perf_counter() - started < 5, "no echo"
            times.append(time.perf_counter() - started)
            assert term.output == key, term.output
        term.type("\x15")
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1]
        record_property("echo_p50_ms", round(p50 * 1000, 2))
        record_property("echo_p95_ms", round(p95 * 1000, 2))
        print(
            f"\nkeystroke echo over {len(times)} keys: p50 {p50 * 1000:.2f} ms, "
            f"p95 {p95 * 1000:.2f} ms, max {max(times) * 1000:.2f} ms"
        )
        assert p95 < 1.0
        assert term.exit().get("status") == "Success"
    finally:
        term.close()


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"

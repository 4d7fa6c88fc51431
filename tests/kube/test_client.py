"""The Kubernetes boundary: kubeconfig safety (pure) and error translation (real servers)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from kube import BadKubeconfig, Cluster, ClusterUnreachable, check_untrusted, parse_kubeconfig


def kubeconfig(server: str = "https://127.0.0.1:16443", **user: object) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": user or {"token": "abc"}}],
        "contexts": [
            {"name": "ctx", "context": {"cluster": "c", "user": "u", "namespace": "student-a"}}
        ],
        "current-context": "ctx",
    }


@pytest.mark.parametrize(
    "config, reason",
    [
        (kubeconfig(exec={"command": "/bin/sh", "args": ["-c", "id"]}), "would run a program"),
        (kubeconfig(**{"auth-provider": {"name": "oidc"}}), "would run a program"),
        (kubeconfig(tokenFile="/etc/shadow"), "would read a file"),
        (kubeconfig(**{"client-key": "/root/.ssh/id_rsa"}), "would read a file"),
        (kubeconfig(server="http://127.0.0.1:16443"), "https://"),
        (kubeconfig(server="https://169.254.169.254"), "link-local"),
        (kubeconfig(server="https://evil.example.com"), "allow-list"),
    ],
)
def test_untrusted_kubeconfigs_are_refused(config, reason):
    with pytest.raises(BadKubeconfig, match=reason):
        check_untrusted(config, context=None, allowed_hosts=["127.0.0.1"])


def test_an_inline_kubeconfig_on_the_allow_list_passes():
    check_untrusted(kubeconfig(), context=None, allowed_hosts=["127.0.0.1:16443"])


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "no `clusters`"),
        ("[1, 2]", "no `clusters`"),
        ("a: [", "not valid YAML"),
        ("x" * 70_000, "larger than"),
    ],
)
def test_garbage_kubeconfigs_get_a_clear_error(text, reason):
    with pytest.raises(BadKubeconfig, match=reason):
        parse_kubeconfig(text)


def test_an_unknown_context_is_named():
    with pytest.raises(BadKubeconfig, match="context 'nope' is not in the kubeconfig"):
        Cluster.from_kubeconfig(kubeconfig(), context="nope")


def test_an_unreachable_cluster_fails_fast_and_clearly():
    # A port nothing listens on: connection refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cluster = Cluster.from_kubeconfig(kubeconfig(server=f"https://127.0.0.1:{port}"))
    started = time.monotonic()
    with pytest.raises(ClusterUnreachable):
        cluster.version()
    assert time.monotonic() - started < 15


def test_a_server_that_never_answers_times_out_within_15_seconds():
    # Accepts connections and says nothing: the read timeout must end it.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    held = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        cluster = Cluster.from_kubeconfig(kubeconfig(server=f"https://127.0.0.1:{port}"))
        started = time.monotonic()
        with pytest.raises(ClusterUnreachable):
            cluster.version()
        assert time.monotonic() - started < 15
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()

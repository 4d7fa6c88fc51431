"""Clusters that answer badly: slowly, with the wrong shape, or not as Kubernetes at all.

Every server here is a real socket server on loopback. What must hold:
each exchange ends within its deadline whatever the server does (dripping a
byte at a time in the TLS handshake, the headers or the body), an answer of
the wrong shape is a clear KubeError (never an AttributeError), and a
student's cluster learns nothing from the errors about what listens on a
port ("could not connect", whatever the reason).
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kube import BadKubeconfig, Cluster, KubeError, TooSlow, UnexpectedAnswer, check_untrusted
from kube.kubeconfig import allow_list_entry, server_allowed
from tests.kube.test_untrusted_clusters import kubeconfig, self_signed

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


def serve_raw(
    handle: Callable[[socket.socket], None], tls: tuple[Path, Path] | None
) -> Iterator[int]:
    """A TCP server that hands each connection to ``handle`` (in a thread)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()
    context = None
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return

            def run(conn: socket.socket = conn) -> None:
                try:
                    if context is not None:
                        conn = context.wrap_socket(conn, server_side=True)
                    handle(conn)
                except OSError:
                    pass
                finally:
                    conn.close()

            threading.Thread(target=run, daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        listener.close()


def drip(conn: socket.socket, data: bytes, every: float = 0.3) -> None:
    conn.settimeout(5)
    conn.recv(65536)  # the request
    for byte in data:
        conn.sendall(bytes([byte]))
        time.sleep(every)


HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"


def student_cluster(port: int, tls: tuple[Path, Path], **cluster: object) -> Cluster:
    ca = base64.b64encode(tls[0].read_bytes()).decode()
    return Cluster.from_untrusted_kubeconfig(
        kubeconfig(f"https://127.0.0.1:{port}", **{"certificate-authority-data": ca, **cluster}),
        context=None,
        allowed_hosts=[f"127.0.0.1:{port}"],
    )


@pytest.mark.parametrize(
    "answer",
    [b"HTTP/1.1 200 OK\r\nX-Drip: " + b"a" * 5000, HEADERS + b"{" + b" " * 5000],
    ids=["dripping-headers", "dripping-body"],
)
def test_a_dripping_server_is_cut_off_at_the_deadline(tls, answer):
    for port in serve_raw(lambda conn: drip(conn, answer), tls):
        cluster = student_cluster(port, tls)
        cluster.exchange_seconds = 1.5
        started = time.monotonic()
        with pytest.raises(TooSlow, match="did not finish answering within 2 s"):
            cluster.version()
        assert time.monotonic() - started < 3.5


def test_a_server_that_stalls_the_tls_handshake_is_cut_off(tls):
    def stall(conn: socket.socket) -> None:
        time.sleep(10)

    for port in serve_raw(stall, None):  # accepts TCP, never answers the ClientHello
        cluster = student_cluster(port, tls)
        cluster.exchange_seconds = 1.0
        started = time.monotonic()
        with pytest.raises(TooSlow):
            cluster.version()
        assert time.monotonic() - started < 3


def test_a_run_has_a_deadline_in_all(tls):
    for port in serve_raw(lambda conn: drip(conn, HEADERS + b" " * 5000, every=0.05), tls):
        cluster = student_cluster(port, tls)
        cluster.limit_run(1.0)
        started = time.monotonic()
        for _ in range(3):
            with pytest.raises(TooSlow):
                cluster.version()
        assert time.monotonic() - started < 2.5


def json_server(answers: dict[str, object], tls: tuple[Path, Path]) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(answers.get(self.path.split("?")[0], {"kind": "Status"})).encode()
            self.send_response(200 if self.path in answers else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "answers, call",
    [
        ({"/version": ["v1.35.0"]}, lambda c: c.version()),
        ({"/version": {"gitVersion": {"major": 1}}}, lambda c: c.version()),
        ({"/api/v1": ["pods"]}, lambda c: c.list_objects("v1", "Pod", "labs")),
        ({"/api/v1": {"resources": {"pods": 1}}}, lambda c: c.list_objects("v1", "Pod", "labs")),
        ({"/api/v1": {"resources": [{"name": ["pods"], "kind": "Pod"}]}},
         lambda c: c.list_objects("v1", "Pod", "labs")),
        ({"/api/v1": {"resources": [{"name": "pods", "kind": "Pod", "namespaced": True}]},
          "/api/v1/namespaces/labs/pods": {"items": {"a": 1}}},
         lambda c: c.list_objects("v1", "Pod", "labs")),
        ({"/api/v1": {"resources": [{"name": "pods", "kind": "Pod", "namespaced": True}]},
          "/api/v1/namespaces/labs/pods": {"items": [1, "two", None]}},
         lambda c: c.list_objects("v1", "Pod", "labs")),
        ({"/api/v1": {"resources": [{"name": "pods", "kind": "Pod", "namespaced": True}]},
          "/api/v1/namespaces/labs/pods": {"items": [{"metadata": ["x"]}]}},
         lambda c: c.list_objects("v1", "Pod", "labs")),
    ],
    ids=["version-list", "version-mapping", "discovery-list", "resources-mapping",
         "resource-name-list", "items-mapping", "items-not-objects", "metadata-list"],
)  # fmt: skip
def test_an_answer_of_the_wrong_shape_is_a_clear_error(tls, answers, call):
    for port in json_server(answers, tls):
        with pytest.raises(UnexpectedAnswer, match="never sends"):
            call(student_cluster(port, tls))


def test_a_student_cluster_learns_nothing_about_what_listens_on_a_port(tls, tmp_path):
    """Closed, plain HTTP, TLS with another certificate: the same answer."""
    messages = []
    closed = socket.create_server(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    messages.append(_connect_error(closed_port, tls))

    def plain_http(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    for port in serve_raw(plain_http, None):
        messages.append(_connect_error(port, tls))
    other = self_signed(tmp_path)  # a TLS server whose certificate the student's CA did not sign
    for port in serve_raw(lambda conn: conn.recv(100), other):
        messages.append(_connect_error(port, tls))
    assert messages == ["could not connect to https://127.0.0.1:PORT"] * 3, messages


def _connect_error(port: int, tls: tuple[Path, Path]) -> str:
    cluster = student_cluster(port, tls)
    cluster.exchange_seconds = 3
    with pytest.raises(KubeError) as caught:
        cluster.version()
    return str(caught.value).replace(str(port), "PORT")


def test_a_body_that_is_not_a_kubernetes_status_is_not_quoted(tls):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(403)
            self.end_headers()
            self.wfile.write(b"<html>internal admin console: secret-token-123</html>")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(KubeError) as caught:
            student_cluster(server.server_address[1], tls).version()
    finally:
        server.shutdown()
        server.server_close()
    assert "secret-token-123" not in str(caught.value)
    assert "not from a Kubernetes API server" in str(caught.value)


@pytest.mark.parametrize(
    "entry, parsed",
    [
        ("k8s.school.edu", ("k8s.school.edu", (443, 6443))),
        ("K8S.school.edu:8443", ("k8s.school.edu", (8443,))),
        ("*.lab.school.edu:6443", ("*.lab.school.edu", (6443,))),
        ("10.20.0.0/16:16443", ("10.20.0.0/16", (16443,))),
        ("[fd00::1]:6443", ("fd00::1", (6443,))),
        ("fd00::/64", ("fd00::/64", (443, 6443))),
        ("host:notaport", ("host", ())),
        ("host:70000", ("host", ())),
    ],
)
def test_allow_list_entries_carry_a_port(entry, parsed):
    assert allow_list_entry(entry) == parsed


@pytest.mark.parametrize(
    "server, allowed, ok",
    [
        ("https://10.20.1.2", ["10.20.0.0/16"], True),
        ("https://10.20.1.2:6443", ["10.20.0.0/16"], True),
        ("https://10.20.1.2:22", ["10.20.0.0/16"], False),
        ("https://10.20.1.2:8443", ["10.20.0.0/16"], False),
        ("https://10.20.1.2:8443", ["10.20.0.0/16:8443"], True),
        ("https://10.20.1.2:6443", ["10.20.0.0/16:8443"], False),
        ("https://k8s.school.edu:2379", ["k8s.school.edu"], False),
    ],
)
def test_only_the_listed_ports_are_reached(server, allowed, ok):
    def resolve(host: str, port: int) -> list[str]:
        return ["10.20.1.2"]

    if ok:
        check_untrusted(kubeconfig(server), context=None, allowed_hosts=allowed, resolve=resolve)
    else:
        with pytest.raises(BadKubeconfig, match="not on the allow-list"):
            check_untrusted(
                kubeconfig(server), context=None, allowed_hosts=allowed, resolve=resolve
            )


def test_port_less_entries_mean_the_api_server_ports():
    ip = __import__("ipaddress").ip_address
    assert server_allowed("a.example", [ip("10.0.0.1")], ["10.0.0.0/8"], 443)
    assert not server_allowed("a.example", [ip("10.0.0.1")], ["10.0.0.0/8"], 80)

"""Students' kubeconfigs: the allow-list, pinned addresses, and servers that misbehave.

DNS answers are injected (``resolve=``) where a test needs a name to resolve to
a chosen address: this machine has no DNS server we could configure. The
misbehaving API servers are real HTTPS servers on loopback.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kube import BadKubeconfig, Cluster, KubeError, check_untrusted, pin_untrusted
from kube.kubeconfig import server_allowed


def kubeconfig(server: str, **cluster: object) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server, **cluster}}],
        "users": [{"name": "u", "user": {"token": "student-token"}}],
        "contexts": [
            {"name": "ctx", "context": {"cluster": "c", "user": "u", "namespace": "labs"}}
        ],
        "current-context": "ctx",
    }


def resolver(*answers: str):
    def resolve(host: str, port: int) -> list[str]:
        return list(answers)

    return resolve


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} was looked up although no allow-list entry could match it")


ip = ipaddress.ip_address


@pytest.mark.parametrize(
    "host, addresses, allowed, expected",
    [
        ("k8s.school.edu", ["10.0.0.5"], ["k8s.school.edu"], True),
        ("K8S.school.edu", ["10.0.0.5"], ["k8s.school.edu."], False),  # callers lower-case hosts
        ("lab1.k8s.school.edu", ["10.0.0.5"], ["*.k8s.school.edu"], True),
        ("k8s.school.edu", ["10.0.0.5"], ["*.k8s.school.edu"], False),
        ("evil-k8s.school.edu", ["10.0.0.5"], ["*.k8s.school.edu"], False),
        ("anything.example", ["10.20.3.4"], ["10.20.0.0/16"], True),
        ("anything.example", ["10.20.3.4", "192.0.2.1"], ["10.20.0.0/16"], False),
        ("10.20.3.4", ["10.20.3.4"], ["10.20.3.4"], True),
        ("::1", ["::1"], ["0:0::1"], True),
        ("x.example", ["::ffff:10.20.0.9"], ["10.20.0.0/16"], True),
        ("x.example", ["10.20.0.9"], ["not-a-network/99", ""], False),
        ("x.example", ["10.20.0.9"], [], False),
    ],
)
def test_it_matches_the_allow_list(host, addresses, allowed, expected):
    assert server_allowed(host, [ip(a) for a in addresses], allowed) is expected


@pytest.mark.parametrize(
    "server, answers, reason",
    [
        ("https://169.254.169.254", (), "link-local"),
        ("https://[fe80::1]:6443", (), "link-local"),
        ("https://[::ffff:169.254.169.254]", (), "link-local"),
        ("https://100.100.100.200", (), "link-local or special"),
        ("https://[fd00:ec2::254]", (), "link-local or special"),
        ("https://0.0.0.0:6443", (), "link-local or special"),
        ("https://224.0.0.1", (), "link-local or special"),
        # An allowed name that resolves to the metadata service.
        (
            "https://k8s.school.edu:6443",
            ("169.254.169.254",),
            "resolves to 169.254.169.254, which is",
        ),
        (
            "https://k8s.school.edu:6443",
            ("10.0.0.5", "fe80::1%eth0"),
            "resolves to fe80::1, which is",
        ),
        ("https://k8s.school.edu@evil.example", (), "may not carry credentials"),
        ("https://user:pw@k8s.school.edu", ("10.0.0.5",), "may not carry credentials"),
        ("https://k8s.school.edu/?x=1", ("10.0.0.5",), "may not carry credentials"),
        ("https://[::1", (), "not a valid URL"),
        ("https://k8s.school.edu:99999", (), "not a valid URL"),
        ("file:///etc/passwd", (), "must be an https:// URL"),
        ("", (), "must be an https:// URL"),
    ],
)
def test_it_refuses_special_addresses_even_on_the_list(server, answers, reason):
    allowed = ["k8s.school.edu", "169.254.169.254", "fe80::/10", "0.0.0.0/0", "::/0"]
    with pytest.raises(BadKubeconfig, match=reason):
        check_untrusted(
            kubeconfig(server), context=None, allowed_hosts=allowed, resolve=resolver(*answers)
        )


def test_it_refuses_a_proxy():
    config = kubeconfig("https://127.0.0.1:6443", **{"proxy-url": "http://169.254.169.254"})
    with pytest.raises(BadKubeconfig, match="proxy"):
        check_untrusted(config, context=None, allowed_hosts=["127.0.0.1"])


def test_it_does_not_look_up_names_no_entry_could_allow():
    with pytest.raises(BadKubeconfig, match="not on the allow-list"):
        check_untrusted(
            kubeconfig("https://attacker.example"),
            context=None,
            allowed_hosts=["k8s.school.edu", "*.lab.school.edu"],
            resolve=no_dns,
        )


def test_a_network_entry_admits_a_name_by_its_addresses():
    found = check_untrusted(
        kubeconfig("https://kind.local:6443"),
        context=None,
        allowed_hosts=["10.20.0.0/16"],
        resolve=resolver("10.20.1.2"),
    )
    assert found == [ip("10.20.1.2")]


def test_pinning_connects_to_the_checked_address_and_verifies_the_name():
    pinned = pin_untrusted(
        kubeconfig("https://k8s.school.edu:6443/base", **{"certificate-authority-data": "Q0E="}),
        context=None,
        allowed_hosts=["*.school.edu"],
        resolve=resolver("10.0.0.5", "10.0.0.6"),
    )
    (cluster,) = pinned["clusters"]
    assert cluster["cluster"] == {
        "server": "https://10.0.0.5:6443/base",
        "certificate-authority-data": "Q0E=",
        "tls-server-name": "k8s.school.edu",
    }
    assert pinned["current-context"] == "ctx"
    assert pinned["contexts"][0]["context"]["namespace"] == "labs"
    ipv6 = pin_untrusted(
        kubeconfig("https://k8s.school.edu"),
        context=None,
        allowed_hosts=["k8s.school.edu"],
        resolve=resolver("2001:db8::7"),
    )
    assert ipv6["clusters"][0]["cluster"]["server"] == "https://[2001:db8::7]"


# --- misbehaving servers ------------------------------------------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.crt", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Hits:
    def __init__(self) -> None:
        self.paths: list[str] = []


def serve(handler: type[BaseHTTPRequestHandler], tls: tuple[Path, Path] | None) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        scheme = "https" if tls else "http"
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def metadata_service() -> Iterator[tuple[str, Hits]]:
    """Stands in for 169.254.169.254: records whether anyone reached it."""
    hits = Hits()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"gitVersion": "secret-instance-credentials"}')

        def log_message(self, *args: object) -> None:
            pass

    yield from ((url, hits) for url in serve(Handler, None))


@pytest.fixture
def tls(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


@pytest.fixture
def hostile_api_server(tls, metadata_service) -> Iterator[str]:
    target, _ = metadata_service

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/version":
                self.send_response(302)
                self.send_header("Location", f"{target}/latest/meta-data/")
                self.end_headers()
                return
            if self.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                chunk = b" " * (1024 * 1024)
                try:
                    for _ in range(40):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>not an API server</html>")

        def log_message(self, *args: object) -> None:
            pass

    yield from serve(Handler, tls)


def student_cluster(url: str, tls: tuple[Path, Path]) -> Cluster:
    ca = base64.b64encode(tls[0].read_bytes()).decode()
    return Cluster.from_untrusted_kubeconfig(
        kubeconfig(url, **{"certificate-authority-data": ca}),
        context=None,
        allowed_hosts=[url.removeprefix("https://")],  # the test server's own port
    )


def test_a_redirect_is_refused_and_never_followed(hostile_api_server, tls, metadata_service):
    _, hits = metadata_service
    cluster = student_cluster(hostile_api_server, tls)
    with pytest.raises(KubeError, match=r"redirect \(302\)"):
        cluster.version()
    assert hits.paths == []


def test_an_endless_answer_is_cut_off(hostile_api_server, tls):
    cluster = student_cluster(hostile_api_server, tls)
    with pytest.raises(KubeError, match="more than 16 MiB"):
        cluster.request("GET", "/huge")


def test_an_answer_that_is_not_json_is_a_clear_error(hostile_api_server, tls):
    cluster = student_cluster(hostile_api_server, tls)
    with pytest.raises(KubeError, match="not JSON"):
        cluster.request("GET", "/api")


def test_the_tutor_keeps_the_name_the_student_gave(hostile_api_server, tls):
    cluster = student_cluster(hostile_api_server, tls)
    assert cluster.server == hostile_api_server

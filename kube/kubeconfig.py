"""Kubeconfigs: reading them, and refusing the parts that would run code or read files.

A kubeconfig the tutor did not write itself (a student's, or one uploaded by
an operator) is untrusted: an ``exec`` credential plugin would run a
command on the worker, ``*-file`` keys would read the worker's files, and
the server URL could point anywhere. ``check_untrusted`` refuses all of that
and applies the allow-list of server hosts.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from collections.abc import Callable
from typing import Any

import yaml

from kube.errors import BadKubeconfig, ClusterUnreachable

MAX_BYTES = 64 * 1024
_FILE_KEYS = {"certificate-authority", "client-certificate", "client-key", "tokenFile"}
_CODE_KEYS = {"exec", "auth-provider"}


def parse_kubeconfig(text: str) -> dict[str, Any]:
    """A kubeconfig the operator wrote (a file on the tutor's own disk), checked for shape.

    A student's kubeconfig is read by the tutor's one YAML loader, with its
    budget (``workspaces.own_cluster``), and handed to ``kubeconfig_from_data``.
    """
    if len(text.encode()) > MAX_BYTES:
        raise _too_large(len(text.encode()))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadKubeconfig(f"the kubeconfig is not valid YAML ({exc.__class__.__name__})") from exc
    except (ValueError, RecursionError) as exc:
        raise BadKubeconfig(
            "the kubeconfig is not valid YAML (a value is too large or deep)"
        ) from exc
    return kubeconfig_from_data(data)


def size_message(size: int) -> str:
    return (
        f"the kubeconfig is larger than {MAX_BYTES // 1024} KiB ({size // 1024} KiB); "
        "`kubectl config view --minify --flatten` prints only the context you use"
    )


def _too_large(size: int) -> BadKubeconfig:
    return BadKubeconfig(
        size_message(size), code="too_large", limit=MAX_BYTES // 1024, size=size // 1024
    )


# Keys of each entry whose value must be text (or true/false), when present.
_TEXT_KEYS = {
    "cluster": ("server", "certificate-authority-data", "tls-server-name", "proxy-url"),
    "user": ("token", "client-certificate-data", "client-key-data", "username", "password"),
    "context": ("cluster", "user", "namespace"),
}
_BOOL_KEYS = {"cluster": ("insecure-skip-tls-verify",)}


def kubeconfig_from_data(data: Any) -> dict[str, Any]:
    """Check that parsed YAML has a kubeconfig's shape: every value used later has its type.

    Raises BadKubeconfig naming the first value in the wrong place, so that no
    later lookup meets a list where a name belongs.
    """
    if not isinstance(data, dict) or not isinstance(data.get("clusters"), list):
        raise BadKubeconfig(
            "this is not a kubeconfig: it has no `clusters` list", code="no_clusters"
        )
    current = data.get("current-context")
    if current is not None and not isinstance(current, str):
        raise BadKubeconfig(
            f"`current-context` must be a name, not {_kind_of(current)}",
            code="current_context_not_name",
            kind=kind_key(current),
        )
    for section, body_key in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise BadKubeconfig(
                f"`{section}` must be a list, not {_kind_of(entries)}",
                code="not_list",
                where=section,
                kind=kind_key(entries),
            )
        for index, entry in enumerate(entries):
            where = f"{section}[{index}]"
            if not isinstance(entry, dict):
                raise BadKubeconfig(
                    f"`{where}` must be a mapping, not {_kind_of(entry)}",
                    code="not_mapping",
                    where=where,
                    kind=kind_key(entry),
                )
            name = entry.get("name")
            if not isinstance(name, str) or not name:
                raise BadKubeconfig(
                    f"`{where}.name` must be a name, not {_kind_of(name)}",
                    code="not_name",
                    where=f"{where}.name",
                    kind=kind_key(name),
                )
            body = entry.get(body_key)
            if body is None:
                continue
            if not isinstance(body, dict):
                raise BadKubeconfig(
                    f"`{where}.{body_key}` must be a mapping, not {_kind_of(body)}",
                    code="not_mapping",
                    where=f"{where}.{body_key}",
                    kind=kind_key(body),
                )
            for key in _TEXT_KEYS[body_key]:
                value = body.get(key)
                if value is not None and not isinstance(value, str):
                    raise BadKubeconfig(
                        f"`{where}.{body_key}.{key}` must be text, not {_kind_of(value)}",
                        code="not_text",
                        where=f"{where}.{body_key}.{key}",
                        kind=kind_key(value),
                    )
            for key in _BOOL_KEYS.get(body_key, ()):
                value = body.get(key)
                if value is not None and not isinstance(value, bool):
                    raise BadKubeconfig(
                        f"`{where}.{body_key}.{key}` must be true or false, not {_kind_of(value)}",
                        code="not_bool",
                        where=f"{where}.{body_key}.{key}",
                        kind=kind_key(value),
                    )
    return data


# What a value in the wrong place is, by its key (``BadKubeconfig.values["kind"]``).
KINDS = {
    "nothing": "nothing",
    "bool": "true/false",
    "mapping": "a mapping",
    "list": "a list",
    "empty": "empty text",
    "text": "text",
    "number": "a number",
}


def kind_key(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "empty" if not value else "text"
    return "number"


def _kind_of(value: Any) -> str:
    return KINDS[kind_key(value)]


def token_kubeconfig(
    *,
    server: str,
    token: str,
    ca_data: str | None,
    namespace: str,
    cluster: str,
    user: str,
    context: str,
) -> dict[str, Any]:
    """A kubeconfig of one context whose user holds a bearer token (the CA inline, if any)."""
    entry: dict[str, str] = {"server": server}
    if ca_data:
        entry["certificate-authority-data"] = ca_data
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": entry}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [
            {"name": context, "context": {"cluster": cluster, "user": user, "namespace": namespace}}
        ],
        "current-context": context,
    }


def context_parts(
    config: dict[str, Any], context: str | None
) -> tuple[str, dict[str, Any], dict[str, Any], str | None]:
    """(context name, cluster entry, user entry, namespace) of the chosen or current context."""
    name = context or config.get("current-context")
    contexts = {
        c.get("name"): c.get("context") or {}
        for c in config.get("contexts") or []
        if isinstance(c, dict)
    }
    if not name or name not in contexts:
        known = ", ".join(sorted(str(n) for n in contexts)) or "none"
        raise BadKubeconfig(
            f"context {name!r} is not in the kubeconfig (contexts: {known})",
            code="unknown_context",
            name=repr(name),
            known=known if contexts else "",
        )
    ctx = contexts[name]
    clusters = {
        c.get("name"): c.get("cluster") or {}
        for c in config.get("clusters") or []
        if isinstance(c, dict)
    }
    users = {
        u.get("name"): u.get("user") or {} for u in config.get("users") or [] if isinstance(u, dict)
    }
    if ctx.get("cluster") not in clusters:
        raise BadKubeconfig(
            f"context {name!r} names a cluster that is not defined",
            code="undefined_cluster",
            name=repr(name),
        )
    return name, clusters[ctx["cluster"]], users.get(ctx.get("user"), {}), ctx.get("namespace")


def check_untrusted(
    config: dict[str, Any],
    *,
    context: str | None,
    allowed_hosts: list[str],
    resolve: Resolver | None = None,
) -> list[IPAddress]:
    """Refuse what would run code, read files, or reach a server not on the allow-list.

    Returns the server's addresses (all checked), so that the caller can pin
    the connection to one of them: a name that resolves to an allowed address
    now and to the cloud metadata service a second later must not get through.
    """
    host, port = check_untrusted_static(config, context=context, allowed_hosts=allowed_hosts)
    addresses = _addresses(host, port, resolve or _resolve)
    for address in addresses:
        if _forbidden(address):
            if _literal(host) is not None:
                raise _special(host)
            raise BadKubeconfig(
                f"refused: {host} resolves to {address}, which is a link-local or special "
                "address (cloud metadata services live there)",
                code="resolves_to_special",
                host=host,
                address=str(address),
            )
    if not server_allowed(host, addresses, allowed_hosts, port):
        raise _not_allowed(host, port)
    return addresses


def check_untrusted_static(
    config: dict[str, Any], *, context: str | None, allowed_hosts: list[str]
) -> tuple[str, int]:
    """Everything ``check_untrusted`` checks without asking DNS: (host, port) of the server.

    Cheap and bounded, so a web request can run it; a worker then runs
    ``check_untrusted`` (which resolves the name) before it connects.
    """
    _, cluster, user, _ = context_parts(config, context)
    found_code = sorted(_CODE_KEYS & set(user))
    if found_code:
        raise BadKubeconfig(
            f"refused: the user entry uses {', '.join(found_code)}, which would run a program",
            code="runs_program",
            keys=", ".join(found_code),
        )
    for entry in (cluster, user):
        files = sorted(_FILE_KEYS & set(entry))
        if files:
            raise BadKubeconfig(
                f"refused: {', '.join(files)} would read a file; inline the data instead",
                code="reads_file",
                keys=", ".join(files),
            )
    if cluster.get("proxy-url"):
        raise BadKubeconfig(
            "refused: proxy-url would send the tutor's requests through a proxy", code="proxy"
        )
    server = str(cluster.get("server") or "")
    try:
        url = urllib.parse.urlsplit(server)
        port = url.port
    except ValueError as exc:
        raise BadKubeconfig(
            f"refused: the server {server[:200]!r} is not a valid URL",
            code="invalid_url",
            server=repr(server[:200]),
        ) from exc
    if url.scheme != "https" or not url.hostname:
        raise BadKubeconfig(
            f"refused: the server {server[:200]!r} must be an https:// URL",
            code="not_https",
            server=repr(server[:200]),
        )
    if url.username or url.password or url.query or url.fragment:
        raise BadKubeconfig(
            "refused: the server URL may not carry credentials, a query or a fragment",
            code="url_extras",
        )
    host = url.hostname.lower().rstrip(".")
    port = port or 443
    literal = _literal(host)
    if literal is not None and _forbidden(literal):
        raise _special(host)
    if not _could_be_allowed(host, port, allowed_hosts):
        # Refused before any DNS lookup: the tutor does not even ask about such names.
        raise _not_allowed(host, port)
    return host, port


def _special(host: str) -> BadKubeconfig:
    return BadKubeconfig(
        f"refused: {host} is a link-local or special address (cloud metadata services live there)",
        code="special_address",
        host=host,
    )


def _not_allowed(host: str, port: int) -> BadKubeconfig:
    return BadKubeconfig(
        f"refused: {host}:{port} is not on the allow-list of cluster servers "
        f"(an entry without a port allows {' and '.join(map(str, DEFAULT_PORTS))})",
        code="not_allowed",
        host=host,
        port=port,
        first_port=DEFAULT_PORTS[0],
        second_port=DEFAULT_PORTS[1],
    )


def pin_untrusted(
    config: dict[str, Any],
    *,
    context: str | None,
    allowed_hosts: list[str],
    resolve: Resolver | None = None,
) -> dict[str, Any]:
    """A kubeconfig with only the chosen context, its server pinned to a checked address.

    The TLS certificate is still verified against the name the student gave
    (``tls-server-name``), so pinning changes where the tutor connects, not
    whom it trusts.
    """
    addresses = check_untrusted(
        config, context=context, allowed_hosts=allowed_hosts, resolve=resolve
    )
    name, cluster, user, namespace = context_parts(config, context)
    url = urllib.parse.urlsplit(str(cluster["server"]))
    host = url.hostname or ""
    address = addresses[0]
    netloc = f"[{address}]" if address.version == 6 else str(address)
    if url.port:
        netloc += f":{url.port}"
    pinned = dict(cluster)
    pinned["server"] = urllib.parse.urlunsplit(("https", netloc, url.path, "", ""))
    if _literal(host) is None:
        pinned.setdefault("tls-server-name", host)
    context_entry: dict[str, Any] = {"cluster": "student", "user": "student"}
    if namespace:
        context_entry["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "student", "cluster": pinned}],
        "users": [{"name": "student", "user": dict(user)}],
        "contexts": [{"name": name, "context": context_entry}],
        "current-context": name,
    }


# The API server ports an allow-list entry without a port admits: HTTPS, and the
# kube-apiserver's own default. Anything else must be listed (``host:8443``), so a
# student cannot make the worker knock on every port of an allowed address.
DEFAULT_PORTS = (443, 6443)


def allow_list_entry(entry: str) -> tuple[str, tuple[int, ...]]:
    """(host, name pattern or network; ports) of one entry: ``host``, ``host:port``,
    ``*.example.edu:6443``, ``10.20.0.0/16:6443``, ``[fd00::1]:6443``, ``fd00::/64``."""
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
    else:
        host, port_text = entry, ""
    host = host.rstrip(".")
    if not port_text:
        return host, DEFAULT_PORTS
    try:
        port = int(port_text)
    except ValueError:
        return host, ()
    return host, (port,) if 0 < port < 65536 else ()


def server_allowed(
    host: str, addresses: list[IPAddress], allowed: list[str], port: int = 443
) -> bool:
    """Whether an allow-list entry names the host (or covers every address it has) and the port.

    Entries: an exact host name or address, ``*.example.edu`` (any name under
    it), or a network in CIDR notation (``10.20.0.0/16``), each with an
    optional ``:port`` (without one: 443 and 6443).
    """
    for raw in allowed:
        entry, ports = allow_list_entry(raw)
        if not entry or port not in ports:
            continue
        if entry.startswith("*."):
            if host.endswith(entry[1:]):
                return True
        elif "/" in entry:
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                continue
            if addresses and all(_unmapped(a) in network for a in addresses):
                return True
        elif host == entry or (_literal(entry) is not None and _literal(entry) == _literal(host)):
            return True
    return False


# --- helpers ----------------------------------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# Metadata services outside the link-local ranges (Alibaba Cloud; AWS over IPv6).
_METADATA = {ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")}


def _could_be_allowed(host: str, port: int, allowed: list[str]) -> bool:
    """A name entry that matches, or a network entry (with the port) its addresses might be in."""
    literal = _literal(host)
    if literal is not None:
        return server_allowed(host, [literal], allowed, port)
    return server_allowed(host, [], allowed, port) or any(
        "/" in entry and port in ports
        for entry, ports in (allow_list_entry(raw) for raw in allowed)
    )


def _resolve(host: str, port: int) -> list[str]:
    try:
        answers = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ClusterUnreachable(f"cannot resolve {host}: {exc}") from exc
    return [str(answer[4][0]) for answer in answers]


def _addresses(host: str, port: int, resolve: Resolver) -> list[IPAddress]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    found: list[IPAddress] = []
    for text in resolve(host, port):
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise ClusterUnreachable(f"cannot resolve {host}: no addresses")
    return found


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _forbidden(address: IPAddress) -> bool:
    address = _unmapped(address)
    return (
        address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or address in _METADATA
    )

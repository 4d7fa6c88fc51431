"""Kubeconfigs: reading them, and refusing the parts that would run code or read files.

A kubeconfig the tutor did not write itself (a student's, or one uploaded by
an operator) is untrusted: an ``exec`` credential plugin would run a
command on the worker, ``*-file`` keys would read the worker's files, and
the server URL could point anywhere. ``check_untrusted`` refuses all of that
and applies the allow-list of server hosts.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from typing import Any

import yaml

from tutor.kube.errors import BadKubeconfig

MAX_BYTES = 64 * 1024
_FILE_KEYS = {"certificate-authority", "client-certificate", "client-key", "tokenFile"}
_CODE_KEYS = {"exec", "auth-provider"}


def parse_kubeconfig(text: str) -> dict[str, Any]:
    if len(text.encode()) > MAX_BYTES:
        raise BadKubeconfig(f"the kubeconfig is larger than {MAX_BYTES // 1024} KiB")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadKubeconfig(f"the kubeconfig is not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("clusters"), list):
        raise BadKubeconfig("this is not a kubeconfig: it has no `clusters` list")
    return data


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
        raise BadKubeconfig(f"context {name!r} is not in the kubeconfig (contexts: {known})")
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
        raise BadKubeconfig(f"context {name!r} names a cluster that is not defined")
    return name, clusters[ctx["cluster"]], users.get(ctx.get("user"), {}), ctx.get("namespace")


def check_untrusted(
    config: dict[str, Any], *, context: str | None, allowed_hosts: list[str]
) -> None:
    """Refuse what would run code, read files, or reach a server not on the allow-list."""
    _, cluster, user, _ = context_parts(config, context)
    found_code = sorted(_CODE_KEYS & set(user))
    if found_code:
        raise BadKubeconfig(
            f"refused: the user entry uses {', '.join(found_code)}, which would run a program"
        )
    for entry in (cluster, user):
        files = sorted(_FILE_KEYS & set(entry))
        if files:
            raise BadKubeconfig(
                f"refused: {', '.join(files)} would read a file; inline the data instead"
            )
    server = str(cluster.get("server") or "")
    url = urllib.parse.urlsplit(server)
    if url.scheme != "https" or not url.hostname:
        raise BadKubeconfig(f"refused: the server {server!r} must be an https:// URL")
    host = url.hostname
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and (
        address.is_link_local or address.is_multicast or address.is_unspecified
    ):
        raise BadKubeconfig(
            f"refused: {host} is a link-local or special address (cloud metadata lives there)"
        )
    if host not in allowed_hosts:
        raise BadKubeconfig(f"refused: {host} is not on the allow-list of cluster servers")

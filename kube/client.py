"""The only code that talks to Kubernetes: one client object per cluster.

Built from a kubeconfig dict with ``new_client_from_config_dict`` (never the
global configuration), it speaks to the REST API directly for the few
things the tutor needs — list any kind, server-side apply, patch,
namespaces, SubjectAccessReview, TokenRequest, watches — and translates every
failure into ``kube.errors``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import urllib3
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from kube import errors
from kube.kubeconfig import context_parts, parse_kubeconfig, pin_untrusted

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
# urllib3's timeouts bound each connect and each read, so a server that sends a
# byte every few seconds would hold the caller forever: every exchange (connect,
# TLS, headers, body) also has a deadline of its own, after which its sockets are
# shut down. A student's server gets less time.
EXCHANGE_SECONDS = CONNECT_TIMEOUT + READ_TIMEOUT + 2.0
UNTRUSTED_EXCHANGE_SECONDS = 10.0
FIELD_MANAGER = "lfs158-tutor"
# Enough for every object of a lab namespace; a student's server sends no more.
UNTRUSTED_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
# A watch's server closes it after timeoutSeconds; the socket may stay silent that
# long, and a little longer before we call the server gone.
WATCH_READ_GRACE = 10.0
# One watch event is one object: far below this, whoever sends it.
MAX_WATCH_EVENT_BYTES = 4 * 1024 * 1024


class _Sockets:
    """The connections a Cluster opened, to cut off when an exchange's deadline passes.

    Shutting a socket down from another thread wakes a read blocked on it, at
    any stage (TCP, the TLS handshake, headers, body), which then fails. While
    a connection is still being made, its socket object is not reachable (TLS
    wraps a new one around the same descriptor), so its descriptor is used.
    """

    def __init__(self) -> None:
        self._open: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.expired = False

    def add(self, connection: Any) -> None:
        with self._lock:
            self._open.add(connection)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for connection in list(self._open):
                _shut_down(connection)


def _shut_down(connection: Any) -> None:
    with contextlib.suppress(OSError, ValueError):
        if connection.connecting_fd is not None:
            # Mid-connect: the descriptor stays open until connect() returns.
            sock = socket.socket(fileno=connection.connecting_fd)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.detach()
        elif connection.sock is not None:
            connection.sock.shutdown(socket.SHUT_RDWR)


def _tracked_pool(pool_class: type[HTTPConnectionPool], sockets: _Sockets) -> type:
    """A pool class whose connections ``sockets`` can cut off."""
    base = pool_class.ConnectionCls

    class TrackedConnection(base):  # type: ignore[valid-type, misc]
        connecting_fd: int | None = None

        def _new_conn(self) -> socket.socket:
            if sockets.expired:
                # Past the deadline urllib3 would retry on a fresh connection: refused.
                raise OSError("the exchange's deadline has passed")
            sock = super()._new_conn()
            self.connecting_fd = sock.fileno()
            sockets.add(self)
            return sock

        def connect(self) -> None:
            try:
                super().connect()
            finally:
                self.connecting_fd = None

    return type(pool_class.__name__, (pool_class,), {"ConnectionCls": TrackedConnection})


@dataclass(frozen=True)
class Resource:
    group_version: str
    plural: str
    namespaced: bool

    def path(self, namespace: str | None, name: str | None = None) -> str:
        base = (
            f"/api/{self.group_version}"
            if "/" not in self.group_version
            else f"/apis/{self.group_version}"
        )
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base


class Cluster:
    def __init__(
        self,
        api_client: Any,
        *,
        name: str,
        server: str,
        namespace: str | None,
        max_response_bytes: int | None = None,
    ) -> None:
        self._api = api_client
        self.name = name
        self.server = server
        self.default_namespace = namespace or "default"
        self.max_response_bytes = max_response_bytes
        # A cluster someone else controls (a student's): errors say no more than
        # "could not connect" about what answered, and exchanges get less time.
        self.untrusted = False
        self.exchange_seconds = EXCHANGE_SECONDS
        # A whole run's deadline (time.monotonic), set with ``limit_run``.
        self.run_deadline: float | None = None
        self._discovery: dict[str, dict[str, Resource]] = {}
        # An API server never answers the tutor's requests with a redirect; one
        # that does may be sending the worker somewhere else (another host, the
        # cloud metadata service). The 3xx comes back as it is and is refused.
        pool = api_client.rest_client.pool_manager
        pool.request = functools.partial(pool.request, redirect=False)
        self._sockets = _Sockets()
        pool.pool_classes_by_scheme = {
            "http": _tracked_pool(HTTPConnectionPool, self._sockets),
            "https": _tracked_pool(HTTPSConnectionPool, self._sockets),
        }

    @classmethod
    def from_kubeconfig(cls, config: dict[str, Any], *, context: str | None = None) -> Cluster:
        name, cluster, _, namespace = context_parts(config, context)
        configuration = k8s.Configuration()
        configuration.retries = 1
        try:
            api_client = k8s_config.new_client_from_config_dict(
                config, context=name, persist_config=False, client_configuration=configuration
            )
        except (k8s_config.ConfigException, OSError, ValueError, TypeError, KeyError) as exc:
            raise errors.BadKubeconfig(
                f"the kubeconfig cannot be used: {exc}", code="unusable", problem=str(exc)
            ) from exc
        return cls(api_client, name=name, server=str(cluster.get("server")), namespace=namespace)

    @classmethod
    def from_untrusted_kubeconfig(
        cls, config: dict[str, Any], *, context: str | None, allowed_hosts: list[str]
    ) -> Cluster:
        """A cluster from a kubeconfig someone else wrote (a student's): checked and pinned.

        Refuses what ``check_untrusted`` refuses, connects to the address it
        checked, and caps the size of answers so that a hostile server cannot
        fill the worker's memory.
        """
        pinned = pin_untrusted(config, context=context, allowed_hosts=allowed_hosts)
        _, original, _, _ = context_parts(config, context)
        cluster = cls.from_kubeconfig(pinned)
        cluster.server = str(original.get("server"))
        cluster.max_response_bytes = UNTRUSTED_MAX_RESPONSE_BYTES
        cluster.untrusted = True
        cluster.exchange_seconds = UNTRUSTED_EXCHANGE_SECONDS
        return cluster

    def limit_run(self, seconds: float) -> None:
        """From now on, every exchange must end within ``seconds`` in all."""
        self.run_deadline = time.monotonic() + seconds

    @classmethod
    def from_kubeconfig_file(cls, path: str | Path, *, context: str | None = None) -> Cluster:
        try:
            text = Path(path).expanduser().read_text()
        except OSError as exc:
            raise errors.BadKubeconfig(f"cannot read {path}: {exc.strerror}") from exc
        return cls.from_kubeconfig(parse_kubeconfig(text), context=context)

    def close(self) -> None:
        self._api.close()

    def connection_settings(self) -> tuple[str, ssl.SSLContext, dict[str, str]]:
        """The server URL, a TLS context and the auth headers: for streams the client cannot open.

        The same CA, client certificate and bearer token the REST calls use
        (``kube.exec`` opens pods/exec WebSockets with them).
        """
        conf = self._api.configuration
        context = ssl.create_default_context(cafile=conf.ssl_ca_cert or None)
        if not conf.verify_ssl:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if conf.cert_file:
            context.load_cert_chain(conf.cert_file, conf.key_file or None)
        headers = {}
        token = conf.get_api_key_with_prefix("BearerToken", alias="authorization")
        if token:
            headers["Authorization"] = token
        return str(conf.host).rstrip("/"), context, headers

    # --- raw REST -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
        timeout: float = READ_TIMEOUT,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
        serialized = self._api.param_serialize(
            method, path, query_params=query or [], header_params=headers, body=body,
            auth_settings=["BearerToken"],
        )  # fmt: skip
        budget = self.exchange_seconds
        if self.run_deadline is not None:
            budget = min(budget, self.run_deadline - time.monotonic())
        if budget <= 0:
            raise errors.TooSlow(f"{self.server} took longer than a check may take")
        self._sockets.expired = False
        timer = threading.Timer(budget, self._sockets.expire)
        timer.daemon = True
        timer.start()
        try:
            response = self._api.call_api(
                *serialized,
                _request_timeout=(min(CONNECT_TIMEOUT, budget), min(timeout, budget)),
            )
            data = self._read(response)
        except k8s.ApiException as exc:
            raise self._translate(exc.status or 0, exc.body or exc.reason or "", path) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if self._sockets.expired:
                raise errors.TooSlow(
                    f"{self.server} did not finish answering within {budget:.0f} s"
                ) from exc
            if self.untrusted:
                # Refused, timed out, plain HTTP, a TLS error: all the same to the
                # student, so the answer says nothing about what listens there.
                raise errors.ClusterUnreachable(f"could not connect to {self.server}") from exc
            raise errors.ClusterUnreachable(f"{self.server}: {_short(exc)}") from exc
        finally:
            timer.cancel()
        if self._sockets.expired:
            # Cut off mid-body, a read may end as if the answer were complete.
            raise errors.TooSlow(f"{self.server} did not finish answering within {budget:.0f} s")
        if 300 <= response.status < 400:
            raise errors.KubeError(
                f"refused: {self.server} answered {path} with a redirect ({response.status}), "
                "which an API server never does"
            )
        if response.status >= 400:
            raise self._translate(
                response.status, data.decode(errors="replace") if data else "", path
            )
        try:
            return json.loads(data) if data else None
        except (ValueError, RecursionError) as exc:
            raise errors.UnexpectedAnswer(
                f"{self.server} answered {path} with something not JSON"
            ) from exc

    def _translate(self, status: int, body: str, path: str) -> errors.KubeError:
        if self.untrusted and not _is_status(body):
            # Only a Kubernetes Status object is quoted: the body of whatever else
            # answers at an allowed address is not the student's to read.
            body = "(an answer that is not from a Kubernetes API server)"
        return _translate(status, body, path)

    def _read(self, response: Any) -> bytes:
        if self.max_response_bytes is None:
            return bytes(response.read())
        raw = response.response
        chunks, size = [], 0
        while chunk := raw.read(64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_response_bytes:
                raw.close()
                raise errors.KubeError(
                    f"refused: {self.server} sent more than "
                    f"{self.max_response_bytes // (1024 * 1024)} MiB in one answer"
                )
        return b"".join(chunks)

    # --- discovery ------------------------------------------------------------------------

    def resource(self, api_version: str, kind: str) -> Resource:
        resources = self._discovery.get(api_version)
        if resources is None:
            path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
            try:
                listing = self.request("GET", path)
            except errors.NotFound as exc:
                raise errors.NotFound(f"the cluster does not serve {api_version}") from exc
            entries = _mapping(listing, path).get("resources", [])
            if not isinstance(entries, list):
                raise _unexpected(self.server, path)
            resources = {}
            for entry in entries:
                entry = _mapping(entry, path)
                served, plural = entry.get("kind"), entry.get("name")
                if not isinstance(served, str) or not isinstance(plural, str):
                    raise _unexpected(self.server, path)
                if "/" not in plural:
                    resources[served] = Resource(api_version, plural, bool(entry.get("namespaced")))
            self._discovery[api_version] = resources
        if kind not in resources:
            raise errors.NotFound(f"the cluster does not serve {kind} in {api_version}")
        return resources[kind]

    # --- reads ----------------------------------------------------------------------------

    def list_objects(
        self, api_version: str, kind: str, namespace: str | None, *, label_selector: str = ""
    ) -> list[dict[str, Any]]:
        return self.list_versioned(api_version, kind, namespace, label_selector=label_selector)[0]

    def list_versioned(
        self, api_version: str, kind: str, namespace: str | None, *, label_selector: str = ""
    ) -> tuple[list[dict[str, Any]], str]:
        """Every object of the kind, and the list's resourceVersion (where a watch can start)."""
        resource = self.resource(api_version, kind)
        path = resource.path(namespace if resource.namespaced else None)
        query = [("labelSelector", label_selector)] if label_selector else None
        data = _mapping(self.request("GET", path, query=query), path)
        items = data.get("items") or []
        if not isinstance(items, list):
            raise _unexpected(self.server, path)
        for item in items:
            # Checks read items as objects with metadata: anything else is no list of objects.
            item = _mapping(item, path)
            metadata = item.setdefault("metadata", {})
            if not isinstance(metadata, dict):
                raise _unexpected(self.server, path)
            # A list's items carry no apiVersion/kind; checks select on them.
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
            metadata.pop("managedFields", None)
        return items, _list_version(data)

    def collection_version(self, api_version: str, kind: str, namespace: str | None) -> str:
        """The kind's current resourceVersion, from a LIST of at most one object."""
        resource = self.resource(api_version, kind)
        data = self.request(
            "GET", resource.path(namespace if resource.namespaced else None), query=[("limit", "1")]
        )
        return _list_version(data)

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        *,
        resource_version: str = "",
        timeout_seconds: int = 60,
    ) -> Watch:
        """Changes to the kind after ``resource_version``, until the server ends the watch.

        Without a resourceVersion the server first sends every existing object
        as ADDED. An expired resourceVersion raises ``Expired``, at once or
        from the iteration.
        """
        resource = self.resource(api_version, kind)
        path = resource.path(namespace if resource.namespaced else None)
        query = [
            ("watch", "true"),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(int(timeout_seconds))),
        ]
        if resource_version:
            query.append(("resourceVersion", resource_version))
        serialized = self._api.param_serialize(
            "GET", path, query_params=query, header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )  # fmt: skip
        try:
            response = self._api.call_api(
                *serialized, _request_timeout=(CONNECT_TIMEOUT, timeout_seconds + WATCH_READ_GRACE)
            )
        except k8s.ApiException as exc:
            raise _translate(exc.status or 0, exc.body or exc.reason or "", path) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise errors.ClusterUnreachable(f"{self.server}: {_short(exc)}") from exc
        if response.status != 200:
            data = self._read(response)
            if 300 <= response.status < 400:
                raise errors.KubeError(
                    f"refused: {self.server} answered {path} with a redirect ({response.status}), "
                    "which an API server never does"
                )
            raise _translate(response.status, data.decode(errors="replace") if data else "", path)
        limit = min(self.max_response_bytes or MAX_WATCH_EVENT_BYTES, MAX_WATCH_EVENT_BYTES)
        return Watch(response.response, server=self.server, path=path, max_event_bytes=limit)

    def version(self) -> str:
        found = _mapping(self.request("GET", "/version"), "/version").get("gitVersion")
        if not isinstance(found, str):
            raise _unexpected(self.server, "/version")
        return found[:40]

    def can_i(
        self,
        *,
        user: str,
        groups: list[str],
        verb: str,
        resource: str,
        namespace: str,
        group: str = "",
        subresource: str = "",
    ) -> bool:
        review = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {
                "user": user,
                "groups": groups,
                "resourceAttributes": {
                    "namespace": namespace, "verb": verb, "resource": resource,
                    "group": group, "subresource": subresource,
                },
            },
        }  # fmt: skip
        path = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
        status = _mapping(self.request("POST", path, body=review), path).get("status") or {}
        return bool(_mapping(status, path).get("allowed"))

    # --- writes ---------------------------------------------------------------------------

    def apply(self, manifests: str, namespace: str) -> list[dict[str, Any]]:
        """Server-side apply of every document, in order, into ``namespace``."""
        applied = []
        for doc in yaml.safe_load_all(manifests):
            if not doc:
                continue
            resource = self.resource(doc["apiVersion"], doc["kind"])
            if resource.namespaced:
                doc.setdefault("metadata", {})["namespace"] = namespace
            path = resource.path(namespace, doc["metadata"]["name"])
            applied.append(
                self.request("PATCH", path, body=doc, content_type="application/apply-patch+yaml",
                             query=[("fieldManager", FIELD_MANAGER), ("force", "true")])
            )  # fmt: skip
        return applied

    def patch(
        self, *, api_version: str, kind: str, name: str, namespace: str, patch: Any,
        patch_type: str = "merge",
    ) -> Any:  # fmt: skip
        """A merge patch (default), a strategic merge patch or a JSON patch of one object."""
        resource = self.resource(api_version, kind)
        return self.request("PATCH", resource.path(namespace, name), body=patch,
                            content_type=_PATCH_TYPES[patch_type])  # fmt: skip

    def get_object(self, api_version: str, kind: str, name: str, namespace: str) -> dict[str, Any]:
        resource = self.resource(api_version, kind)
        obj = self.request("GET", resource.path(namespace, name))
        obj.setdefault("apiVersion", api_version)
        obj.setdefault("kind", kind)
        return dict(obj)

    def create_object(self, obj: dict[str, Any], namespace: str) -> dict[str, Any]:
        """Create one object (a POST: refused with Conflict when it exists, like `kubectl create`)."""
        resource = self.resource(obj["apiVersion"], obj["kind"])
        if resource.namespaced:
            obj = {**obj, "metadata": {**(obj.get("metadata") or {}), "namespace": namespace}}
        return dict(
            self.request("POST", resource.path(namespace), body=obj,
                         query=[("fieldManager", FIELD_MANAGER)])
        )  # fmt: skip

    def delete_object(
        self, api_version: str, kind: str, name: str, namespace: str, *,
        foreground: bool = False, missing_ok: bool = False,
    ) -> bool:  # fmt: skip
        """Delete one object (``foreground``: its dependents first).

        ``NotFound`` when there is none, or False with ``missing_ok``.
        """
        resource = self.resource(api_version, kind)
        policy = "Foreground" if foreground else "Background"
        try:
            self.request(
                "DELETE", resource.path(namespace, name), query=[("propagationPolicy", policy)]
            )
        except errors.NotFound:
            if missing_ok:
                return False
            raise
        return True

    def create_namespace(
        self, name: str, *, labels: dict[str, str] | None = None, wait_seconds: float = 30
    ) -> None:
        self.request("POST", "/api/v1/namespaces",
                     body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}})  # fmt: skip
        self.wait_until_usable(name, wait_seconds=wait_seconds)

    def wait_until_usable(self, name: str, *, wait_seconds: float = 30) -> None:
        """Pods are refused until a new namespace's default ServiceAccount exists: wait for it."""
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                self.request("GET", f"/api/v1/namespaces/{name}/serviceaccounts/default")
                return
            except errors.NotFound:
                if time.monotonic() > deadline:
                    raise errors.ClusterUnreachable(
                        f"namespace {name} got no default ServiceAccount"
                    ) from None
                time.sleep(0.2)

    def delete_collection(
        self, *, api_version: str, kind: str, namespace: str, label_selector: str = ""
    ) -> None:
        """Delete every object of a kind in a namespace (matching the selector), in the background."""
        resource = self.resource(api_version, kind)
        query = [("propagationPolicy", "Background")]
        if label_selector:
            query.append(("labelSelector", label_selector))
        with contextlib.suppress(errors.NotFound):
            self.request("DELETE", resource.path(namespace), query=query)

    def delete_namespace(self, name: str) -> None:
        with contextlib.suppress(errors.NotFound):
            self.request(
                "DELETE", f"/api/v1/namespaces/{name}", query=[("propagationPolicy", "Background")]
            )


@dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED, MODIFIED, DELETED or BOOKMARK
    name: str
    resource_version: str


class Watch:
    """An open watch: iterate its events; ``stop()`` from another thread ends the iteration."""

    def __init__(self, raw: Any, *, server: str, path: str, max_event_bytes: int) -> None:
        self._raw = raw
        self.server = server
        self.path = path
        self.max_event_bytes = max_event_bytes
        self._stopped = threading.Event()

    def __enter__(self) -> Watch:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[WatchEvent]:
        buffer = bytearray()
        try:
            # A watch answer is chunked: each chunk comes as soon as the server sends it.
            for chunk in self._raw.stream(amt=None, decode_content=True):
                buffer += chunk
                while (end := buffer.find(b"\n")) >= 0:
                    line = bytes(buffer[:end])
                    del buffer[: end + 1]
                    if line.strip():
                        yield self._event(line)
                if len(buffer) > self.max_event_bytes:
                    raise errors.KubeError(
                        f"refused: {self.server} sent more than "
                        f"{self.max_event_bytes // (1024 * 1024)} MiB in one watch event"
                    )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if self._stopped.is_set():
                return
            raise errors.ClusterUnreachable(
                f"{self.server}: the watch broke off ({_short(exc)})"
            ) from exc
        finally:
            self.close()

    def _event(self, line: bytes) -> WatchEvent:
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise errors.KubeError(f"{self.server} sent a watch event that is not JSON") from exc
        obj = data.get("object") if isinstance(data, dict) else None
        obj = obj if isinstance(obj, dict) else {}
        if data.get("type") == "ERROR":
            if obj.get("code") == 410:
                raise errors.Expired(str(obj.get("message") or "resourceVersion too old"))
            raise _translate(int(obj.get("code") or 0), json.dumps(obj), self.path)
        raw_meta = obj.get("metadata")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        return WatchEvent(
            type=str(data.get("type")),
            name=str(meta.get("name") or ""),
            resource_version=str(meta.get("resourceVersion") or ""),
        )

    def stop(self) -> None:
        """End the iteration now, even while it waits for the server (from any thread)."""
        self._stopped.set()
        # Closing a socket another thread reads from does not wake that thread;
        # shutting it down does (what the kubernetes client's own Watch does).
        sock = getattr(getattr(self._raw, "connection", None), "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._raw.close()
            self._raw.release_conn()


def _list_version(data: Any) -> str:
    meta = data.get("metadata") if isinstance(data, dict) else None
    return str((meta or {}).get("resourceVersion") or "")


_PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
}


def _translate(status: int, body: str, path: str) -> errors.KubeError:
    message: Any = body
    with contextlib.suppress(ValueError, AttributeError, RecursionError):
        message = json.loads(body).get("message", body)
    message = str(message)[:500]
    if status == 401:
        return errors.Unauthorized(f"the cluster refused the credentials ({message})")
    if status == 403:
        return errors.Forbidden(message)
    if status == 404:
        return errors.NotFound(message or f"{path} not found")
    if status == 409:
        return errors.Conflict(message)
    if status == 410:
        return errors.Expired(message)
    if status in (400, 422):
        return errors.Invalid(message)
    if status in (429, 500, 502, 503, 504) or status == 0:
        return errors.ClusterUnreachable(f"the API server answered {status}: {message}")
    return errors.KubeError(f"the API server answered {status}: {message}")


def _mapping(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _unexpected("the cluster", path)
    return value


def _unexpected(server: str, path: str) -> errors.UnexpectedAnswer:
    return errors.UnexpectedAnswer(
        f"{server} answered {path} with something a Kubernetes API server never sends"
    )


def _is_status(body: str) -> bool:
    with contextlib.suppress(ValueError, RecursionError):
        data = json.loads(body)
        return isinstance(data, dict) and data.get("kind") == "Status"
    return False


def _short(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    text = str(reason or exc)
    return text if len(text) < 200 else text[:197] + "..."

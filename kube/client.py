"""The only code that talks to Kubernetes: one client object per cluster.

Built from a kubeconfig dict with ``new_client_from_config_dict`` (never the
global configuration), it speaks to the REST API directly for the few
things the tutor needs — list any kind, server-side apply, patch,
namespaces, SubjectAccessReview, TokenRequest — and translates every failure
into ``kube.errors``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from kube import errors
from kube.kubeconfig import context_parts, parse_kubeconfig, pin_untrusted

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
FIELD_MANAGER = "lfs158-tutor"
# Enough for every object of a lab namespace; a student's server sends no more.
UNTRUSTED_MAX_RESPONSE_BYTES = 16 * 1024 * 1024


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
        self._discovery: dict[str, dict[str, Resource]] = {}
        # An API server never answers the tutor's requests with a redirect; one
        # that does may be sending the worker somewhere else (another host, the
        # cloud metadata service). The 3xx comes back as it is and is refused.
        pool = api_client.rest_client.pool_manager
        pool.request = functools.partial(pool.request, redirect=False)

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
            raise errors.BadKubeconfig(f"the kubeconfig cannot be used: {exc}") from exc
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
        return cluster

    @classmethod
    def from_kubeconfig_file(cls, path: str | Path, *, context: str | None = None) -> Cluster:
        try:
            text = Path(path).expanduser().read_text()
        except OSError as exc:
            raise errors.BadKubeconfig(f"cannot read {path}: {exc.strerror}") from exc
        return cls.from_kubeconfig(parse_kubeconfig(text), context=context)

    def close(self) -> None:
        self._api.close()

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
        try:
            response = self._api.call_api(*serialized, _request_timeout=(CONNECT_TIMEOUT, timeout))
            data = self._read(response)
        except k8s.ApiException as exc:
            raise _translate(exc.status or 0, exc.body or exc.reason or "", path) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise errors.ClusterUnreachable(f"{self.server}: {_short(exc)}") from exc
        if 300 <= response.status < 400:
            raise errors.KubeError(
                f"refused: {self.server} answered {path} with a redirect ({response.status}), "
                "which an API server never does"
            )
        if response.status >= 400:
            raise _translate(response.status, data.decode(errors="replace") if data else "", path)
        try:
            return json.loads(data) if data else None
        except ValueError as exc:
            raise errors.KubeError(
                f"{self.server} answered {path} with something not JSON"
            ) from exc

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
            resources = {
                r["kind"]: Resource(api_version, r["name"], bool(r.get("namespaced")))
                for r in listing.get("resources", [])
                if "/" not in r["name"]
            }
            self._discovery[api_version] = resources
        if kind not in resources:
            raise errors.NotFound(f"the cluster does not serve {kind} in {api_version}")
        return resources[kind]

    # --- reads ----------------------------------------------------------------------------

    def list_objects(
        self, api_version: str, kind: str, namespace: str | None, *, label_selector: str = ""
    ) -> list[dict[str, Any]]:
        resource = self.resource(api_version, kind)
        query = [("labelSelector", label_selector)] if label_selector else None
        data = self.request(
            "GET", resource.path(namespace if resource.namespaced else None), query=query
        )
        items = data.get("items", [])
        for item in items:
            # A list's items carry no apiVersion/kind; checks select on them.
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
            item.get("metadata", {}).pop("managedFields", None)
        return items

    def version(self) -> str:
        return str(self.request("GET", "/version").get("gitVersion"))

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
        answer = self.request(
            "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", body=review
        )
        return bool(answer.get("status", {}).get("allowed"))

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

    def create(self, doc: dict[str, Any], namespace: str) -> dict[str, Any]:
        """Create one object (``Conflict`` when it exists already); namespaced into ``namespace``."""
        resource = self.resource(doc["apiVersion"], doc["kind"])
        if resource.namespaced:
            doc = {**doc, "metadata": {**doc.get("metadata", {}), "namespace": namespace}}
        created: dict[str, Any] = self.request(
            "POST", resource.path(namespace), body=doc,
            query=[("fieldManager", FIELD_MANAGER)],
        )  # fmt: skip
        return created

    def get_object(
        self, *, api_version: str, kind: str, name: str, namespace: str
    ) -> dict[str, Any]:
        resource = self.resource(api_version, kind)
        found: dict[str, Any] = self.request("GET", resource.path(namespace, name))
        return found

    def delete_object(
        self, *, api_version: str, kind: str, name: str, namespace: str, foreground: bool = False
    ) -> bool:
        """Delete one object; False when there was none. ``foreground``: its dependents first."""
        resource = self.resource(api_version, kind)
        policy = "Foreground" if foreground else "Background"
        try:
            self.request(
                "DELETE", resource.path(namespace, name), query=[("propagationPolicy", policy)]
            )
        except errors.NotFound:
            return False
        return True

    def patch(
        self, *, api_version: str, kind: str, name: str, namespace: str, patch: dict[str, Any]
    ) -> Any:
        resource = self.resource(api_version, kind)
        return self.request("PATCH", resource.path(namespace, name), body=patch,
                            content_type="application/merge-patch+json")  # fmt: skip

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

    def delete_namespace(self, name: str) -> None:
        with contextlib.suppress(errors.NotFound):
            self.request(
                "DELETE", f"/api/v1/namespaces/{name}", query=[("propagationPolicy", "Background")]
            )


def _translate(status: int, body: str, path: str) -> errors.KubeError:
    message = body
    with contextlib.suppress(ValueError, AttributeError):
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
    if status in (400, 422):
        return errors.Invalid(message)
    if status in (429, 500, 502, 503, 504) or status == 0:
        return errors.ClusterUnreachable(f"the API server answered {status}: {message}")
    return errors.KubeError(f"the API server answered {status}: {message}")


def _short(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    text = str(reason or exc)
    return text if len(text) < 200 else text[:197] + "..."

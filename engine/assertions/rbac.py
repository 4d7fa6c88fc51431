"""RBAC judged by what it grants, the way the API server's RBAC authorizer reads it.

Two questions, both pure:

- what a Role or ClusterRole allows (``role_allows``, ``excess``): every
  (API group, resource, verb) a rule covers, with `*` meaning everything;
- what a subject may do in a namespace (``Authorizer``), from the
  RoleBindings and ClusterRoleBindings among some objects, the Roles and
  ClusterRoles they refer to, and Kubernetes' default user-facing
  ClusterRoles (`cluster-admin`, `admin`, `edit`, `view`), which a manifest
  often binds without defining.

On a cluster, labs ask the API server itself (a SubjectAccessReview); this
module answers the same question for manifests that were never applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.i18n import _

RBAC_GROUP = "rbac.authorization.k8s.io"
# Where `kubectl apply` puts a namespaced object whose manifest names no namespace.
DEFAULT_NAMESPACE = "default"

READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
_VIEW_CORE = [
    "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
    "pods/status", "replicationcontrollers", "replicationcontrollers/scale",
    "replicationcontrollers/status", "serviceaccounts", "services", "services/status", "bindings",
    "events", "limitranges", "namespaces", "namespaces/status", "resourcequotas",
    "resourcequotas/status", "pods/log",
]  # fmt: skip
_VIEW_OTHER = {
    "apps": ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments",
             "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
             "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"],
    "autoscaling": ["horizontalpodautoscalers", "horizontalpodautoscalers/status"],
    "batch": ["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
    "discovery.k8s.io": ["endpointslices"],
    "networking.k8s.io": ["ingresses", "ingresses/status", "networkpolicies"],
    "policy": ["poddisruptionbudgets", "poddisruptionbudgets/status"],
}  # fmt: skip
_EDIT_CORE = [
    "pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "configmaps",
    "endpoints", "persistentvolumeclaims", "replicationcontrollers",
    "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy",
]  # fmt: skip
_EDIT_OTHER = {
    "apps": ["daemonsets", "deployments", "deployments/rollback", "deployments/scale",
             "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale"],
    "autoscaling": ["horizontalpodautoscalers"],
    "batch": ["cronjobs", "jobs"],
    "networking.k8s.io": ["ingresses", "networkpolicies"],
    "policy": ["poddisruptionbudgets"],
}  # fmt: skip


def _rules(core: list[str], other: dict[str, list[str]], verbs: list[str]) -> list[dict[str, Any]]:
    rules = [{"apiGroups": [""], "resources": core, "verbs": verbs}]
    rules += [{"apiGroups": [g], "resources": r, "verbs": verbs} for g, r in other.items()]
    return rules


_VIEW = _rules(_VIEW_CORE, _VIEW_OTHER, READ)
_EDIT = [
    *_VIEW,
    {"apiGroups": [""], "resources": ["secrets"], "verbs": READ},
    *_rules(_EDIT_CORE, _EDIT_OTHER, WRITE),
    {"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]},
    {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]},
]
_ADMIN = [
    *_EDIT,
    {"apiGroups": [RBAC_GROUP], "resources": ["roles", "rolebindings"], "verbs": [*READ, *WRITE]},
    {"apiGroups": ["authorization.k8s.io"], "resources": ["localsubjectaccessreviews"], "verbs": ["create"]},
]  # fmt: skip

# Kubernetes' default user-facing ClusterRoles, close to what a cluster
# aggregates into them (documented in content/README.md as an approximation).
DEFAULT_CLUSTER_ROLES: dict[str, list[dict[str, Any]]] = {
    "cluster-admin": [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["*"], "verbs": ["*"]},
    ],
    "admin": _ADMIN,
    "edit": _EDIT,
    "view": _VIEW,
}


@dataclass(frozen=True)
class Request:
    """One question: may this subject do this?"""

    verb: str
    resource: str
    group: str = ""
    subresource: str = ""
    name: str = ""

    def describe(self) -> str:
        what = self.resource + (f"/{self.subresource}" if self.subresource else "")
        if self.group:
            what += f".{self.group}"
        return f"{self.verb} {what}" + (f" {self.name!r}" if self.name else "")


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def rule_allows(rule: dict[str, Any], request: Request) -> bool:
    """Whether one PolicyRule covers the request (the RBAC authorizer's RuleAllows)."""
    if not isinstance(rule, dict):
        return False
    verbs = _strings(rule.get("verbs"))
    if "*" not in verbs and request.verb not in verbs:
        return False
    groups = _strings(rule.get("apiGroups"))
    if "*" not in groups and request.group not in groups:
        return False
    resources = _strings(rule.get("resources"))
    wanted = request.resource + (f"/{request.subresource}" if request.subresource else "")
    combined = f"*/{request.subresource}" if request.subresource else None
    if "*" not in resources and wanted not in resources and combined not in resources:
        return False
    names = _strings(rule.get("resourceNames"))
    return not names or request.name in names


def role_allows(rules: Any, request: Request) -> bool:
    return any(rule_allows(rule, request) for rule in rules or [] if isinstance(rule, dict))


@dataclass(frozen=True)
class Grant:
    """Allowed (groups x resources x verbs), as a `permissions.allows` item states it."""

    groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...]

    def covers(self, group: str, resource: str, verb: str) -> bool:
        return (
            ("*" in self.groups or group in self.groups)
            and ("*" in self.resources or resource in self.resources)
            and ("*" in self.verbs or verb in self.verbs)
        )

    def describe(self) -> str:
        groups = ", ".join(g or "core" for g in self.groups)
        return _("{verbs} on {resources} ({groups})").format(
            verbs="/".join(self.verbs), resources=", ".join(self.resources), groups=groups
        )


def excess(rules: Any, grants: Iterable[Grant]) -> list[str]:
    """What the rules allow beyond the grants, in words (empty: nothing more).

    A rule is inside the grants when each (group, resource, verb) it names is
    granted, where a `*` in the rule counts as `*` (it covers what exists
    and anything added later): `verbs: ["*"]` is excess unless `*` is granted.
    `resourceNames` only narrow a rule, so they never add excess.
    """
    grants = list(grants)
    found: list[str] = []
    for rule in rules or []:
        if not isinstance(rule, dict):
            continue
        if rule.get("nonResourceURLs"):
            urls = ", ".join(_strings(rule["nonResourceURLs"]))
            found.append(_("the non-resource URLs {urls}").format(urls=urls))
            continue
        for group in _strings(rule.get("apiGroups")) or [""]:
            for resource in _strings(rule.get("resources")):
                extra = [
                    verb
                    for verb in _strings(rule.get("verbs"))
                    if not any(g.covers(group, resource, verb) for g in grants)
                ]
                if extra:
                    where = f"{resource}" + (f" ({group})" if group else "")
                    found.append(
                        _("{verbs} on {resource}").format(verbs=", ".join(extra), resource=where)
                    )
    return found


@dataclass(frozen=True)
class Subject:
    user: str
    groups: tuple[str, ...]

    @classmethod
    def user_named(cls, name: str, groups: Iterable[str] = ()) -> Subject:
        return cls(user=name, groups=("system:authenticated", *groups))

    @classmethod
    def service_account(cls, namespace: str, name: str) -> Subject:
        return cls(
            user=f"system:serviceaccount:{namespace}:{name}",
            groups=("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"),
        )  # fmt: skip

    def describe(self) -> str:
        if self.user.startswith("system:serviceaccount:"):
            return _("ServiceAccount {name}").format(name=self.user.rsplit(":", 1)[-1])
        return _("user {name}").format(name=self.user)


def binding_names(binding: dict[str, Any], subject: Subject, namespace: str) -> bool:
    """Whether a (Cluster)RoleBinding's subjects include the subject."""
    own_namespace = str((binding.get("metadata") or {}).get("namespace") or namespace)
    for entry in binding.get("subjects") or []:
        if not isinstance(entry, dict):
            continue
        kind, name = entry.get("kind"), str(entry.get("name"))
        if kind == "User" and name == subject.user:
            return True
        if kind == "Group" and name in subject.groups:
            return True
        if kind == "ServiceAccount":
            sa_namespace = str(entry.get("namespace") or own_namespace)
            if subject.user == f"system:serviceaccount:{sa_namespace}:{name}":
                return True
    return False


class Authorizer:
    """The RBAC authorizer over a list of objects (manifests, or a snapshot)."""

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = [o for o in objects if isinstance(o, dict)]

    def _of(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o.get("kind") == kind]

    def _role_rules(self, role_ref: Any, namespace: str) -> list[dict[str, Any]] | None:
        if not isinstance(role_ref, dict):
            return None
        kind, name = role_ref.get("kind"), role_ref.get("name")
        for role in self._of(str(kind)):
            meta = role.get("metadata") or {}
            if meta.get("name") != name:
                continue
            if kind == "Role" and (meta.get("namespace") or DEFAULT_NAMESPACE) != namespace:
                continue
            rules = role.get("rules")
            return rules if isinstance(rules, list) else []
        if kind == "ClusterRole" and name in DEFAULT_CLUSTER_ROLES:
            return DEFAULT_CLUSTER_ROLES[str(name)]
        return None

    def allowed(self, subject: Subject, request: Request, namespace: str) -> tuple[bool, list[str]]:
        """Whether the subject may, and which bindings grant it (or name a role that is missing)."""
        reasons: list[str] = []
        bindings = [
            b for b in self._of("RoleBinding")
            if ((b.get("metadata") or {}).get("namespace") or DEFAULT_NAMESPACE) == namespace
        ] + self._of("ClusterRoleBinding")  # fmt: skip
        allowed = False
        for binding in bindings:
            if not binding_names(binding, subject, namespace):
                continue
            rules = self._role_rules(binding.get("roleRef"), namespace)
            name = (binding.get("metadata") or {}).get("name")
            if rules is None:
                ref = binding.get("roleRef") or {}
                reasons.append(
                    _("{kind} {name} refers to {role_kind} {role}, which does not exist").format(
                        kind=binding.get("kind"), name=name, role_kind=ref.get("kind"),
                        role=ref.get("name"),
                    )
                )  # fmt: skip
                continue
            if role_allows(rules, request):
                allowed = True
                reasons.append(f"{binding.get('kind')} {name}")
        return allowed, reasons

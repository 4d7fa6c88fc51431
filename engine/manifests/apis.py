"""API versions removed from or deprecated in Kubernetes since 1.16.

From the Kubernetes deprecated API migration guide. Each entry says which
release stopped serving (or started deprecating) an apiVersion of a kind,
what replaces it, and what else a manifest must change when it moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.i18n import N_


@dataclass(frozen=True)
class ApiChange:
    kind: str
    api_version: str
    removed_in: str | None  # "1.22"; None: deprecated, still served
    replacement: str | None  # the apiVersion to use instead
    deprecated_in: str | None = None
    changes: str = ""  # what else to change in the manifest (marked N_: translate where shown)


_APPS_CHANGES = N_(
    "`spec.selector` is now required and must match `spec.template.metadata.labels`."
)
_INGRESS_CHANGES = N_(
    "Each backend becomes `service: {name: ..., port: {number: ...}}` instead of "
    "`serviceName`/`servicePort`, and every path needs a `pathType` (`Prefix`, `Exact` or "
    "`ImplementationSpecific`)."
)
_RBAC_CHANGES = N_("Only the apiVersion changes.")

API_CHANGES: tuple[ApiChange, ...] = (
    # Removed in 1.16
    *(
        ApiChange(kind, av, "1.16", "apps/v1", "1.9", _APPS_CHANGES)
        for kind in ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")
        for av in ("extensions/v1beta1", "apps/v1beta1", "apps/v1beta2")
        if not (kind in ("DaemonSet", "ReplicaSet") and av == "apps/v1beta1")
        if not (kind == "StatefulSet" and av == "extensions/v1beta1")
    ),
    ApiChange("NetworkPolicy", "extensions/v1beta1", "1.16", "networking.k8s.io/v1", "1.9"),
    ApiChange(
        "PodSecurityPolicy",
        "extensions/v1beta1",
        "1.16",
        None,
        "1.11",
        N_(
            "PodSecurityPolicy itself was removed in 1.25: use Pod Security Admission "
            "(namespace labels `pod-security.kubernetes.io/enforce`)."
        ),
    ),
    # Removed in 1.22
    ApiChange("Ingress", "extensions/v1beta1", "1.22", "networking.k8s.io/v1", "1.14", _INGRESS_CHANGES),
    ApiChange("Ingress", "networking.k8s.io/v1beta1", "1.22", "networking.k8s.io/v1", "1.19", _INGRESS_CHANGES),
    ApiChange("IngressClass", "networking.k8s.io/v1beta1", "1.22", "networking.k8s.io/v1", "1.19"),
    *(
        ApiChange(kind, "rbac.authorization.k8s.io/v1beta1", "1.22", "rbac.authorization.k8s.io/v1", "1.17", _RBAC_CHANGES)
        for kind in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
    ),
    *(
        ApiChange(kind, "admissionregistration.k8s.io/v1beta1", "1.22", "admissionregistration.k8s.io/v1", "1.16",
                  N_("`webhooks[*].admissionReviewVersions` and `sideEffects` are required."))
        for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
    ),
    ApiChange("CustomResourceDefinition", "apiextensions.k8s.io/v1beta1", "1.22", "apiextensions.k8s.io/v1", "1.16",
              N_("`spec.versions[*].schema.openAPIV3Schema` is required and `spec.validation` is gone.")),
    ApiChange("APIService", "apiregistration.k8s.io/v1beta1", "1.22", "apiregistration.k8s.io/v1", "1.19"),
    ApiChange("TokenReview", "authentication.k8s.io/v1beta1", "1.22", "authentication.k8s.io/v1", "1.19"),
    *(
        ApiChange(kind, "authorization.k8s.io/v1beta1", "1.22", "authorization.k8s.io/v1", "1.19",
                  N_("`spec.group` is renamed `spec.groups`."))
        for kind in ("SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview")
    ),
    ApiChange("CertificateSigningRequest", "certificates.k8s.io/v1beta1", "1.22", "certificates.k8s.io/v1", "1.19",
              N_("`spec.signerName` is required.")),
    ApiChange("Lease", "coordination.k8s.io/v1beta1", "1.22", "coordination.k8s.io/v1", "1.14"),
    ApiChange("PriorityClass", "scheduling.k8s.io/v1beta1", "1.22", "scheduling.k8s.io/v1", "1.14"),
    *(
        ApiChange(kind, "storage.k8s.io/v1beta1", "1.22", "storage.k8s.io/v1", "1.19")
        for kind in ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")
    ),
    # Removed in 1.25
    ApiChange("CronJob", "batch/v1beta1", "1.25", "batch/v1", "1.21"),
    ApiChange("EndpointSlice", "discovery.k8s.io/v1beta1", "1.25", "discovery.k8s.io/v1", "1.21",
              N_("`topology` is replaced by `nodeName` and `zone` on each endpoint.")),
    ApiChange("Event", "events.k8s.io/v1beta1", "1.25", "events.k8s.io/v1", "1.22"),
    ApiChange("HorizontalPodAutoscaler", "autoscaling/v2beta1", "1.25", "autoscaling/v2", "1.23"),
    ApiChange("PodDisruptionBudget", "policy/v1beta1", "1.25", "policy/v1", "1.21",
              N_("An empty `spec.selector` now selects every Pod in the namespace.")),
    ApiChange("PodSecurityPolicy", "policy/v1beta1", "1.25", None, "1.21",
              N_("PodSecurityPolicy is gone: use Pod Security Admission (namespace labels "
                 "`pod-security.kubernetes.io/enforce: baseline` or `restricted`).")),
    ApiChange("RuntimeClass", "node.k8s.io/v1beta1", "1.25", "node.k8s.io/v1", "1.20"),
    # Removed in 1.26, 1.27, 1.29, 1.32
    *(
        ApiChange(kind, "flowcontrol.apiserver.k8s.io/v1beta1", "1.26", "flowcontrol.apiserver.k8s.io/v1", "1.23")
        for kind in ("FlowSchema", "PriorityLevelConfiguration")
    ),
    ApiChange("HorizontalPodAutoscaler", "autoscaling/v2beta2", "1.26", "autoscaling/v2", "1.23"),
    ApiChange("CSIStorageCapacity", "storage.k8s.io/v1beta1", "1.27", "storage.k8s.io/v1", "1.24"),
    *(
        ApiChange(kind, "flowcontrol.apiserver.k8s.io/v1beta2", "1.29", "flowcontrol.apiserver.k8s.io/v1", "1.26")
        for kind in ("FlowSchema", "PriorityLevelConfiguration")
    ),
    *(
        ApiChange(kind, "flowcontrol.apiserver.k8s.io/v1beta3", "1.32", "flowcontrol.apiserver.k8s.io/v1", "1.29")
        for kind in ("FlowSchema", "PriorityLevelConfiguration")
    ),
    # Deprecated, still served
    ApiChange("Endpoints", "v1", None, "discovery.k8s.io/v1", "1.33",
              N_("Write an EndpointSlice (`kind: EndpointSlice`) instead; kube-proxy and "
                 "controllers read EndpointSlices.")),
    ApiChange("ComponentStatus", "v1", None, None, "1.19",
              N_("Use the API server's `/livez` and `/readyz` endpoints instead.")),
)  # fmt: skip

_BY_KEY = {(c.kind, c.api_version): c for c in API_CHANGES}


def minor(version: str) -> int:
    return int(version.split(".")[1])


def change_for(kind: str, api_version: str) -> ApiChange | None:
    return _BY_KEY.get((kind, api_version))


def removed(change: ApiChange, version: str) -> bool:
    return change.removed_in is not None and minor(version) >= minor(change.removed_in)


def deprecated(change: ApiChange, version: str) -> bool:
    return change.deprecated_in is not None and minor(version) >= minor(change.deprecated_in)

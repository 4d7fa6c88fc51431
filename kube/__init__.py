"""The boundary to Kubernetes: the only package that imports the ``kubernetes`` client."""

from kube.client import Cluster, Resource, Watch, WatchEvent
from kube.errors import (
    BadKubeconfig,
    ClusterUnreachable,
    Conflict,
    Expired,
    Forbidden,
    Invalid,
    KubeError,
    NotFound,
    Unauthorized,
)
from kube.kubeconfig import check_untrusted, parse_kubeconfig, pin_untrusted

__all__ = [
    "BadKubeconfig",
    "Cluster",
    "ClusterUnreachable",
    "Conflict",
    "Expired",
    "Forbidden",
    "Invalid",
    "KubeError",
    "NotFound",
    "Resource",
    "Unauthorized",
    "Watch",
    "WatchEvent",
    "check_untrusted",
    "parse_kubeconfig",
    "pin_untrusted",
]

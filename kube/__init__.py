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
    TooSlow,
    Unauthorized,
    UnexpectedAnswer,
)
from kube.kubeconfig import (
    check_untrusted,
    check_untrusted_static,
    kubeconfig_from_data,
    parse_kubeconfig,
    pin_untrusted,
)

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
    "TooSlow",
    "Unauthorized",
    "UnexpectedAnswer",
    "Watch",
    "WatchEvent",
    "check_untrusted",
    "check_untrusted_static",
    "kubeconfig_from_data",
    "parse_kubeconfig",
    "pin_untrusted",
]

"""The boundary to Kubernetes: the only package that imports the ``kubernetes`` client."""

from kube.client import Cluster, Resource
from kube.errors import (
    BadKubeconfig,
    ClusterUnreachable,
    Conflict,
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
    "Forbidden",
    "Invalid",
    "KubeError",
    "NotFound",
    "Resource",
    "Unauthorized",
    "check_untrusted",
    "parse_kubeconfig",
    "pin_untrusted",
]

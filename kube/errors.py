"""Our own small exception tree: callers never see the client library's errors."""

from __future__ import annotations

from typing import Any


class KubeError(Exception):
    """Anything that went wrong talking to a cluster."""

    transient = False


class ClusterUnreachable(KubeError):
    """No answer (refused, timed out, DNS) or the server is overloaded: try again later."""

    transient = True


class BadKubeconfig(KubeError):
    """The kubeconfig cannot be used (malformed, unknown context, refused for safety).

    ``str()`` is the English message. Problems with a student's kubeconfig also
    carry a stable ``code`` and the ``values`` the message names, so that the app
    showing them can say the same in the reader's language (kube stays free of
    Django); ``code`` is "" for the others.
    """

    def __init__(self, message: str = "", *, code: str = "", **values: Any) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


class Unauthorized(KubeError):
    """The cluster does not accept these credentials (401)."""


class Forbidden(KubeError):
    """The credentials may not do this (403)."""


class NotFound(KubeError):
    pass


class Conflict(KubeError):
    pass


class Expired(KubeError):
    """A watch asked for a resourceVersion the API server no longer keeps (410 Gone)."""


class Invalid(KubeError):
    """The API server refused an object (400/422): the message says why."""


class TooSlow(ClusterUnreachable):
    """The cluster did not finish answering in the time one exchange (or one run) may take."""


class UnexpectedAnswer(KubeError):
    """The server answered, but not as a Kubernetes API server does (wrong JSON shape)."""

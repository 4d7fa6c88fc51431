"""A student's own cluster: the kubeconfig they upload, checked, stored encrypted, used to grade.

Off unless the operator enables it (``TUTOR_STUDENT_CLUSTERS``): the worker
connects wherever the kubeconfig points, so the server must be on the
operator's allow-list (``TUTOR_STUDENT_CLUSTER_ALLOWED``) and is never a
link-local or metadata address (``kube.check_untrusted``). The check
runs when the file is saved and again whenever a worker connects, since the
allow-list, or what a name resolves to, may have changed meanwhile.

The kubeconfig holds the student's credentials: nothing here logs it, and
pages show only its server, context and namespace.

Saving checks what can be checked without the network (the file's shape,
code and file keys, the server's name and port against the allow-list); the
connection test, which resolves the name and talks to the server, runs in a
worker on the queue of untrusted clusters (``student_cluster_test``), with a
deadline for the whole exchange, and the page shows its result when it comes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from core import crypto
from engine.yaml import YamlProblem, load_document
from kube import BadKubeconfig, Cluster, KubeError, check_untrusted_static, kubeconfig_from_data
from kube.kubeconfig import MAX_BYTES, context_parts
from workspaces.models import StudentCluster

log = logging.getLogger(__name__)

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# A kubeconfig of one context has a few dozen values; kubectl's biggest has hundreds.
MAX_KUBECONFIG_VALUES = 5_000
# The connection test: one version request and one list, all within this.
TEST_SECONDS = 20.0


class StudentClustersDisabled(Http404):
    """The operator has not enabled students' own clusters: the pages do not exist."""


def enabled() -> bool:
    return bool(settings.TUTOR_STUDENT_CLUSTERS)


def require_enabled() -> None:
    if not enabled():
        raise StudentClustersDisabled("Students' own clusters are not enabled")


def allowed_servers() -> list[str]:
    return list(settings.TUTOR_STUDENT_CLUSTER_ALLOWED)


def student_cluster_for(*, user: User | AnonymousUser) -> StudentCluster | None:
    """The student's own cluster while the feature is on; None otherwise."""
    if not enabled() or not user.is_authenticated:
        return None
    return StudentCluster.objects.filter(user=user).first()


# What kube says of a student's kubeconfig (``BadKubeconfig.code``), in the reader's language.
# Each says exactly what kube's English message says, with the same values.
_PROBLEMS = {
    "too_large": N_(
        "the kubeconfig is larger than {limit} KiB ({size} KiB); "
        "`kubectl config view --minify --flatten` prints only the context you use"
    ),
    "no_clusters": N_("this is not a kubeconfig: it has no `clusters` list"),
    "current_context_not_name": N_("`current-context` must be a name, not {kind}"),
    "not_list": N_("`{where}` must be a list, not {kind}"),
    "not_mapping": N_("`{where}` must be a mapping, not {kind}"),
    "not_name": N_("`{where}` must be a name, not {kind}"),
    "not_text": N_("`{where}` must be text, not {kind}"),
    "not_bool": N_("`{where}` must be true or false, not {kind}"),
    "unknown_context": N_("context {name} is not in the kubeconfig (contexts: {known})"),
    "undefined_cluster": N_("context {name} names a cluster that is not defined"),
    "runs_program": N_("refused: the user entry uses {keys}, which would run a program"),
    "reads_file": N_("refused: {keys} would read a file; inline the data instead"),
    "proxy": N_("refused: proxy-url would send the tutor's requests through a proxy"),
    "invalid_url": N_("refused: the server {server} is not a valid URL"),
    "not_https": N_("refused: the server {server} must be an https:// URL"),
    "url_extras": N_("refused: the server URL may not carry credentials, a query or a fragment"),
    "special_address": N_(
        "refused: {host} is a link-local or special address (cloud metadata services live there)"
    ),
    "resolves_to_special": N_(
        "refused: {host} resolves to {address}, which is a link-local or special address "
        "(cloud metadata services live there)"
    ),
    "not_allowed": N_(
        "refused: {host}:{port} is not on the allow-list of cluster servers "
        "(an entry without a port allows {first_port} and {second_port})"
    ),
    "unusable": N_("the kubeconfig cannot be used: {problem}"),
}
# What a value in the wrong place is (``kube.kubeconfig.KINDS``).
_KINDS = {
    "nothing": N_("nothing"),
    "bool": N_("true/false"),
    "mapping": N_("a mapping"),
    "list": N_("a list"),
    "empty": N_("empty text"),
    "text": N_("text"),
    "number": N_("a number"),
}


def in_words(exc: KubeError) -> str:
    """What went wrong, for the student, in the active language (English: kube's own words)."""
    template = _PROBLEMS.get(getattr(exc, "code", ""))
    if template is None:
        return str(exc)
    values = dict(getattr(exc, "values", {}))
    if "kind" in values:
        kind = str(values["kind"])
        values["kind"] = _(_KINDS.get(kind) or kind)
    if values.get("known") == "":
        values["known"] = _("none")
    try:
        return _(template).format(**values)
    except (KeyError, IndexError):  # a catalogue that lost a value: kube's English
        return str(exc)


def _translated(exc: BadKubeconfig) -> BadKubeconfig:
    """The same problem (code and values kept), its message in the active language."""
    return BadKubeconfig(in_words(exc), code=exc.code, **exc.values)


def size_in_words(size: int) -> str:
    """The size limit, as kube's ``size_message`` says it, in the active language."""
    return _(_PROBLEMS["too_large"]).format(limit=MAX_BYTES // 1024, size=size // 1024)


def student_kubeconfig_read(text: str) -> dict[str, Any]:
    """A student's kubeconfig text as data: the one YAML loader, its budget, a kubeconfig's shape.

    Raises BadKubeconfig with a message for the student (never anything else).
    """
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_BYTES:
        raise BadKubeconfig(size_in_words(size))
    try:
        document = load_document(text, max_bytes=MAX_BYTES, max_nodes=MAX_KUBECONFIG_VALUES)
    except YamlProblem as problem:
        raise BadKubeconfig(
            _("the kubeconfig is not valid YAML (line {line}: {problem})").format(
                line=problem.line, problem=problem.message
            )
        ) from problem
    try:
        return kubeconfig_from_data(document.data)
    except BadKubeconfig as exc:
        raise _translated(exc) from exc


def student_cluster_save(
    *, user: User, text: str, context: str = "", namespace: str = ""
) -> StudentCluster:
    """Check an uploaded kubeconfig and keep it (encrypted) as the student's lab cluster.

    Raises BadKubeconfig with a message for the student when the file is
    unusable or refused; nothing is stored then. The namespace defaults to
    the context's, else ``default``. Nothing here waits for the network: the
    caller asks a worker to test the connection (``services``).
    """
    require_enabled()
    if not text.strip():
        raise BadKubeconfig(_("the kubeconfig is empty"))
    config = student_kubeconfig_read(text)
    try:
        chosen, cluster, _user, context_namespace = context_parts(config, context.strip() or None)
    except BadKubeconfig as exc:
        raise _translated(exc) from exc
    namespace = namespace.strip() or str(context_namespace or "") or "default"
    if not _DNS_LABEL.match(namespace):
        raise BadKubeconfig(
            _(
                "{name} is not a namespace name: lowercase letters, digits and '-', "
                "at most 63 characters"
            ).format(name=repr(namespace[:70]))
        )
    try:
        check_untrusted_static(
            config, context=chosen, allowed_hosts=settings.TUTOR_STUDENT_CLUSTER_ALLOWED
        )
    except BadKubeconfig as exc:
        raise _translated(exc) from exc
    server = str(cluster.get("server"))
    student_cluster, _created = StudentCluster.objects.update_or_create(
        user=user,
        defaults={
            "kubeconfig_encrypted": crypto.encrypt(text),
            "context": chosen,
            "server": server[:300],
            "namespace": namespace,
            "checked_at": None,
            "test_requested_at": None,
            "kubernetes_version": "",
            "problem": "",
        },
    )
    log.info("user %s saved their own lab cluster (%s)", user.pk, server)
    return student_cluster


def student_cluster_delete(*, user: User) -> bool:
    deleted, _ = StudentCluster.objects.filter(user=user).delete()
    if deleted:
        log.info("user %s removed their own lab cluster", user.pk)
    return bool(deleted)


def student_cluster_connect(student_cluster: StudentCluster) -> Cluster:
    """A client for the student's cluster, checked again against today's allow-list."""
    if not enabled():
        raise BadKubeconfig(
            _(
                "grading on your own cluster has been turned off by the operator; "
                "check your work again to grade on the tutor's cluster"
            )
        )
    try:
        text = crypto.decrypt(student_cluster.kubeconfig_encrypted)
    except crypto.DecryptionError as exc:
        raise BadKubeconfig(
            _("your saved kubeconfig can no longer be read here; upload it again")
        ) from exc
    config = student_kubeconfig_read(text)
    try:
        return Cluster.from_untrusted_kubeconfig(
            config,
            context=student_cluster.context,
            allowed_hosts=settings.TUTOR_STUDENT_CLUSTER_ALLOWED,
        )
    except BadKubeconfig as exc:
        raise _translated(exc) from exc


def student_cluster_test(student_cluster: StudentCluster) -> StudentCluster:
    """Ask the cluster for its version and its namespace; keep what it said for the page.

    Worker side only: it resolves the server's name and talks to it, within
    TEST_SECONDS for the whole exchange whatever the server does.
    """
    problem, version = "", ""
    try:
        cluster = student_cluster_connect(student_cluster)
        try:
            cluster.limit_run(TEST_SECONDS)
            version = cluster.version()
            cluster.request("GET", f"/api/v1/namespaces/{student_cluster.namespace}/pods")
        finally:
            cluster.close()
    except KubeError as exc:
        problem = in_words(exc)[:500]
    student_cluster.checked_at = timezone.now()
    student_cluster.kubernetes_version = version[:40]
    student_cluster.problem = problem
    student_cluster.save(update_fields=["checked_at", "kubernetes_version", "problem"])
    return student_cluster

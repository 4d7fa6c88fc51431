"""Classroom mode: a namespace of their own for every student on the classroom cluster.

Provisioning creates (by server-side apply, so running it again changes
nothing) the namespace, a ServiceAccount ``student``, a Role and RoleBinding
limited to that namespace, a ResourceQuota and a LimitRange. The student
gets a kubeconfig with an expiring token for that ServiceAccount
(TokenRequest API); it is stored encrypted (``core.crypto``). Grading keeps
using the tutor's own credentials, so a student cannot change what the
grader sees.

Tokens are secrets: nothing here logs a kubeconfig or a token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.models import User
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from core import crypto
from kube import Cluster, Forbidden, KubeError, NotFound
from kube.kubeconfig import token_kubeconfig
from workspaces import lab_state, policy, tutor_cluster
from workspaces.models import StudentNamespace

log = logging.getLogger(__name__)

STUDENT_LABEL = "lfs158-tutor/student"
SERVICE_ACCOUNT = "student"
OBJECT_NAME = "student"
PREFIX = "lfs158-"
HASH_LENGTH = 8
# A token this close to its expiry is replaced rather than handed out.
REFRESH_MARGIN = timedelta(minutes=30)


class NamespaceBusy(KubeError):
    """The namespace is still being deleted: provisioning can run again in a minute."""

    transient = True


class ForeignNamespace(KubeError):
    """A namespace of that name exists that the tutor did not create for this student."""


# --- names --------------------------------------------------------------------------------


def student_namespace_name(user: User) -> str:
    """``lfs158-<slugified username>-<hash>``: readable, a valid DNS-1123 label, at most 63.

    The hash is keyed with the installation's secret and covers the account's
    id and creation time, so two students whose names slugify alike, two
    tutors sharing a cluster, or a new account that reuses a deleted one's id
    do not meet in one namespace. The name is stored with the row, so it
    never changes once chosen.
    """
    room = 63 - len(PREFIX) - 1 - HASH_LENGTH
    slug = re.sub(r"[^a-z0-9]+", "-", slugify(user.get_username()).lower())
    slug = slug.strip("-")[:room].strip("-") or "student"
    account = f"{user.pk}:{user.date_joined.isoformat()}"
    # The salt is the name this function had when namespaces were first named: never change it.
    digest = salted_hmac("labs.classroom.student-namespace", account).hexdigest()
    return f"{PREFIX}{slug}-{digest[:HASH_LENGTH]}"


# --- reads --------------------------------------------------------------------------------


def student_namespace_get_own(*, user: User, namespace: str) -> StudentNamespace:
    """The user's own active namespace; anyone else's is a 404 that does not confirm it exists."""
    found = StudentNamespace.objects.filter(
        user=user, namespace=namespace, provisioned_at__isnull=False, cleaned_at__isnull=True
    ).first()
    if found is None:
        raise Http404("No such namespace")
    return found


def student_kubeconfig_text(*, student_namespace: StudentNamespace) -> str:
    return crypto.decrypt(student_namespace.kubeconfig_encrypted)


def student_kubeconfig_needs_refresh(*, student_namespace: StudentNamespace) -> bool:
    """No kubeconfig, a token (nearly) expired, or one no configured key can open."""
    expires = student_namespace.token_expires_at
    if not student_namespace.kubeconfig_encrypted or expires is None:
        return True
    if expires - REFRESH_MARGIN <= timezone.now():
        return True
    try:
        crypto.decrypt(student_namespace.kubeconfig_encrypted)
    except crypto.DecryptionError:
        return True
    return False


# --- writes -------------------------------------------------------------------------------


def student_namespace_provision(
    *, cluster: Cluster, user: User, quota: Mapping[str, str] | None = None
) -> StudentNamespace:
    """Create (or bring back in line) the student's namespace and issue a kubeconfig for it.

    Idempotent: objects are applied server-side, and a kubeconfig whose token
    is still good is kept. ``quota`` overrides the default ``pods``, ``cpu``
    and ``memory`` of the ResourceQuota (a class that needs more or less).
    """
    student_namespace, _ = StudentNamespace.objects.get_or_create(
        user=user,
        defaults={
            "namespace": student_namespace_name(user),
            "cluster_server": classroom_api_server(cluster),
        },
    )
    name = student_namespace.namespace
    _refuse_foreign_or_terminating(cluster, name, user)
    guardrails_apply(cluster=cluster)
    manifests = student_manifests(name, user, quota=quota)
    cluster.apply(yaml.safe_dump_all(manifests, sort_keys=False), name)
    cluster.wait_until_usable(name)
    server = classroom_api_server(cluster)
    reissue = (
        not student_namespace.is_active
        or student_namespace.cluster_server != server
        or student_kubeconfig_needs_refresh(student_namespace=student_namespace)
    )
    student_namespace.cluster_server = server
    student_namespace.provisioned_at = timezone.now()
    student_namespace.cleaned_at = None
    if reissue:
        _issue_kubeconfig(cluster, student_namespace)
    student_namespace.save()
    log.info("provisioned namespace %s for user %s", name, user.pk)
    return student_namespace


def student_namespace_ensure(*, user: User) -> StudentNamespace:
    """The student's active namespace, provisioned on the tutor's cluster when it has none."""
    found = StudentNamespace.objects.filter(user=user).first()
    if found is not None and found.is_active:
        return found
    cluster = tutor_cluster.connect()
    try:
        return student_namespace_provision(cluster=cluster, user=user)
    finally:
        cluster.close()


def student_kubeconfig_refresh(
    *, cluster: Cluster, student_namespace: StudentNamespace, force: bool = False
) -> StudentNamespace:
    """A new token (and kubeconfig) when the stored one is expired, nearly so, or unreadable."""
    if not student_namespace.is_active:
        raise NotFound(
            _("the namespace {name} is not provisioned").format(name=student_namespace.namespace)
        )
    if force or student_kubeconfig_needs_refresh(student_namespace=student_namespace):
        _issue_kubeconfig(cluster, student_namespace)
        student_namespace.save(update_fields=["kubeconfig_encrypted", "token_expires_at"])
        log.info("issued a new kubeconfig for namespace %s", student_namespace.namespace)
    return student_namespace


def student_namespace_cleanup(*, cluster: Cluster, student_namespace: StudentNamespace) -> None:
    """Delete the namespace (and so the ServiceAccount: its tokens stop working at once).

    The row stays, marked cleaned, so submissions keep saying where they were
    graded; provisioning again brings the same namespace back.
    """
    name = student_namespace.namespace
    try:
        labels = _namespace(cluster, name).get("metadata", {}).get("labels") or {}
    except NotFound:
        labels = None
    if labels is not None:
        if labels.get(STUDENT_LABEL) != str(student_namespace.user_id):
            raise ForeignNamespace(
                _(
                    "refused: the namespace {name} is not labelled as this student's "
                    "({label}), so the tutor did not create it"
                ).format(name=name, label=STUDENT_LABEL)
            )
        cluster.delete_namespace(name)
        # Cluster-wide objects labs made for this namespace (PersistentVolumes) outlive it.
        lab_state.namespace_copies_delete(cluster, name)
    # The token died with its ServiceAccount: the kubeconfig goes too.
    student_namespace.cleaned_at = timezone.now()
    student_namespace.kubeconfig_encrypted = ""
    student_namespace.token_expires_at = None
    student_namespace.save(update_fields=["cleaned_at", "kubeconfig_encrypted", "token_expires_at"])
    log.info("cleaned up namespace %s", name)


def guardrails_apply(*, cluster: Cluster) -> bool:
    """Cluster-wide rules for every student namespace; False when they are missing.

    A student may create Secrets (the course's labs do), and a Secret of type
    ``kubernetes.io/service-account-token`` would get a token that never
    expires: the ValidatingAdmissionPolicy refuses that type in namespaces
    labelled as a student's, so the only token a student holds is the
    expiring one the tutor hands out.

    A deployment installs the policy with its manifests
    (deploy/kubernetes/student-guardrails.yaml) and lets the tutor only read
    it: creating admission policies is a cluster-wide power. A tutor with
    admin credentials (a laptop, the tests) applies it itself.
    """
    if _guardrails_present(cluster):
        return True
    try:
        cluster.apply(yaml.safe_dump_all(policy.guardrail_manifests(), sort_keys=False), "")
    except Forbidden:
        log.warning(
            "the admission policy %s is missing and the tutor may not create it: students can "
            "create ServiceAccount tokens that never expire; apply "
            "deploy/kubernetes/student-guardrails.yaml",
            policy.guardrail_name(),
        )
        return False
    return True


def _guardrails_present(cluster: Cluster) -> bool:
    base = "/apis/admissionregistration.k8s.io/v1"
    name = policy.guardrail_name()
    try:
        cluster.request("GET", f"{base}/validatingadmissionpolicies/{name}")
        cluster.request("GET", f"{base}/validatingadmissionpolicybindings/{name}")
    except (NotFound, Forbidden):
        return False
    return True


# --- what is created ----------------------------------------------------------------------


def classroom_api_server(cluster: Cluster) -> str:
    return settings.TUTOR_CLASSROOM_API_SERVER or cluster.server


def student_manifests(
    namespace: str, user: User, *, quota: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    quota = quota or {}
    pods = quota.get("pods") or str(settings.TUTOR_STUDENT_QUOTA_PODS)
    cpu = quota.get("cpu") or settings.TUTOR_STUDENT_QUOTA_CPU
    memory = quota.get("memory") or settings.TUTOR_STUDENT_QUOTA_MEMORY
    labels = {STUDENT_LABEL: str(user.pk)}
    meta = {"name": OBJECT_NAME, "namespace": namespace, "labels": labels}
    container_defaults = {
        "cpu": settings.TUTOR_STUDENT_CONTAINER_CPU,
        "memory": settings.TUTOR_STUDENT_CONTAINER_MEMORY,
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": namespace,
                "labels": {
                    **labels,
                    # The baseline Pod Security Standard: no privileged Pods, host
                    # namespaces or hostPath volumes on a shared cluster.
                    "pod-security.kubernetes.io/enforce": "baseline",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {**meta, "name": SERVICE_ACCOUNT},
            # Pods the student runs get no token of this account mounted.
            "automountServiceAccountToken": False,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": meta,
            "rules": policy.student_rules(),
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": meta,
            "subjects": [
                {"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": namespace}
            ],
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": OBJECT_NAME,
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": meta,
            "spec": {
                "hard": {
                    "pods": pods,
                    "requests.cpu": cpu,
                    "limits.cpu": cpu,
                    "requests.memory": memory,
                    "limits.memory": memory,
                    "requests.storage": settings.TUTOR_STUDENT_QUOTA_STORAGE,
                    "services.nodeports": str(settings.TUTOR_STUDENT_QUOTA_NODEPORTS),
                    # A cloud load balancer per student costs money and an address.
                    "services.loadbalancers": "0",
                }
            },
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": meta,
            "spec": {
                "limits": [
                    {
                        # The quota refuses Pods that name no resources; these
                        # defaults let the course's plain examples run.
                        "type": "Container",
                        "default": container_defaults,
                        "defaultRequest": container_defaults,
                    }
                ]
            },
        },
    ]


@sensitive_variables("token")
def student_kubeconfig(
    *, namespace: str, server: str, ca_data: str | None, token: str
) -> dict[str, Any]:
    # The namespace names the context and the user too, so that a student who
    # merges this file into their own kubeconfig finds it by that name.
    return token_kubeconfig(
        server=server, token=token, ca_data=ca_data, namespace=namespace,
        cluster="lfs158-classroom", user=namespace, context=namespace,
    )  # fmt: skip


# --- helpers ------------------------------------------------------------------------------


def _namespace(cluster: Cluster, name: str) -> dict[str, Any]:
    found: dict[str, Any] = cluster.request("GET", f"/api/v1/namespaces/{name}")
    return found


def _refuse_foreign_or_terminating(cluster: Cluster, name: str, user: User) -> None:
    """Never take over a namespace the tutor did not make; wait out a deletion."""
    try:
        found = _namespace(cluster, name)
    except NotFound:
        return
    labels = found.get("metadata", {}).get("labels") or {}
    if labels.get(STUDENT_LABEL) != str(user.pk):
        raise ForeignNamespace(
            _(
                "refused: the namespace {name} exists and is not labelled as this student's "
                "({label})"
            ).format(name=name, label=STUDENT_LABEL)
        )
    if found.get("status", {}).get("phase") == "Terminating":
        raise NamespaceBusy(
            _("the namespace {name} is still being deleted; try again in a minute").format(
                name=name
            )
        )


# An error report (the DEBUG page, an error e-mail) must not show the new token.
@sensitive_variables("answer", "status", "token", "config")
def _issue_kubeconfig(cluster: Cluster, student_namespace: StudentNamespace) -> None:
    """TokenRequest for the ServiceAccount, then the kubeconfig around it, encrypted."""
    name = student_namespace.namespace
    request = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"expirationSeconds": int(settings.TUTOR_STUDENT_TOKEN_HOURS) * 3600},
    }
    answer = cluster.request(
        "POST", f"/api/v1/namespaces/{name}/serviceaccounts/{SERVICE_ACCOUNT}/token", body=request
    )
    status = answer.get("status") or {}
    token = status.get("token")
    if not token:
        raise KubeError(f"the API server issued no token for {name}/{SERVICE_ACCOUNT}")
    # The server may shorten the lifetime (--service-account-max-token-expiration).
    expires = datetime.fromisoformat(str(status["expirationTimestamp"]).replace("Z", "+00:00"))
    config = student_kubeconfig(
        namespace=name,
        server=student_namespace.cluster_server,
        ca_data=tutor_cluster.certificate_authority(),
        token=token,
    )
    student_namespace.kubeconfig_encrypted = crypto.encrypt(yaml.safe_dump(config, sort_keys=False))
    student_namespace.token_expires_at = expires

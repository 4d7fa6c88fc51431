"""Which cluster and which namespace grade a student's lab work: the one answer.

Three kinds of workspace:

- local mode (one person on a laptop): the tutor's cluster, one namespace
  (TUTOR_LAB_NAMESPACE);
- classroom mode: the tutor's cluster, the student's own namespace, which the
  tutor provisions (off the request cycle: a worker does it before grading,
  or when the student asks for it);
- the student's own cluster (kind/minikube), when the operator allows it and
  the student uploaded a kubeconfig: its namespace, its credentials.

``workspace_for`` answers for a page and never touches a cluster;
``workspace_of`` answers for a graded submission; ``connect`` opens the
workspace's cluster and, with ``prepare``, provisions a classroom namespace
first (worker side only).

An exam attempt works in a workspace of its own (``exam_workspace``: the
same cluster, a fresh namespace, ``workspaces.exam``), made by a worker
(``exam_prepare``) and deleted once graded (``exam_release``). While one is
in progress, ``workspace_now`` answers with it (the exams app registers that
answer, being above this one): the browser terminal opens there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from kube import BadKubeconfig, Cluster
from workspaces import classroom, exam, own_cluster, tutor_cluster
from workspaces.models import StudentCluster, StudentNamespace


class Where:
    LOCAL = "local"
    CLASSROOM = "classroom"
    OWN = "own"


@dataclass(frozen=True)
class Workspace:
    where: str  # Where.*
    namespace: str
    # The namespace exists as far as the tutor knows (a classroom namespace
    # once provisioned; the others always: the student or the laptop owns them).
    ready: bool
    user_id: int | None = None
    student_cluster: StudentCluster | None = None

    @property
    def on_student_cluster(self) -> bool:
        return self.where == Where.OWN


class Graded(Protocol):
    """What a lab submission says about where it was graded."""

    user_id: int
    namespace: str
    on_student_cluster: bool


def workspace_for(user: User | AnonymousUser) -> Workspace | None:
    """Where this user's lab work lives; None for a visitor in classroom mode."""
    own = own_cluster.student_cluster_for(user=user)
    if own is not None:
        return Workspace(Where.OWN, own.namespace, True, own.user_id, own)
    if not tutor_cluster.classroom_mode():
        return Workspace(Where.LOCAL, settings.TUTOR_LAB_NAMESPACE, True, user.pk)
    if not user.is_authenticated:
        return None
    row = StudentNamespace.objects.filter(user=user).first()
    if row is not None:
        return Workspace(Where.CLASSROOM, row.namespace, row.is_active, user.pk)
    return Workspace(Where.CLASSROOM, classroom.student_namespace_name(user), False, user.pk)


def workspace_of(submission: Graded) -> Workspace:
    """Where a submission is graded: where it was made, whatever has changed since."""
    if submission.on_student_cluster:
        own = StudentCluster.objects.filter(user_id=submission.user_id).first()
        if own is None:
            raise BadKubeconfig(
                _("your own cluster was removed before this check ran; check your work again")
            )
        return Workspace(Where.OWN, submission.namespace, True, submission.user_id, own)
    if tutor_cluster.classroom_mode():
        ready = StudentNamespace.objects.filter(
            user_id=submission.user_id, namespace=submission.namespace,
            provisioned_at__isnull=False, cleaned_at__isnull=True,
        ).exists()  # fmt: skip
        return Workspace(Where.CLASSROOM, submission.namespace, ready, submission.user_id)
    return Workspace(Where.LOCAL, submission.namespace, True, submission.user_id)


def connect(workspace: Workspace, *, prepare: bool = False) -> Cluster:
    """The workspace's cluster. ``prepare``: provision a classroom namespace that is not ready.

    Provisioning talks to the cluster for seconds: only workers prepare.
    """
    if workspace.student_cluster is not None:
        return own_cluster.student_cluster_connect(workspace.student_cluster)
    cluster = tutor_cluster.connect()
    if prepare and workspace.where == Where.CLASSROOM and not workspace.ready:
        user = User.objects.get(pk=int(workspace.user_id or 0))
        try:
            classroom.student_namespace_provision(cluster=cluster, user=user)
        except BaseException:
            cluster.close()
            raise
    return cluster


class ExamAttemptLike(Protocol):
    user_id: int
    where: str
    namespace: str


def exam_workspace(user: User, *, key: str) -> Workspace:
    """Where a new exam attempt will be worked on (no cluster call: a worker makes it)."""
    name = exam.exam_namespace_name(user, key)
    own = own_cluster.student_cluster_for(user=user)
    if own is not None:
        return Workspace(Where.OWN, name, False, user.pk, own)
    where = Where.CLASSROOM if tutor_cluster.classroom_mode() else Where.LOCAL
    return Workspace(where, name, False, user.pk)


def exam_workspace_of(attempt: ExamAttemptLike) -> Workspace:
    if attempt.where == Where.OWN:
        own = StudentCluster.objects.filter(user_id=attempt.user_id).first()
        if own is None:
            raise BadKubeconfig(_("your own cluster was removed during the exam"))
        return Workspace(Where.OWN, attempt.namespace, True, attempt.user_id, own)
    return Workspace(attempt.where, attempt.namespace, True, attempt.user_id)


def exam_prepare(workspace: Workspace) -> None:
    """Make the exam's namespace (worker side: it talks to the cluster for seconds)."""
    cluster = connect(workspace)
    try:
        user = User.objects.get(pk=int(workspace.user_id or 0))
        exam.exam_namespace_prepare(
            cluster=cluster, user=user, name=workspace.namespace,
            classroom_mode=workspace.where == Where.CLASSROOM,
        )  # fmt: skip
    finally:
        cluster.close()


def exam_release(workspace: Workspace) -> None:
    cluster = connect(workspace)
    try:
        exam.exam_namespace_release(cluster=cluster, name=workspace.namespace)
    finally:
        cluster.close()


# Answers to "where does this user work right now", from the apps above (an exam in
# progress); registered when they start, asked in order before workspace_for.
_now: list[Callable[[int], Workspace | None]] = []


def register_current(provider: Callable[[int], Workspace | None]) -> None:
    if provider not in _now:
        _now.append(provider)


def workspace_now(user: User | AnonymousUser) -> Workspace | None:
    """Where the user works at this moment: an exam's namespace during it, else their labs'."""
    if user.is_authenticated:
        for provider in _now:
            found = provider(user.pk)
            if found is not None:
                return found
    return workspace_for(user)

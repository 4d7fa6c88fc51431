"""Celery tasks for workspaces: take an id, call a service. Each is safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import User
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kube import ClusterUnreachable, Forbidden, KubeError
from workspaces import classroom, lab_runs, own_cluster, resolve, tutor_cluster
from workspaces.models import NamespaceRun, StudentCluster, StudentNamespace

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=3000, time_limit=3300)
def run_namespaces(run_id: int) -> None:
    """Work through a run one student at a time, saving each outcome as it comes."""
    claimed = NamespaceRun.objects.filter(
        pk=run_id, status__in=[NamespaceRun.Status.QUEUED, NamespaceRun.Status.RUNNING]
    ).update(status=NamespaceRun.Status.RUNNING)
    if not claimed:
        return  # done already: a redelivered message changes nothing
    run = NamespaceRun.objects.get(pk=run_id)
    # The instructor reads the reasons in the language they asked in.
    with translation.override(run.language or None):
        _run_namespaces(run)
    log.info("%s: %d done, %d failed", run, len(run.done), len(run.failed))  # in English


def _run_namespaces(run: NamespaceRun) -> None:
    finished = {name for name, _why in run.done + run.failed}
    users = User.objects.filter(pk__in=run.user_ids).order_by("username")
    try:
        cluster = tutor_cluster.connect()
    except KubeError as exc:
        for user in users:
            if user.username not in finished:
                why = _("could not reach the classroom cluster: {problem}").format(problem=exc)
                run.failed.append([user.username, why])
        _finish(run)
        return
    try:
        for user in users:
            if user.username in finished:
                continue
            if not user.is_active:
                run.skipped.append([user.username, _("the account is deactivated")])
                run.user_ids.remove(user.pk)
            else:
                outcome = _one(run, cluster, user)
                (run.done if outcome[0] else run.failed).append([user.username, outcome[1]])
            run.save(update_fields=["done", "failed", "skipped", "user_ids"])
    finally:
        cluster.close()
    _finish(run)


def _one(run: NamespaceRun, cluster: tutor_cluster.Cluster, user: User) -> tuple[bool, str]:
    try:
        if run.action == NamespaceRun.Action.PROVISION:
            row = classroom.student_namespace_provision(
                cluster=cluster, user=user, quota=run.quota or None
            )
            return True, row.namespace
        row = StudentNamespace.objects.get(user=user)
        classroom.student_namespace_cleanup(cluster=cluster, student_namespace=row)
        return True, row.namespace
    except StudentNamespace.DoesNotExist:
        return False, _("no namespace to clean up")
    except KubeError as exc:
        return False, str(exc)


def _finish(run: NamespaceRun) -> None:
    run.status = NamespaceRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["done", "failed", "skipped", "user_ids", "status", "finished_at"])


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=150)
def prepare_workspace(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not tutor_cluster.classroom_mode():
        return
    try:
        classroom.student_namespace_ensure(user=user)
    except KubeError as exc:
        log.warning("could not prepare the namespace of user %s: %s", user_id, exc)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def refresh_kubeconfig(student_namespace_id: int) -> None:
    row = StudentNamespace.objects.filter(pk=student_namespace_id).first()
    if row is None or not row.is_active:
        return
    if not classroom.student_kubeconfig_needs_refresh(student_namespace=row):
        return  # another request's task got there first
    try:
        cluster = tutor_cluster.connect()
        try:
            classroom.student_kubeconfig_refresh(cluster=cluster, student_namespace=row)
        finally:
            cluster.close()
    except KubeError as exc:
        log.warning("could not issue a kubeconfig for %s: %s", row.namespace, exc)


@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3,
    soft_time_limit=lab_runs.RUN_HARD_SECONDS - 30, time_limit=lab_runs.RUN_HARD_SECONDS,
)  # fmt: skip
def run_lab(self, run_id: int) -> None:  # type: ignore[no-untyped-def]
    """Start or reset a lab in a student's workspace (a ``LabRun``)."""
    run = lab_runs.claim(run_id)
    if run is None:
        return  # done already, or another worker has it
    # What goes wrong is written in the language of the request that asked for the run.
    with translation.override(run.language or None):
        try:
            cluster = resolve.connect(resolve.workspace_of(run), prepare=True)
            try:
                outcome = lab_runs.perform(cluster, run)
            finally:
                cluster.close()
        except KubeError as exc:
            if exc.transient and self.request.retries < self.max_retries:
                lab_runs.release(run)
                raise self.retry(countdown=2 ** (self.request.retries + 1)) from exc
            lab_runs.fail(run, _in_words(exc))
        except SoftTimeLimitExceeded:
            lab_runs.fail(run, _("This took too long; try again in a moment."))
        else:
            lab_runs.finish(run, outcome)


def _in_words(exc: KubeError) -> str:
    if isinstance(exc, ClusterUnreachable):
        return _(
            "The cluster did not answer ({problem}). Is it running? Try again in a moment."
        ).format(problem=exc)
    if isinstance(exc, Forbidden):
        return _("The cluster refused: {problem}. Ask your instructor.").format(problem=exc)
    return str(exc)


@shared_task
def reap_lab_runs() -> int:
    """Re-enqueue lab starts and resets whose message was lost or whose worker died."""
    stuck = lab_runs.stuck_runs()
    for run_id in stuck:
        run_lab.delay(run_id)
    if stuck:
        log.info("re-enqueued %d stuck lab starts and resets", len(stuck))
    return len(stuck)


# The test bounds itself (own_cluster.TEST_SECONDS); the limits are a backstop.
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=45, time_limit=60)
def test_student_cluster(student_cluster_id: int) -> None:
    """Test a student's own cluster (sent to the untrusted clusters' queue).

    The result is written in the language of the request that asked for the test.
    """
    row = StudentCluster.objects.filter(pk=student_cluster_id).first()
    if row is None or not own_cluster.enabled():
        return
    with translation.override(row.test_language or None):
        own_cluster.student_cluster_test(row)

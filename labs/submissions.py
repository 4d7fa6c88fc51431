"""Lab submissions, the request side: "Check my work" makes one, and enqueues it.

The database row is the truth; the Celery message only says "look at row N".
The worker side (claiming, recording, finishing) is ``labs.runs``.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import translation

from core import policy
from labs.models import Lab, LabSubmission, SubmissionStatus
from labs.tasks import grade_submission_enqueue
from workspaces.resolve import Workspace


class SubmissionRefused(Exception):
    """A class's rules refuse another check: past the due date, or no checks left."""


def lab_submission_create(
    *, user: User, lab: Lab, workspace: Workspace
) -> tuple[LabSubmission, bool]:
    """A new submission, or the one already waiting (a double click makes one submission).

    It is graded where the workspace is: the tutor's cluster, or the student's
    own (then the submission says so, with the server).
    """
    with transaction.atomic():
        # Locking the pending rows is not enough: when there are none, every tab
        # finds none and inserts (PostgreSQL runs the transactions side by side;
        # SQLite never did). The student's own row serializes their clicks and
        # leaves every other student's alone.
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        pending = (
            LabSubmission.objects.select_for_update()
            .filter(
                user=user, lab=lab, status__in=[SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]
            )
            .first()
        )
        if pending is not None:
            return pending, False
        rules = policy.rules_for(user, "lab", str(lab.uuid))
        if rules is not None:
            used = LabSubmission.objects.filter(user=user, lab=lab).count()
            refusal = rules.refusal(attempts_used=used)
            if refusal:
                raise SubmissionRefused(refusal)
        submission = LabSubmission.objects.create(
            user=user,
            lab=lab,
            namespace=workspace.namespace,
            on_student_cluster=workspace.on_student_cluster,
            cluster_server=workspace.student_cluster.server if workspace.student_cluster else "",
            max_score=lab.max_score,
            language=translation.get_language() or "",
        )
        grade_submission_enqueue(
            submission.pk, on_student_cluster=submission.on_student_cluster, on_commit=True
        )
    return submission, True

"""The database side of the classroom simulation, run as its own process.

`bench.classroom` drives the tutor over HTTP only; what it needs from the
database (accounts made ahead, the lab's namespace prepared, submissions
counted at the end) happens here, in a process whose settings come from the
environment the tutor itself was started with.

    python -m bench.classroom_db prepare STUDENTS   # JSON: password, chapters, quizzes, exercise, lab
    python -m bench.classroom_db count              # JSON: the bench students' submissions by status
    python -m bench.classroom_db exam-work NS...    # one exam task's work in each namespace
    python -m bench.classroom_db exam-count         # the bench students' exam attempts by status
    python -m bench.classroom_db cleanup            # delete the lab's (and exams') namespaces
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from typing import Any

import django

USER_PREFIX = "bench-student-"
LAB = "webserver"
EXAM_WORK_LAB = "rbac-pod-reader"
EXERCISE = ("kubernetes-building-blocks", "nginx-deployment")


def prepare(students: int) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    from exercises.models import Exercise
    from kube import Cluster
    from labs.grader import apply_steps
    from lessons.models import Chapter
    from quizzes.models import Quiz
    from tutor.content.registry import check_content

    # One hash for every account: 200 PBKDF2 runs here would take a minute
    # and measure nothing. Each student still logs in through the form.
    password = secrets.token_urlsafe(12)
    hashed = make_password(password)
    User.objects.bulk_create(
        [User(username=f"{USER_PREFIX}{i}", password=hashed) for i in range(students)],
        ignore_conflicts=True,
    )
    # The lab's solution in place, so each submission is a full grading run
    # (a snapshot, every check, results written) rather than a quick failure.
    namespace = os.environ["TUTOR_LAB_NAMESPACE"]
    source = next(lab for lab in check_content().sources["labs"] if lab.slug == LAB)
    cluster = Cluster.from_kubeconfig_file(os.environ["TUTOR_KUBECONFIG"])
    try:
        cluster.create_namespace(namespace, labels={"lfs158-tutor/bench": "true"})
        apply_steps(cluster, namespace, source.manifests, source.steps)
    finally:
        cluster.close()
    exercise = Exercise.objects.get(chapter__slug=EXERCISE[0], slug=EXERCISE[1])
    return {
        "password": password,
        "chapters": list(Chapter.objects.filter(is_published=True).values_list("slug", flat=True)),
        "quizzes": list(Quiz.objects.filter(is_published=True).values_list("pk", flat=True)),
        "exercise": {
            "path": f"/chapters/{EXERCISE[0]}/exercises/{EXERCISE[1]}/",
            "solution": exercise.solution,
            "starter": exercise.starter,
        },
        "lab": LAB,
    }


def count() -> dict[str, int]:
    from django.db.models import Count

    from labs.models import LabSubmission

    rows = (
        LabSubmission.objects.filter(user__username__startswith=USER_PREFIX)
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {row["status"]: row["n"] for row in rows}


def exam_work(namespaces: list[str]) -> dict[str, int]:
    """What a student does in an exam task: the rbac-pod-reader lab's solution, applied."""
    from kube import Cluster
    from tutor.content.registry import check_content

    source = next(lab for lab in check_content().sources["labs"] if lab.slug == EXAM_WORK_LAB)
    cluster = Cluster.from_kubeconfig_file(os.environ["TUTOR_KUBECONFIG"])
    try:
        for namespace in namespaces:
            cluster.apply(source.front["solution"]["manifests"], namespace)
    finally:
        cluster.close()
    return {"namespaces": len(namespaces)}


def exam_count() -> dict[str, int]:
    from django.db.models import Count

    from exams.models import ExamAttempt

    rows = (
        ExamAttempt.objects.filter(user__username__startswith=USER_PREFIX)
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {row["status"]: row["n"] for row in rows}


def cleanup() -> dict[str, bool]:
    from exams.models import ExamAttempt
    from kube import Cluster

    cluster = Cluster.from_kubeconfig_file(os.environ["TUTOR_KUBECONFIG"])
    try:
        cluster.delete_namespace(os.environ["TUTOR_LAB_NAMESPACE"])
        # Graded attempts deleted theirs; an attempt the run left ungraded did not.
        for namespace in ExamAttempt.objects.values_list("namespace", flat=True):
            cluster.delete_namespace(namespace)
    finally:
        cluster.close()
    return {"deleted": True}


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings")
    django.setup()
    command = sys.argv[1]
    if command == "prepare":
        result: Any = prepare(int(sys.argv[2]))
    elif command == "count":
        result = count()
    elif command == "cleanup":
        result = cleanup()
    elif command == "exam-work":
        result = exam_work(sys.argv[2:])
    elif command == "exam-count":
        result = exam_count()
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The database side of the classroom simulation, run as its own process.

`bench.classroom` drives the tutor over HTTP only; what it needs from the
database (accounts made ahead, the lab's namespace prepared, submissions
counted at the end) happens here, in a process whose settings come from the
environment the tutor itself was started with.

    python -m bench.classroom_db prepare STUDENTS   # JSON: password, chapters, quizzes, exercise, lab
    python -m bench.classroom_db count              # JSON: the bench students' submissions by status
    python -m bench.classroom_db cleanup            # delete the lab's namespace
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


def cleanup() -> dict[str, bool]:
    from kube import Cluster

    cluster = Cluster.from_kubeconfig_file(os.environ["TUTOR_KUBECONFIG"])
    try:
        cluster.delete_namespace(os.environ["TUTOR_LAB_NAMESPACE"])
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
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""An exam is graded in the language of the request that started it, time-outs too.

A time-out is handed in by the beat, so nothing of the student's request is
left when the attempt is graded: the attempt records the language at its start
and the grading task (``exams.tasks.grade_attempt``, run here in-process with
Celery's ``apply``) speaks it, on the real cluster.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from exams import runs, services, tasks
from exams.models import AttemptStatus, ExamAttempt
from tests.engine.assertions.test_spanish import PO
from tests.exams.factories import make_exam
from tests.exams.test_exam_cluster import kube as kube
from tests.exams.test_exam_cluster import on_cluster as on_cluster

pytestmark = [pytest.mark.cluster, pytest.mark.django_db]


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


def test_a_timed_out_attempt_started_in_spanish_is_graded_in_spanish(
    on_cluster, tmp_path, alice, settings
):
    settings.TUTOR_MODE = "local"
    exam = make_exam(tmp_path)
    with translation.override("es"):
        attempt, _ = services.exam_attempt_start(user=alice, exam=exam)
    assert attempt.language == "es"
    assert runs.prepare(attempt.pk) is not None
    ExamAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert runs.time_out(attempt.pk) is True

    with translation.override("en"):  # the beat's worker: nobody's language
        tasks.grade_attempt.apply(args=[attempt.pk])
        assert translation.get_language() == "en"  # the task's language did not leak out

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED, attempt.error
    messages = {c["id"]: c["message"] for c in attempt.results["web"]["checks"]}
    assert messages["deployment"] == 'Se esperaba exactamente 1 Deployment "web"; se encontraron 0.'
    access = {c["id"]: c["message"] for c in attempt.results["rbac"]["checks"]}
    assert access["bob-lists"] == (
        "Se esperaba: el usuario bob puede list pods en este espacio de nombres. "
        "El servidor de API dice: no puede."
    )

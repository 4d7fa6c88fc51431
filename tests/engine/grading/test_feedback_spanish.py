"""The lab page's observed-against-expected explanations in the reader's language.

``engine.grading.feedback.explain`` runs when the page is shown, from the stored
evidence: the same stored result reads in Spanish for a Spanish page and in
English otherwise (the English sentences are those of tests/engine/test_feedback.py).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation

from engine.grading.feedback import explain
from tests.engine.assertions.test_spanish import PO
from tests.engine.test_feedback import SnapshotReader, deployment, graded, pod, service


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


SELECTS = [{"id": "selects", "title": "t", "select": {"kind": "Service", "name": "web"},
            "selects": {"kind": "Pod"}}]  # fmt: skip
MISSING = [{"id": "ready", "title": "t", "select": {"kind": "Deployment", "name": "frontend"},
            "expr": "status.readyReplicas", "min": 3}]  # fmt: skip
MATCH = [{"id": "svc", "title": "t", "select": {"kind": "Service", "name": "web"},
          "match": {"spec": {"type": "ClusterIP", "selector": {"app": "frontend"}}}}]  # fmt: skip


def summary(checks, reader, check_id: str, language: str) -> str:  # type: ignore[no-untyped-def]
    rule, result = graded(checks, reader)[check_id]  # graded in English, as stored
    with translation.override(language):
        explanation = explain(rule, result)
    assert explanation is not None, result
    return explanation.summary


def test_a_service_selecting_other_labels_in_spanish_and_english():
    reader = SnapshotReader(service(app="web"), pod("web-1", "webserver"))
    assert summary(SELECTS, reader, "selects", "es") == (
        "Service `web` selecciona `app=web`; los Pods de tu espacio de nombres tienen las "
        "etiquetas `app=webserver`."
    )
    assert summary(SELECTS, reader, "selects", "en") == (
        "Service `web` selects `app=web`; the Pods in your namespace are labelled `app=webserver`."
    )


def test_a_missing_object_in_spanish():
    reader = SnapshotReader(deployment(name="fronted"), deployment(name="db"))
    assert summary(MISSING, reader, "ready", "es") == (
        "No hay ningún Deployment `frontend` en tu espacio de nombres (tiene Deployment `db`, "
        "`fronted`); el laboratorio espera uno."
    )


def test_a_partial_match_counts_its_other_differences_in_spanish():
    rule, result = graded(MATCH, SnapshotReader(service(type_="NodePort")))["svc"]
    with translation.override("es"):
        explanation = explain(rule, result)
    assert explanation is not None
    assert explanation.summary == (
        "Service `web`: `spec.type` es `NodePort`; el laboratorio espera `ClusterIP`. "
        "(1 diferencia más abajo.)"
    )

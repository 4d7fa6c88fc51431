"""The lab pages in Spanish: the checks with their hint ladder, the live tally, the start and
reset panel, the reset confirmation; and the same pages in English when nobody asks otherwise.

The Spanish catalogue is compiled here when it is missing or older than its .po (as `make` does).
No cluster: the page's cluster status line is stubbed out (another test's business) and the
results a worker would write are written here.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from labs import hints
from labs.content import ladder_html
from labs.footprint import lab_footprint
from labs.models import HintRung, Lab, LabSubmission, LiveCheck, LiveStatus, SubmissionStatus
from lessons.models import Chapter
from tests.labs.start_state_fixtures import CHECKS as BROKEN_CHECKS
from tests.labs.start_state_fixtures import START, lab_data
from workspaces.models import LabRun

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"

CHECKS: list[dict[str, Any]] = [
    {"id": "web-exists", "title": "The Deployment web exists", "select": {"kind": "Deployment", "name": "web"},
     "count": {"equals": 1}, "hint": "Did you name it `web`?", "section": "deployments",
     "ladder": {"concept": "A Deployment keeps Pods running.", "solution": "`kubectl create deployment web --image=nginx`"}},
    {"id": "svc", "title": "The Service web exists", "select": {"kind": "Service", "name": "web"},
     "count": {"equals": 1}},
]  # fmt: skip
RESULTS = [
    {"id": "web-exists", "title": "The Deployment web exists", "passed": False,
     "message": "no Deployment web", "evidence": {}},
    {"id": "svc", "title": "The Service web exists", "passed": True, "message": "ok", "evidence": {}},
]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    for po in (PO, PO.with_name("djangojs.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


@pytest.fixture(autouse=True)
def no_cluster_status(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("labs.views.tutor_cluster.cluster_status", lambda: None)


@pytest.fixture
def lab() -> Lab:
    chapter = Chapter.objects.order_by("number").first()
    chapter.toc = [*chapter.toc, {"level": 2, "anchor": "deployments", "title": "Deployments"}]
    chapter.save(update_fields=["toc"])
    return Lab.objects.create(
        uuid=uuid.uuid4(), chapter=chapter, slug=f"es-lab-{uuid.uuid4().hex[:8]}",
        title="Hint lab", estimated_minutes=10, kubernetes_versions=["1.35"],
        instructions_html="<p>Do it.</p>", checks=CHECKS,
        hints={c["id"]: ladder_html(c) for c in CHECKS}, content_hash="x",
    )  # fmt: skip


@pytest.fixture
def broken_lab() -> Lab:
    return Lab.objects.create(
        uuid=uuid.uuid4(), chapter=Chapter.objects.order_by("number").first(),
        slug=f"es-broken-{uuid.uuid4().hex[:6]}", title="Broken web", estimated_minutes=10,
        kubernetes_versions=["1.35"], instructions_html="<p>Fix it.</p>", checks=BROKEN_CHECKS,
        troubleshooting=True, start_state=START, footprint=lab_footprint(lab_data()),
        objectives=[1], content_hash="x",
    )  # fmt: skip


def checked(alice: User, lab: Lab) -> LabSubmission:
    """A finished "Check my work": one check fails, one passes; two rungs of the ladder climbed."""
    for rung in (HintRung.NUDGE, HintRung.CONCEPT):
        hints.hint_climb(user=alice, lab=lab, check_id="web-exists", rung=rung)
    return LabSubmission.objects.create(
        user=alice, lab=lab, namespace="default", status=SubmissionStatus.DONE, results=RESULTS,
        score=1, max_score=2, finished_at=timezone.now(),
    )  # fmt: skip


def visible_text(html: str) -> str:
    """The words a reader meets: no tags, no attribute values (URLs, classes, ids)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    # English inside a sentence is a <span lang="en"> (tests/tutor/test_content_language.py).
    html = re.sub(r'<span lang="en">(.*?)</span>', r"\1", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_lab_page_with_checks_and_hints_is_in_spanish(client, alice, lab):
    checked(alice, lab)
    client.force_login(alice)
    page = client.get(lab.get_absolute_url(), **SPANISH).content.decode()
    text = visible_text(page)
    for spanish in (
        "Tus comprobaciones",
        "Comprobar mi trabajo",
        "Registra un intento calificado.",
        "Un empujoncito",  # the rungs climbed, by name
        "La idea de fondo",
        "Lee «Deployments» en el capítulo",
        "Siguiente pista: tu espacio de nombres frente al laboratorio",
        "Repasa: Deployments",
        "Comprobaciones cumplidas: 1 de 2",
        "Tus entregas (1)",
        "Empezar de nuevo",
        "Restablecer el laboratorio…",
        "Las comprobaciones en vivo no se califican ni se guardan",
        "aún no se cumple:",
        "Comprobado el",
    ):
        assert spanish in text, spanish
    for english in (
        "Your checks", "Check my work", "Records a graded attempt", "A nudge", "The idea behind it",
        "Next hint", "Need a hint", "in the chapter", "Checks passed", "Your submissions",
        "Start over", "Reset the lab", "Live checks are not graded", "does not pass yet",
        "Checked ", "points",
    ):  # fmt: skip
        assert english not in text, english


def test_the_live_checks_and_their_tally_are_in_spanish(client, alice, lab):
    LiveCheck.objects.create(
        user=alice, lab=lab, namespace="alice-ns", status=LiveStatus.WATCHING, mode="watch",
        beat_at=timezone.now(), checked_at=timezone.now(), revision=3, results=RESULTS,
        deadline=timezone.now() + timedelta(minutes=5),
    )  # fmt: skip
    client.force_login(alice)
    body = client.get(f"/labs/{lab.slug}/live", headers={"HX-Request": "true"}, **SPANISH)
    text = visible_text(body.content.decode())
    assert "Se cumplen 1 de 2 comprobaciones" in text
    assert "En vivo" in text and "en cuanto algo cambia en tu espacio de nombres alice-ns" in text
    assert "Última mirada:" in text and "¿Necesitas una pista?" in text
    assert "checks pass" not in text and "Last look" not in text and "Need a hint" not in text
    # Stopped by the cluster: the reason and the button, in Spanish too.
    LiveCheck.objects.filter(user=alice).update(status=LiveStatus.FAILED, stop_reason="unreachable")
    body = client.get(f"/labs/{lab.slug}/live", **SPANISH).content.decode()
    assert "Comprobaciones en vivo detenidas: el clúster dejó de responder." in body
    assert "Intentar de nuevo" in body and "Try again" not in body
    assert "Para tu instructor" in body and "For your instructor" not in body


def test_a_hint_climbed_by_htmx_answers_in_spanish(client, alice, lab):
    client.force_login(alice)
    url = f"/labs/{lab.slug}/checks/web-exists/hint"
    body = client.post(
        url, {"rung": "1"}, headers={"HX-Request": "true"}, **SPANISH
    ).content.decode()
    assert "Un empujoncito" in body and "Siguiente pista: la idea de fondo" in body
    skipped = client.post(url, {"rung": "4"}, **SPANISH).content.decode()
    assert "Lee primero «" in skipped


def test_the_broken_lab_panel_and_the_reset_confirmation_are_in_spanish(
    client, alice, broken_lab, settings
):
    settings.TUTOR_LAB_NAMESPACE = "practice"
    client.force_login(alice)
    page = visible_text(client.get(broken_lab.get_absolute_url(), **SPANISH).content.decode())
    assert "Este laboratorio empieza roto" in page and "Iniciar el laboratorio" in page
    assert "Aún no se ha iniciado." in page
    assert "Laboratorio de resolución de problemas: lo que practicas" in page
    assert "This lab starts broken" not in page and "Start the lab" not in page

    reset = reverse("labs:reset", kwargs={"slug": broken_lab.slug})
    confirm = client.get(reset, **SPANISH).content.decode()
    text = visible_text(confirm)
    for spanish in (
        "¿Restablecer tu espacio de trabajo para este laboratorio?",
        "Al restablecer, tu espacio de nombres practice vuelve al estado inicial del laboratorio.",
        "Lo que hiciste en este laboratorio se pierde",
        "Se borran, si existen",
        "Después se vuelven a crear",
        "Sí, bórralos",
        "Cancelar, conservar mi trabajo",
    ):
        assert spanish in text, spanish
    for english in (
        "Reset your workspace",
        "Deleted, if they exist",
        "Yes, delete them",
        "Cancel, keep",
    ):
        assert english not in text, english
    assert "<title>Restablecer Broken web" in confirm

    # The run's state line, and the message after a reset without htmx.
    LabRun.objects.create(
        user=alice, lab_uuid=broken_lab.uuid, lab_slug=broken_lab.slug, action="reset", status="done",
        namespace="practice", deleted=["Deployment web", "Service web"],
        created=["Deployment web"], finished_at=timezone.now() - timedelta(minutes=3),
    )  # fmt: skip
    state = client.get(reverse("labs:state", kwargs={"slug": broken_lab.slug}), **SPANISH,
                       headers={"HX-Request": "true"})  # fmt: skip
    assert "Restablecido hace 3" in state.content.decode()
    assert "borrados 2 objetos" in state.content.decode()


def test_english_is_unchanged_by_default(client, alice, lab, broken_lab):
    checked(alice, lab)
    client.force_login(alice)
    text = visible_text(client.get(lab.get_absolute_url()).content.decode())
    assert "Your checks" in text and "Next hint: your namespace against the lab" in text
    assert "Read “Deployments” in the chapter" in text and "Checks passed: 1 of 2" in text
    assert "Checked " in text and "1 / 2 points" in text
    assert "Tus comprobaciones" not in text
    confirm = client.get(reverse("labs:reset", kwargs={"slug": broken_lab.slug})).content.decode()
    assert "Reset your workspace for this lab?" in confirm and "Yes, delete them" in confirm

"""Lab checks are written in the language of the request that asked for them.

"Check my work" records the request's language with the submission; the Celery
worker grades under it, so the stored messages are Spanish for a student who
reads Spanish, whatever language the worker process itself starts in. Work
the beat starts (the reaper giving up on a submission) uses the language the
submission recorded. The first test runs the real stack of test_lab_flow
(gunicorn, Redis, a Celery worker process, the real cluster).
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone, translation

from kube import Cluster as KubeCluster
from kube import NotFound
from labs import runs
from labs.models import Lab, LabSubmission, LiveCheck, SubmissionStatus
from labs.tasks import MAX_TRIES
from lessons.models import Chapter
from tests.cluster.fixtures import Cluster, wait_for
from tests.conftest import manage
from tests.engine.assertions.test_spanish import PO
from tests.labs.test_lab_flow import Browser, Stack, submission_path, wait_finished
from tests.labs.test_lab_flow import stack as stack


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    """The worker reads the compiled catalogue: make it current first, as `make` does."""
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


@pytest.fixture(autouse=True)
def no_language_left_behind() -> Iterator[None]:
    """A request in Spanish through the test client leaves Spanish active in this thread."""
    yield
    translation.deactivate()


@pytest.fixture(scope="module")
def stack_namespace_gone(cluster: Cluster) -> Iterator[None]:
    """After the reused stack is torn down, wait until its namespace is gone.

    The stack names its namespace after the test process (`t-labflow-<pid>`), so
    test_lab_flow's own stack, in the same run, would meet this one's namespace
    still terminating.
    """
    yield
    kube = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)

    def gone() -> bool:
        try:
            kube.request("GET", f"/api/v1/namespaces/t-labflow-{os.getpid()}")
        except NotFound:
            return True
        return False

    try:
        wait_for(gone, "the stack's namespace to be deleted", timeout=180, every=1)
    finally:
        kube.close()


class SpanishBrowser(Browser):
    """A browser whose reader asked for Spanish (its Accept-Language header)."""

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        request.add_header("Accept-Language", "es-ES,es;q=0.9")
        return super()._open(request)


def stored(stack: Stack, pk: int) -> dict[str, Any]:
    """The submission's row as the worker left it, read from the stack's database."""
    code = (
        "import json; from labs.models import LabSubmission as S; "
        f"s = S.objects.get(pk={pk}); "
        "print(json.dumps({'language': s.language, 'status': s.status, 'results': s.results}))"
    )
    return json.loads(manage(stack.env, "shell", "-c", code).strip().splitlines()[-1])


def check(browser: Browser, slug: str) -> int:
    status, _, partial = browser.post(f"/labs/{slug}/check", htmx=True)
    assert status == 200, partial[:500]
    path = partial.split('hx-get="', 1)[1].split('"', 1)[0]
    wait_finished(browser, path)
    return int(submission_path(path).rstrip("/").split("/")[-1].split("?")[0])


@pytest.mark.cluster
def test_a_check_asked_in_spanish_is_graded_in_spanish(stack_namespace_gone: None, stack: Stack):
    stack.start_worker("language", beat=False)
    try:
        learner = SpanishBrowser(stack.url)
        learner.login("learner", stack.passwords["learner"])
        row = stored(stack, check(learner, "slow"))
        assert row["language"] == "es" and row["status"] == "done", row
        messages = {r["id"]: r["message"] for r in row["results"]}
        assert messages["exists"] == 'Se esperaba exactamente 1 Deployment "web"; se encontraron 1.'
        assert messages["never"].startswith(
            "Se agotó el tiempo tras esperar 12 s a que se cumpliera esto: "
            'Deployment "web": `status.readyReplicas` debería ser 99; se encontró '
        ), messages["never"]

        # The same worker, asked in English by another student: English, as before.
        bob = Browser(stack.url)
        bob.login("bob", stack.passwords["bob"])
        row = stored(stack, check(bob, "demo"))
        assert row["language"] == "en" and row["status"] == "done", row
        messages = {r["id"]: r["message"] for r in row["results"]}
        assert messages["deployment"] == 'Expected exactly 1 Deployment "web", found 1.'
        assert messages["selects"] == 'Service "web" selects the Pods of Deployment "web".'
    finally:
        stack.stop_workers()


def make_lab() -> Lab:
    return Lab.objects.create(
        uuid=uuid.uuid4(), chapter=Chapter.objects.order_by("number").first(),
        slug=f"lang-{uuid.uuid4().hex[:8]}", title="Language lab", estimated_minutes=10,
        kubernetes_versions=["1.35"], instructions_html="<p>Do it.</p>", content_hash="x",
        checks=[{"id": "web", "title": "web", "select": {"kind": "Deployment", "name": "web"}, "count": {"equals": 1}}],
    )  # fmt: skip


@pytest.mark.django_db
def test_the_reaper_gives_up_in_the_language_the_submission_recorded(settings):
    lab = make_lab()
    user = User.objects.create_user("reaped", password="x")
    long_ago = timezone.now() - timedelta(seconds=settings.LAB_GRADE_HARD_SECONDS + 60)
    rows = {
        language: LabSubmission.objects.create(
            user=user,
            lab=lab,
            namespace="ns",
            status=SubmissionStatus.RUNNING,
            claimed_at=long_ago,
            tries=MAX_TRIES,
            language=language,
        )
        for language in ("es", "")
    }
    assert runs.stuck_submissions(max_tries=MAX_TRIES) == []
    spanish, default = (LabSubmission.objects.get(pk=rows[k].pk) for k in ("es", ""))
    assert spanish.status == default.status == SubmissionStatus.ERROR
    assert spanish.error.startswith(
        f"No se pudo comprobar tu trabajo: la comprobación empezó {MAX_TRIES} veces"
    )
    assert default.error.startswith(
        f"Your work could not be checked: checking was started {MAX_TRIES} times"
    )


@pytest.mark.django_db
def test_check_my_work_records_the_requests_language(client, django_capture_on_commit_callbacks):
    lab = make_lab()
    user = User.objects.create_user("speaker", password="x")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/labs/{lab.slug}/check", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert response.status_code in (200, 302), response.content[:500]
    assert LabSubmission.objects.get(user=user, lab=lab).language == "es"


@pytest.mark.cluster
@pytest.mark.django_db
def test_live_checks_record_the_language_of_the_page_that_started_them(
    client, alice, settings, cluster, django_capture_on_commit_callbacks
):
    settings.TUTOR_KUBECONFIG = str(cluster.kubeconfig)
    settings.TUTOR_KUBE_CONTEXT = cluster.context or ""
    lab = make_lab()
    client.force_login(alice)
    with django_capture_on_commit_callbacks() as sent:
        response = client.post(
            f"/labs/{lab.slug}/live",
            headers={"HX-Request": "true", "Accept-Language": "es-ES,es;q=0.9"},
        )
    assert response.status_code == 200 and len(sent) == 1
    assert LiveCheck.objects.get(user=alice, lab=lab).language == "es"

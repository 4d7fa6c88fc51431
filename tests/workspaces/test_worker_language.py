"""What workspaces' workers write for a person is in the language of the request that asked.

A lab start (LabRun), a class's namespace clean-up (NamespaceRun) and the test of
a student's own cluster record the asking request's language; the worker's task,
run here as test_lab_runs runs it (called directly, against the real API server),
writes its messages in that language, whatever language is active around it.
English stays word for word what it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation

from kube import Cluster as KubeCluster
from kube.kubeconfig import context_parts, token_kubeconfig
from tests.cluster.fixtures import Cluster, ca_data, service_account_token
from tests.workspaces.test_classroom import classroom_mode as classroom_mode
from tests.workspaces.test_classroom import kube as kube
from tests.workspaces.test_lab_runs import make_lab
from tests.workspaces.test_lab_state import START, VOLUME
from tests.workspaces.test_student_clusters import enabled as enabled
from tests.workspaces.test_student_clusters import kubeconfig as own_kubeconfig
from workspaces import services, tasks
from workspaces.models import LabRun, NamespaceRun, StudentCluster, StudentNamespace
from workspaces.resolve import workspace_for

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def no_language_left_behind() -> Iterator[None]:
    """A request in Spanish through the test client leaves Spanish active in this thread."""
    yield
    translation.deactivate()


# --- lab starts ---------------------------------------------------------------------------


@pytest.fixture
def no_volumes(settings, cluster: Cluster, kube: KubeCluster, namespace: str, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]  # fmt: skip
    """Local mode with credentials that hold `admin` in the namespace and may not make volumes."""
    token = service_account_token(kube, namespace, "limited", "admin")
    _, entry, _, _ = context_parts(yaml.safe_load(cluster.kubeconfig.read_text()), cluster.context)
    config = token_kubeconfig(
        server=entry["server"], token=token, ca_data=ca_data(cluster), namespace=namespace,
        cluster="test", user="limited", context="limited",
    )  # fmt: skip
    path = tmp_path / "limited.yaml"
    path.write_text(yaml.safe_dump(config))
    settings.TUTOR_KUBECONFIG = str(path)
    settings.TUTOR_KUBE_CONTEXT = "limited"
    settings.TUTOR_MODE = "local"
    settings.TUTOR_LAB_NAMESPACE = namespace
    return namespace


def start(client, lab, headers, capture) -> LabRun:  # type: ignore[no-untyped-def]
    with capture(execute=False):  # the task runs below, as a worker would run it
        response = client.post(reverse("labs:start", args=[lab.slug]), **headers)
    assert response.status_code == 302, response.content[:300]
    run = LabRun.objects.filter(lab_uuid=lab.uuid).latest("created_at")
    translation.deactivate()  # the worker's own language is not the student's
    tasks.run_lab(run.pk)
    run.refresh_from_db()
    return run


@pytest.mark.cluster
@pytest.mark.django_db
def test_a_lab_start_that_fails_says_why_in_the_students_language(
    alice_client, bob, client, no_volumes, django_capture_on_commit_callbacks
):
    lab = make_lab(START + "---\n" + VOLUME)
    run = start(alice_client, lab, SPANISH, django_capture_on_commit_callbacks)
    assert (run.language, run.status) == ("es", LabRun.Status.ERROR)
    assert run.error == (
        "El clúster se negó: este laboratorio necesita un PersistentVolume, que el tutor no "
        "puede crear en este clúster (un operador lo permite con "
        "deploy/optional/rbac-volumes.yaml). Pregunta a tu instructor."
    )

    client.force_login(bob)
    run = start(client, lab, ENGLISH, django_capture_on_commit_callbacks)
    assert (run.language, run.status) == ("en", LabRun.Status.ERROR)
    assert run.error == (
        "The cluster refused: this lab needs a PersistentVolume, which the tutor may not "
        "create on this cluster (an operator allows it with "
        "deploy/optional/rbac-volumes.yaml). Ask your instructor."
    )


@pytest.mark.django_db
def test_a_lab_start_whose_cluster_never_answers_says_so_in_the_students_language(
    alice, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The last try (no retry left) records the failure; nothing listens on port 1."""
    config = token_kubeconfig(
        server="https://127.0.0.1:1", token="t", ca_data=None, namespace="labs",
        cluster="gone", user="me", context="gone",
    )  # fmt: skip
    path = tmp_path / "gone.yaml"
    path.write_text(yaml.safe_dump(config))
    settings.TUTOR_KUBECONFIG, settings.TUTOR_KUBE_CONTEXT = str(path), "gone"
    settings.TUTOR_MODE, settings.TUTOR_LAB_NAMESPACE = "local", "labs"
    lab = make_lab()
    errors = {}
    for language in ("es", "en"):
        with translation.override(language), django_capture_on_commit_callbacks(execute=False):
            run = services.lab_start(workspace_for(alice), lab)
        tasks.run_lab.apply(args=[run.pk], retries=tasks.run_lab.max_retries)
        run.refresh_from_db()
        assert (run.language, run.status) == (language, LabRun.Status.ERROR)
        errors[language] = run.error
    assert errors["es"].startswith("El clúster no respondió (") and errors["es"].endswith(
        "). ¿Está en marcha? Inténtalo de nuevo en un momento."
    ), errors["es"]
    assert errors["en"].startswith("The cluster did not answer (") and errors["en"].endswith(
        "). Is it running? Try again in a moment."
    ), errors["en"]


# --- a class's namespaces -----------------------------------------------------------------


def cleanup(language: str, users: list[User]) -> NamespaceRun:
    with translation.override(language):
        run = services.namespace_run_start(
            action=NamespaceRun.Action.CLEANUP, scope="test:language", users=users,
            skipped=[("erin", "kept")],
        )  # fmt: skip
    tasks.run_namespaces(run.pk)
    run.refresh_from_db()
    return run


@pytest.mark.cluster
@pytest.mark.django_db
def test_a_clean_up_tells_the_instructor_why_in_their_language(
    classroom_mode, namespace, alice, bob, django_user_model, django_capture_on_commit_callbacks
):
    # alice's row names a namespace the tutor did not make; bob has none; dave left.
    StudentNamespace.objects.create(user=alice, namespace=namespace, cluster_server="")
    dave = django_user_model.objects.create_user("dave", password="x", is_active=False)
    try:
        with django_capture_on_commit_callbacks(execute=False):
            spanish = cleanup("es", [alice, bob, dave])
            english = cleanup("en", [alice, bob, dave])
    finally:
        StudentNamespace.objects.filter(user=alice).delete()  # not the fixture's to delete
    assert spanish.language == "es" and spanish.is_finished
    assert dict(spanish.failed) == {
        "alice": f"rechazado: el espacio de nombres {namespace} no tiene la etiqueta de este "
        "estudiante (lfs158-tutor/student), así que no lo creó el tutor",
        "bob": "ningún espacio de nombres que limpiar",
    }
    assert spanish.skipped == [["erin", "kept"], ["dave", "la cuenta está desactivada"]]
    assert english.language == "en" and english.is_finished
    assert dict(english.failed) == {
        "alice": f"refused: the namespace {namespace} is not labelled as this student's "
        "(lfs158-tutor/student), so the tutor did not create it",
        "bob": "no namespace to clean up",
    }
    assert english.skipped == [["erin", "kept"], ["dave", "the account is deactivated"]]
    # The summary is made when the page is shown: in the reader's language.
    with translation.override("es"):
        assert spanish.summary() == (
            "Espacios de nombres limpiados: 0 de 4; omitidos 2 "
            "(erin: kept; dave: la cuenta está desactivada)."
        )
    with translation.override("en"):
        assert english.summary() == (
            "Namespaces cleaned up: 0 of 4; skipped 2 "
            "(erin: kept; dave: the account is deactivated)."
        )


@pytest.mark.django_db
def test_a_run_that_cannot_reach_the_cluster_says_so_in_the_instructors_language(
    settings, alice, tmp_path, django_capture_on_commit_callbacks
):
    """The tutor's kubeconfig names no such context: connecting fails before any student."""
    path = tmp_path / "tutor.yaml"
    path.write_text(yaml.safe_dump(own_kubeconfig()))
    settings.TUTOR_MODE = "classroom"
    settings.TUTOR_KUBECONFIG, settings.TUTOR_KUBE_CONTEXT = str(path), "no-such-context"
    with django_capture_on_commit_callbacks(execute=False):
        spanish = cleanup("es", [alice])
        english = cleanup("en", [alice])
    assert dict(spanish.failed)["alice"].startswith("no se pudo conectar con el clúster del aula: ")
    assert dict(english.failed)["alice"].startswith("could not reach the classroom cluster: ")


# --- a student's own cluster --------------------------------------------------------------


@pytest.mark.django_db
def test_the_connection_test_answers_in_the_language_of_who_asked(
    alice_client, alice, enabled, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = alice_client.post("/labs/my-cluster/", {"kubeconfig": own_kubeconfig()}, **SPANISH)  # fmt: skip
    assert response.status_code == 302
    saved = StudentCluster.objects.get(user=alice)
    assert saved.test_language == "es" and saved.test_pending
    # Meanwhile the operator narrowed the allow-list: the worker checks it again.
    settings.TUTOR_STUDENT_CLUSTER_ALLOWED = ["k8s.school.edu"]
    translation.deactivate()
    tasks.test_student_cluster(saved.pk)
    saved.refresh_from_db()
    assert saved.problem == (
        "rechazado: 127.0.0.1:1 no está en la lista de servidores de clúster permitidos "
        "(una entrada sin puerto permite 443 y 6443)"
    )
    page = alice_client.get("/labs/my-cluster/", **SPANISH).content.decode()
    assert "no está en la lista de servidores de clúster permitidos" in page

    with django_capture_on_commit_callbacks(execute=False):
        response = alice_client.post(reverse("workspaces:my_cluster_test"), **ENGLISH)
    assert response.status_code == 302
    translation.deactivate()
    tasks.test_student_cluster(saved.pk)
    saved.refresh_from_db()
    assert saved.test_language == "en"
    assert saved.problem == (
        "refused: 127.0.0.1:1 is not on the allow-list of cluster servers "
        "(an entry without a port allows 443 and 6443)"
    )

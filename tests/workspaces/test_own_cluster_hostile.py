"""A student's own cluster: hostile kubeconfigs get a clear error, slow servers never hold a web request.

The kubeconfig is read by the tutor's one YAML loader (budget: size, aliases,
depth, numbers, NUL) and checked for a kubeconfig's shape; saving never waits
for the network: a worker on the untrusted queue tests the connection with a
deadline, and the page polls for the result.
"""

from __future__ import annotations

import time

import pytest
import yaml
from django.urls import reverse

from kube import BadKubeconfig
from tests.kube.test_poison_clusters import drip, serve_raw
from workspaces import own_cluster, tasks
from workspaces.models import StudentCluster

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120)]
PAGE = "/labs/my-cluster/"


def kubeconfig(**changes: object) -> dict:
    config: dict = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kind", "cluster": {"server": "https://127.0.0.1:6443"}}],
        "users": [{"name": "me", "user": {"token": "t0ken"}}],
        "contexts": [{"name": "lab", "context": {"cluster": "kind", "user": "me"}}],
        "current-context": "lab",
    }
    config.update(changes)
    return config


def text(config: dict) -> str:
    return yaml.safe_dump(config)


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)

HOSTILE = [
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ("clusters: [" * 60 + "]" * 60, "not valid YAML"),
    ("clusters: []\ncurrent-context: " + "9" * 5000 + "\n", "too long"),
    ("clusters: []\nx: 0x" + "f" * 4000 + "\n", "too long"),
    ('clusters: []\ncurrent-context: "a\\0b"\n', "NUL"),
    (BOMB, "expands to more than"),
    (text(kubeconfig(**{"current-context": ["lab"]})), "`current-context` must be a name, not a list"),
    (text(kubeconfig(contexts=[{"name": ["lab"], "context": {}}])), "`contexts[0].name` must be a name"),
    (text(kubeconfig(contexts=[{"name": "lab", "context": {"cluster": ["kind"]}}])),
     "`contexts[0].context.cluster` must be text"),
    (text(kubeconfig(contexts=[{"name": "lab", "context": {"cluster": "kind", "user": {"a": 1}}}])),
     "`contexts[0].context.user` must be text"),
    (text(kubeconfig(users=[{"name": "me", "user": ["token"]}])), "`users[0].user` must be a mapping"),
    (text(kubeconfig(clusters=[{"name": {"x": 1}, "cluster": {}}])), "`clusters[0].name` must be a name"),
    (text(kubeconfig(clusters=[{"name": "kind", "cluster": {"server": 6443}}])),
     "`clusters[0].cluster.server` must be text"),
    (text(kubeconfig(contexts="lab")), "`contexts` must be a list"),
    ("# " + "x" * (64 * 1024) + "\n" + text(kubeconfig()), "larger than 64 KiB"),
    ("é" * (33 * 1024), "larger than 64 KiB"),  # 33 Ki characters, 66 KiB
]  # fmt: skip


@pytest.mark.parametrize("hostile, message", HOSTILE)
def test_hostile_kubeconfigs_are_refused_clearly(hostile, message):
    started = time.process_time()
    with pytest.raises(BadKubeconfig) as caught:
        own_cluster.student_kubeconfig_read(hostile)
    assert message in str(caught.value), str(caught.value)
    assert time.process_time() - started < 0.5


@pytest.fixture
def enabled(settings, db):  # type: ignore[no-untyped-def]
    settings.TUTOR_STUDENT_CLUSTERS = True
    settings.TUTOR_STUDENT_CLUSTER_ALLOWED = ["127.0.0.1:6443"]


@pytest.mark.parametrize("hostile, message", HOSTILE)
def test_the_page_answers_hostile_kubeconfigs_with_the_reason(alice_client, enabled, hostile, message):  # fmt: skip
    response = alice_client.post(PAGE, {"kubeconfig": hostile})
    assert response.status_code == 400
    assert message.replace("`", "") in response.content.decode().replace("`", "").replace(
        "&#x27;", "'"
    )
    assert not StudentCluster.objects.exists()


@pytest.fixture
def dripping_server(tls_pair, settings):  # type: ignore[no-untyped-def]
    for port in serve_raw(
        lambda conn: drip(conn, b"HTTP/1.1 200 OK\r\nX: " + b"a" * 500, 0.5), None
    ):
        settings.TUTOR_STUDENT_CLUSTER_ALLOWED = [f"127.0.0.1:{port}"]
        yield port


@pytest.fixture
def tls_pair(tmp_path):  # type: ignore[no-untyped-def]
    from tests.kube.test_untrusted_clusters import self_signed

    return self_signed(tmp_path)


def test_saving_never_waits_for_the_server_and_a_worker_tests_it_within_a_deadline(
    alice_client, alice, enabled, dripping_server, monkeypatch, django_capture_on_commit_callbacks
):
    config = kubeconfig(
        clusters=[{"name": "kind", "cluster": {"server": f"https://127.0.0.1:{dripping_server}"}}]
    )
    queued: list[tuple] = []
    monkeypatch.setattr(
        tasks.test_student_cluster,
        "apply_async",
        lambda args, **options: queued.append((args, options)),
    )
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(PAGE, {"kubeconfig": text(config)})
    assert response.status_code == 302
    assert time.monotonic() - started < 2  # a web request: no connection to the server
    saved = StudentCluster.objects.get(user=alice)
    assert saved.test_pending and saved.checked_at is None
    # Sent to the untrusted clusters' queue, not the class's workers.
    assert queued == [((saved.pk,), {"queue": "student-clusters"})]
    page = alice_client.get(PAGE).content.decode()
    assert "testing the connection" in page and 'hx-trigger="every 2s"' in page
    polled = alice_client.get(PAGE + "?part=test", HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and "testing the connection" in polled.content.decode()

    # The worker's task, here: the whole test ends within its deadline.
    monkeypatch.setattr(own_cluster, "TEST_SECONDS", 2.0)
    started = time.monotonic()
    tasks.test_student_cluster(saved.pk)
    assert time.monotonic() - started < 5
    saved.refresh_from_db()
    assert not saved.test_pending and "did not finish answering" in saved.problem
    polled = alice_client.get(PAGE + "?part=test", HTTP_HX_REQUEST="true")
    assert polled.status_code == 286  # htmx stops polling
    assert "did not finish answering" in polled.content.decode()


def test_asking_for_a_test_again_goes_to_the_worker(alice_client, alice, enabled, monkeypatch, django_capture_on_commit_callbacks):  # fmt: skip
    alice_client.post(PAGE, {"kubeconfig": text(kubeconfig())})
    queued: list[tuple] = []
    monkeypatch.setattr(
        tasks.test_student_cluster, "apply_async", lambda args, **o: queued.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("workspaces:my_cluster_test"))
    assert response.status_code == 302 and len(queued) == 1
    assert StudentCluster.objects.get(user=alice).test_pending

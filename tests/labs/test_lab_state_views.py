"""The lab page's start and reset: what it offers, what a click records, the confirmation.

No cluster here: the views only record a LabRun and enqueue it (the worker's
side is tests/workspaces/test_lab_runs.py).
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse
from django.utils.html import escape

from labs.footprint import lab_footprint
from labs.models import Lab
from lessons.models import Chapter
from tests.labs.start_state_fixtures import CHECKS, START, lab_data
from workspaces.models import LabRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken_lab() -> Lab:
    return Lab.objects.create(
        uuid=uuid.uuid4(), chapter=Chapter.objects.order_by("number").first(),
        slug=f"broken-{uuid.uuid4().hex[:6]}", title="Broken web", estimated_minutes=10,
        kubernetes_versions=["1.35"], instructions_html="<p>Fix it.</p>", checks=CHECKS,
        troubleshooting=True, start_state=START, footprint=lab_footprint(lab_data()),
        objectives=[1], content_hash="x",
    )  # fmt: skip


@pytest.fixture(autouse=True)
def no_cluster_status(monkeypatch):  # type: ignore[no-untyped-def]
    """The page's cluster status line is another test's business: no cluster call here."""
    monkeypatch.setattr("labs.views.tutor_cluster.cluster_status", lambda: None)


def url(name: str, lab: Lab) -> str:
    return reverse(f"labs:{name}", kwargs={"slug": lab.slug})


def test_it_offers_to_start_a_lab_that_starts_broken(alice_client, broken_lab):
    page = alice_client.get(broken_lab.get_absolute_url()).content.decode()
    assert "This lab starts broken" in page
    assert "<code>Deployment web</code>" in page and "<code>Service web</code>" in page
    assert f'action="{url("start", broken_lab)}"' in page
    assert re.search(r'<button type="submit" class="button primary">Start the lab</button>', page)
    assert f'href="{url("reset", broken_lab)}"' in page
    # What it practises: the chapter's first objective, in the chapter's words.
    assert escape(broken_lab.chapter.objectives[0]) in page
    assert "Not started yet" in page


def test_a_visitor_sees_what_the_lab_creates_but_no_buttons(client, broken_lab):
    page = client.get(broken_lab.get_absolute_url()).content.decode()
    assert "This lab starts broken" in page
    assert url("start", broken_lab) not in page and url("reset", broken_lab) not in page
    assert client.post(url("start", broken_lab)).status_code == 302
    assert not LabRun.objects.exists()


def test_start_records_a_run_and_the_panel_polls_until_it_is_done(alice, alice_client, broken_lab, django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks() as enqueued:
        response = alice_client.post(url("start", broken_lab), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and len(enqueued) == 1
    [run] = LabRun.objects.filter(user=alice)
    assert (run.action, run.status, run.lab_uuid) == ("start", "queued", broken_lab.uuid)
    panel = response.content.decode()
    assert 'id="lab-state"' in panel and f'hx-get="{url("state", broken_lab)}"' in panel
    assert "Waiting for a worker" in panel

    LabRun.objects.filter(pk=run.pk).update(
        status="done", created=["Deployment web", "Service web"]
    )
    done = alice_client.get(url("state", broken_lab), HTTP_HX_REQUEST="true")
    assert done.status_code == 286  # htmx stops polling
    assert "created Deployment web, Service web" in done.content.decode()
    assert "hx-get" not in done.content.decode()


def test_without_htmx_start_and_state_lead_back_to_the_lab(alice_client, broken_lab):
    response = alice_client.post(url("start", broken_lab))
    assert response.status_code == 302 and response["Location"].endswith("#lab-state")
    assert alice_client.get(url("state", broken_lab)).status_code == 302


def test_the_reset_asks_first_and_says_what_it_deletes(alice_client, broken_lab, settings):
    settings.TUTOR_LAB_NAMESPACE = "practice"
    page = alice_client.get(url("reset", broken_lab)).content.decode()
    assert "Reset your workspace for this lab?" in page and "<code>practice</code>" in page
    for item in ("Deployment web", "Service web"):
        assert f"<code>{item}</code>" in page
    assert (
        'method="post"' in page
        and '<button type="submit" class="button danger">Yes, delete them</button>' in page
    )
    assert f'href="{broken_lab.get_absolute_url()}">Cancel, keep my work</a>' in page
    assert not LabRun.objects.exists()


def test_confirming_records_a_reset(
    alice, alice_client, broken_lab, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as enqueued:
        response = alice_client.post(url("reset", broken_lab), follow=True)
    [run] = LabRun.objects.filter(user=alice)
    assert run.action == "reset" and len(enqueued) == 1
    assert run.footprint == broken_lab.footprint and run.start_state == START
    assert "Resetting the lab" in response.content.decode()


def test_a_lab_without_a_start_state_can_be_reset_but_not_started(alice_client, broken_lab):
    Lab.objects.filter(pk=broken_lab.pk).update(start_state="", troubleshooting=False)
    page = alice_client.get(broken_lab.get_absolute_url()).content.decode()
    assert "Start over" in page and url("start", broken_lab) not in page
    alice_client.post(url("start", broken_lab))
    assert not LabRun.objects.exists()


def test_an_unknown_lab_is_a_404(alice_client):
    for name in ("start", "reset", "state"):
        path = reverse(f"labs:{name}", kwargs={"slug": "no-such-lab"})
        response = alice_client.post(path) if name == "start" else alice_client.get(path)
        assert response.status_code == 404

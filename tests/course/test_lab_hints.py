"""Every check of the real labs teaches: a section of its chapter, and a full hint ladder."""

from __future__ import annotations

import pytest

from labs import hints
from labs.models import HintRung, Lab

pytestmark = pytest.mark.django_db


def test_every_check_links_to_its_chapter_and_has_every_rung(real_course):
    labs = list(Lab.objects.filter(is_published=True).select_related("chapter"))
    assert len(labs) >= 10
    for lab in labs:
        anchors = {h["anchor"] for h in lab.chapter.toc}
        for check in lab.checks:
            where = f"{lab.slug}/{check['id']}"
            assert check.get("section") in anchors, where
            assert hints.rungs_of(lab, check["id"]) == list(HintRung), where
            assert all(
                lab.hints[check["id"]][rung].strip() for rung in ("nudge", "concept", "solution")
            ), where


def test_every_lab_page_shows_its_checks_with_sections_and_hints(
    real_course, alice_client, settings, tmp_path
):
    # A tutor without a cluster: the page is all about reading, hints included.
    settings.TUTOR_KUBECONFIG = str(tmp_path / "none")
    (tmp_path / "none").write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
    )
    for lab in Lab.objects.filter(is_published=True):
        body = alice_client.get(lab.get_absolute_url()).content.decode()
        assert body.count("Need a hint?") == len(lab.checks), lab.slug
        assert body.count('class="section-link small"') == len(lab.checks), lab.slug

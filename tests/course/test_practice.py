"""The real course's practice: enough labs, troubleshooting labs that start broken, images that exist.

No cluster here: tests/course/test_labs.py plays every lab on one
(solution, alternatives, mistakes, start states).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from labs.footprint import documents
from tests.conftest import REAL_COURSE
from tutor.content.registry import check_content

# Official Docker library images (no registry, no namespace) and the Kubernetes
# project's registry: images that exist today on a public registry.
# `docker.io/library/nginx` is `nginx` written in full (alternatives use both on purpose).
ALLOWED_IMAGE = re.compile(
    r"^(registry\.k8s\.io/[a-z0-9./-]+|(docker\.io/library/)?[a-z0-9]+(?:[._-][a-z0-9]+)*):[A-Za-z0-9._-]+$"
)
# The labs written for practice (the course's first ten are CONTENT-REVIEW's business).
PRACTICE_LABS = {
    "api-access", "rollout-rollback", "fix-rolebinding", "serviceaccount-least-privilege",
    "service-no-endpoints", "pending-pods", "static-pv", "missing-config-key", "secret-volume",
    "ingress-routes-nowhere", "ingress-tls", "autoscale", "cronjob", "stuck-rollout",
}  # fmt: skip


@pytest.fixture(scope="module")
def labs() -> list[Any]:
    report = check_content(REAL_COURSE)
    assert report.ok, report.errors
    return list(report.sources["labs"])


def test_the_course_has_at_least_22_labs_across_chapters_6_to_15(labs):
    assert len(labs) >= 22
    assert {lab.chapter_number for lab in labs} >= set(range(6, 16))


def test_at_least_six_troubleshooting_labs_start_broken(labs):
    broken = [lab for lab in labs if lab.front.get("troubleshooting")]
    assert len(broken) >= 6
    assert all(lab.start_state for lab in broken)
    assert check_content(REAL_COURSE).counts["labs_with_start_state"] >= 6


def test_the_new_labs_carry_objectives_alternatives_and_mistakes(labs):
    written = [lab for lab in labs if lab.slug in PRACTICE_LABS]
    assert len(written) == 14
    for lab in written:
        assert len(lab.front.get("alternatives") or []) >= 3, lab.slug
        assert len(lab.front["mistakes"]) >= 3, lab.slug
        assert all(c.hint for c in lab.checks), lab.slug


def test_the_gap_topics_each_have_a_lab(labs):
    kinds = {
        (doc.get("apiVersion"), doc.get("kind"))
        for lab in labs
        for text in [lab.front["solution"]["manifests"], lab.start_state]
        for doc in documents(text)
    }
    assert ("autoscaling/v2", "HorizontalPodAutoscaler") in kinds
    assert ("batch/v1", "CronJob") in kinds
    assert ("v1", "PersistentVolume") in kinds
    tls = [
        lab
        for lab in labs
        if any(c.assertion == "resolves" and "tls" in c.compiled for c in lab.checks)
    ]
    assert tls, "no lab checks an Ingress's TLS certificate"
    answers = [lab for lab in labs if any(c.assertion == "answer" for c in lab.checks)]
    assert any(lab.chapter_number == 6 for lab in answers), (
        "chapter 6 records answers checked against the API"
    )


def images(text: str | None) -> set[str]:
    found = set()
    for doc in documents(text):
        found |= set(re.findall(r"'image': '([^']+)'", str(doc)))
    return found


def test_the_new_labs_use_tagged_images_of_public_registries(labs):
    # The older labs' images (rsvpapp, hello-app) are CONTENT-REVIEW section 7's business.
    used: set[str] = set()
    for lab in (lab for lab in labs if lab.slug in PRACTICE_LABS):
        plays = [lab.front.get("start_state") or {}, lab.front["solution"], *(lab.front.get("alternatives") or []), *lab.front["mistakes"]]  # fmt: skip
        for play in plays:
            used |= images(play.get("manifests"))
            for step in play.get("steps") or []:
                used |= images(step.get("apply"))
    assert used
    strange = sorted(i for i in used if not ALLOWED_IMAGE.match(i) or i.endswith(":latest"))
    assert strange == []

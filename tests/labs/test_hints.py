"""Hint ladders: the lab files' keys, climbing one rung at a time, recorded reveals, the class switch.

No cluster: the ladder needs none. Lab rows are made here; the loader tests
use a fixture course written to a temporary folder.
"""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import User

from classes import services as class_services
from classes.gradebook import gradebook_csv, gradebook_for, gradebook_json
from labs import hints
from labs.content import read_labs
from labs.models import HintRung, HintStep, Lab
from lessons.content import read_chapters
from lessons.models import Chapter
from tests.labs.lab_fixtures import lab_root

pytestmark = pytest.mark.django_db

CHECKS: list[dict[str, Any]] = [
    {"id": "web-exists", "title": "The Deployment web exists", "select": {"kind": "Deployment", "name": "web"},
     "count": {"equals": 1}, "hint": "Did you name it `web`?", "section": "deployments",
     "ladder": {"concept": "A Deployment keeps Pods running.", "solution": "`kubectl create deployment web --image=nginx`"}},
    {"id": "svc", "title": "The Service web exists", "select": {"kind": "Service", "name": "web"},
     "count": {"equals": 1}},
]  # fmt: skip


def make_lab(checks: list[dict[str, Any]] | None = None) -> Lab:
    """A lab row as load_content writes it (its ladders rendered), in the course's first chapter."""
    from labs.content import ladder_html

    checks = checks or CHECKS
    chapter = Chapter.objects.order_by("number").first()
    chapter.toc = [*chapter.toc, {"level": 2, "anchor": "deployments", "title": "Deployments"}]
    chapter.save(update_fields=["toc"])
    return Lab.objects.create(
        uuid=uuid.uuid4(), chapter=chapter, slug=f"hint-lab-{uuid.uuid4().hex[:8]}",
        title="Hint lab", estimated_minutes=10, kubernetes_versions=["1.35"],
        instructions_html="<p>Do it.</p>", checks=checks,
        hints={c["id"]: ladder_html(c) for c in checks}, content_hash="x",
    )  # fmt: skip


# --- the ladder -----------------------------------------------------------------------------


def test_it_offers_the_rungs_a_check_has_in_order():
    lab = make_lab()
    assert hints.rungs_of(lab, "web-exists") == [
        HintRung.NUDGE, HintRung.CONCEPT, HintRung.COMPARE, HintRung.SOLUTION,
    ]  # fmt: skip
    # A check with no hint, section or solution still compares with the namespace.
    assert hints.rungs_of(lab, "svc") == [HintRung.COMPARE]


def test_the_nudge_falls_back_to_the_checks_hint():
    lab = make_lab()
    assert lab.hints["web-exists"]["nudge"] == "<p>Did you name it <code>web</code>?</p>\n"
    assert "kubectl create deployment web" in lab.hints["web-exists"]["solution"]


def test_a_student_climbs_one_rung_at_a_time(alice: User):
    lab = make_lab()
    with pytest.raises(hints.HintError, match="first"):
        hints.hint_climb(user=alice, lab=lab, check_id="web-exists", rung=HintRung.CONCEPT)
    for rung in (HintRung.NUDGE, HintRung.CONCEPT, HintRung.COMPARE):
        hints.hint_climb(user=alice, lab=lab, check_id="web-exists", rung=rung)
    # The same rung again (a double click, a reload) records nothing new.
    hints.hint_climb(user=alice, lab=lab, check_id="web-exists", rung=HintRung.NUDGE)
    assert hints.rungs_reached(user=alice, lab=lab) == {"web-exists": HintRung.COMPARE}
    assert HintStep.objects.filter(user=alice, lab=lab).count() == 3


def test_it_refuses_what_does_not_exist(alice: User):
    lab = make_lab()
    with pytest.raises(hints.HintError, match="no such check"):
        hints.hint_climb(user=alice, lab=lab, check_id="nope", rung=1)
    with pytest.raises(hints.HintError, match="no such hint"):
        hints.hint_climb(user=alice, lab=lab, check_id="web-exists", rung=9)
    with pytest.raises(hints.HintError, match="This check has no such hint"):
        hints.hint_climb(user=alice, lab=lab, check_id="svc", rung=HintRung.SOLUTION)
    assert not HintStep.objects.exists()


def test_revealing_a_solution_is_recorded_with_who_when_and_which_check(alice: User):
    lab = make_lab()
    for rung in hints.rungs_of(lab, "web-exists"):
        step = hints.hint_climb(user=alice, lab=lab, check_id="web-exists", rung=rung)
    assert (step.user, step.lab, step.check_id, step.rung) == (
        alice,
        lab,
        "web-exists",
        HintRung.SOLUTION,
    )
    assert step.created_at is not None


# --- the class switch ------------------------------------------------------------------------


def climb_to_solution(user: User, lab: Lab) -> HintStep:
    for rung in hints.rungs_of(lab, "web-exists")[:-1]:
        hints.hint_climb(user=user, lab=lab, check_id="web-exists", rung=rung)
    return hints.hint_climb(user=user, lab=lab, check_id="web-exists", rung=HintRung.SOLUTION)


def test_a_class_that_turned_solutions_off_refuses_the_reveal(alice: User, carol: User):
    cohort = class_services.cohort_create(name="Kubernetes 101", instructor=carol)
    class_services.cohort_join(user=alice, code=cohort.join_code)
    class_services.cohort_lab_solutions_set(cohort=cohort, hidden=True)
    lab = make_lab()
    with pytest.raises(
        hints.RevealRefused, match="turned off lab solutions for the class “Kubernetes 101”"
    ):
        climb_to_solution(alice, lab)
    assert not HintStep.objects.filter(rung=HintRung.SOLUTION).exists()
    # The class ends: its setting no longer holds the student back.
    class_services.cohort_end(cohort=cohort)
    climb_to_solution(alice, lab)


def test_a_student_in_two_classes_may_not_reveal_when_either_turned_it_off(
    alice: User, carol: User
):
    open_one = class_services.cohort_create(name="Open", instructor=carol)
    strict = class_services.cohort_create(name="Strict", instructor=carol)
    for cohort in (open_one, strict):
        class_services.cohort_join(user=alice, code=cohort.join_code)
    class_services.cohort_lab_solutions_set(cohort=strict, hidden=True)
    assert (
        hints.reveal_refused(alice)
        == "Your instructor turned off lab solutions for the class “Strict”."
    )
    class_services.cohort_lab_solutions_set(cohort=strict, hidden=False)
    assert hints.reveal_refused(alice) is None


def test_the_gradebook_shows_who_revealed_which_solution(alice: User, bob: User, carol: User):
    cohort = class_services.cohort_create(name="Kubernetes 101", instructor=carol)
    for student in (alice, bob):
        class_services.cohort_join(user=student, code=cohort.join_code)
    lab = make_lab()
    climb_to_solution(alice, lab)
    hints.hint_climb(user=bob, lab=lab, check_id="web-exists", rung=HintRung.NUDGE)
    book = gradebook_for(cohort=cohort)
    cells = {row.user.username: row.labs.get(lab.pk) for row in book.rows}
    assert cells["alice"].solutions_revealed == ["web-exists"]
    assert cells["bob"] is None  # a nudge is not in the gradebook; the student's page lists it
    rows = {r["username"]: r for r in csv.DictReader(io.StringIO(gradebook_csv(book)))}
    assert rows["alice"][f"lab_{lab.slug}_solutions_revealed"] == "1"
    assert rows["bob"][f"lab_{lab.slug}_solutions_revealed"] == "0"
    students = {s["username"]: s for s in gradebook_json(book)["students"]}
    assert students["alice"]["labs"][lab.slug]["solutions_revealed"] == ["web-exists"]


# --- the pages ----------------------------------------------------------------------------------


def test_the_hint_button_climbs_and_the_page_keeps_the_ladder(client, alice: User):
    lab = make_lab()
    client.force_login(alice)
    url = f"/labs/{lab.slug}/checks/web-exists/hint"
    response = client.post(url, {"rung": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="ladder" id="ladder-web-exists">')
    assert "Did you name it <code>web</code>?" in body and "Next hint: the idea behind it" in body
    client.post(url, {"rung": "2"}, headers={"HX-Request": "true"})
    page = client.get(f"/labs/{lab.slug}/").content.decode()
    assert "A Deployment keeps Pods running." in page
    assert f'href="{lab.chapter.get_absolute_url()}#deployments"' in page
    # Without JavaScript the same form posts and comes back to the check.
    response = client.post(url, {"rung": "3"})
    assert response.status_code == 302 and response["Location"].endswith(
        f"/labs/{lab.slug}/#check-web-exists"
    )


def test_a_refused_reveal_says_why_and_records_nothing(client, alice: User, carol: User):
    cohort = class_services.cohort_create(name="Strict", instructor=carol)
    class_services.cohort_join(user=alice, code=cohort.join_code)
    lab = make_lab()
    for rung in (1, 2, 3):
        hints.hint_climb(user=alice, lab=lab, check_id="web-exists", rung=rung)
    client.force_login(alice)
    page = client.get(f"/labs/{lab.slug}/").content.decode()
    assert "Next hint: the solution" in page  # allowed so far
    class_services.cohort_lab_solutions_set(cohort=cohort, hidden=True)
    page = client.get(f"/labs/{lab.slug}/").content.decode()
    assert "Next hint: the solution" not in page and "turned off lab solutions" in page
    url = f"/labs/{lab.slug}/checks/web-exists/hint"
    response = client.post(url, {"rung": "4"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "turned off lab solutions" in response.content.decode()
    response = client.post(url, {"rung": "4"}, follow=True)
    assert "turned off lab solutions" in response.content.decode()
    assert not HintStep.objects.filter(rung=HintRung.SOLUTION).exists()


def test_bad_hint_requests_get_a_clear_answer(client, alice: User):
    lab = make_lab()
    client.force_login(alice)
    base = f"/labs/{lab.slug}/checks"
    assert client.post(f"{base}/web-exists/hint", {"rung": "x"}).status_code == 400
    assert client.post(f"{base}/web-exists/hint", {}).status_code == 400
    answer = client.post(f"{base}/no-such/hint", {"rung": "1"})
    assert answer.status_code == 400 and b"no such check" in answer.content
    assert client.post(f"{base}/web-exists/hint", {"rung": "4"}).status_code == 400  # skips rungs
    assert client.get(f"{base}/web-exists/hint").status_code == 405
    assert client.post("/labs/no-such-lab/checks/web-exists/hint", {"rung": "1"}).status_code == 404
    client.logout()
    assert client.post(f"{base}/web-exists/hint", {"rung": "1"}).status_code == 302  # to the login


def test_the_instructor_turns_solutions_off_for_their_class_only(
    client, alice: User, carol: User, django_user_model
):
    cohort = class_services.cohort_create(name="Kubernetes 101", instructor=carol)
    url = f"/instructor/classes/{cohort.pk}/lab-solutions"
    client.force_login(alice)
    assert client.post(url, {"solutions": "off"}).status_code == 403
    other = django_user_model.objects.create_user("dave", password="correct-horse-4")
    other.groups.add(carol.groups.first())
    client.force_login(other)
    assert client.post(url, {"solutions": "off"}).status_code == 404
    client.force_login(carol)
    assert client.post(url, {"solutions": "maybe"}).status_code == 302
    cohort.refresh_from_db()
    assert cohort.lab_solutions_hidden is False
    response = client.post(url, {"solutions": "off"}, follow=True)
    cohort.refresh_from_db()
    assert cohort.lab_solutions_hidden is True
    assert "can no longer reveal lab solutions" in response.content.decode()
    assert "Let students reveal solutions" in response.content.decode()


def test_the_student_page_lists_the_hints_opened(client, alice: User, carol: User):
    cohort = class_services.cohort_create(name="Kubernetes 101", instructor=carol)
    class_services.cohort_join(user=alice, code=cohort.join_code)
    lab = make_lab()
    climb_to_solution(alice, lab)
    client.force_login(carol)
    page = client.get(f"/instructor/classes/{cohort.pk}/students/{alice.pk}/").content.decode()
    assert page.count("Solution revealed") == 1 and "A nudge" in page
    book = client.get(f"/instructor/classes/{cohort.pk}/").content.decode()
    assert "1 solution revealed" in book


# --- the lab files ----------------------------------------------------------------------------


def lab_errors(root: Path, change) -> list[str]:  # type: ignore[no-untyped-def]
    path = root / "chapters" / "01-demo" / "labs" / "demo" / "lab.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    chapters = read_chapters(root).chapters
    return [str(e) for e in read_labs(root, chapters).errors]


def test_a_check_links_only_to_a_heading_of_its_chapter(tmp_path):
    root = lab_root(tmp_path)
    assert lab_errors(root, lambda d: d["checks"][0].update({"section": "first-section"})) == []
    [error] = lab_errors(root, lambda d: d["checks"][0].update({"section": "first-sectoin"}))
    assert (
        "check deployment: section 'first-sectoin' is not a heading anchor of the chapter" in error
    )
    assert "(did you mean 'first-section'?)" in error
    # At the line of the key (the 15th of the file as the fixture writes it).
    assert "/chapters/01-demo/labs/demo/lab.yaml:15: " in error


def test_ladder_keys_are_checked_by_the_schema(tmp_path):
    root = lab_root(tmp_path)
    ok = lab_errors(
        root,
        lambda d: d["checks"][0].update({"ladder": {"nudge": "Look at `kubectl get deploy`."}}),
    )
    assert ok == []
    [unknown] = lab_errors(root, lambda d: d["checks"][0].update({"ladder": {"answer": "x"}}))
    assert "answer" in unknown
    [empty] = lab_errors(root, lambda d: d["checks"][0].update({"ladder": {}}))
    assert "ladder" in empty

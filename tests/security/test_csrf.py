"""CSRF is enforced on every state-changing request, htmx ones included.

The test walks the URL resolver, so a view added later is covered without
anyone remembering to add it here: a URL with arguments this file cannot
fill fails the test until its sample arguments are added below. The admin
(Django's own) and the classes app (its own tests) are left out, and so is
the LMS integration: its protocol endpoints take cross-site POSTs from the
LMS by design (authenticated by the platform's signed JWTs, tested in
tests/lti/), and its instructor pages are checked in test_access_classroom.py.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from exams.models import Exam, ExamAttempt
from tests.security.conftest import Owned

pytestmark = pytest.mark.django_db


@dataclass
class Route:
    name: str
    pattern: str
    callback: Callable[..., Any]
    arguments: list[str]


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "")
            if module.startswith(("classes.", "lti.")):
                continue
            pattern = prefix + str(entry.pattern)
            yield Route(
                name=f"{namespace}{entry.name}",
                pattern=pattern,
                callback=entry.callback,
                arguments=re.findall(r"<(?:\w+:)?(\w+)>", pattern),
            )


def sample_kwargs(owned: Owned) -> dict[str, dict[str, Any]]:
    """Real objects for every URL that takes arguments (alice's, the logged-in user's)."""
    lab, exercise, quiz = owned.lab, owned.exercise, owned.quiz
    exam = Exam.objects.create(
        uuid=uuid.uuid4(), slug=f"csrf-{uuid.uuid4().hex[:8]}", title="An exam",
        duration_minutes=10, pass_mark=50, instructions_html="", content_hash="x",
    )  # fmt: skip
    exam_attempt = ExamAttempt.objects.create(
        user=owned.submission.user, exam=exam, where="local", namespace="lfs158-exam-x",
        duration_minutes=10,
    )  # fmt: skip
    chapter = exercise.chapter.slug
    question = owned.manifest_question or owned.question
    return {
        "labs:lab": {"slug": lab.slug},
        "labs:check": {"slug": lab.slug},
        "labs:reset": {"slug": lab.slug},
        "labs:submission": {"slug": lab.slug, "pk": owned.submission.pk},
        "labs:start": {"slug": lab.slug},
        "labs:state": {"slug": lab.slug},
        "labs:live": {"slug": lab.slug},
        "labs:hint": {"slug": lab.slug, "check_id": (lab.checks or [{"id": "a-check"}])[0]["id"]},
        "exercises:exercise": {"chapter": chapter, "slug": exercise.slug},
        "exercises:validate": {"chapter": chapter, "slug": exercise.slug},
        "exercises:submit": {"chapter": chapter, "slug": exercise.slug},
        "exercises:hint": {"chapter": chapter, "slug": exercise.slug},
        "exercises:attempt": {
            "chapter": chapter,
            "slug": exercise.slug,
            "attempt_id": owned.exercise_attempt.pk,
        },
        "workspaces:kubeconfig": {"namespace": "lfs158-alice-0000000000"},
        "quizzes:quiz": {"quiz_id": quiz.pk},
        "quizzes:start": {"quiz_id": quiz.pk},
        "quizzes:take": {"attempt_id": owned.open_attempt.pk},
        "quizzes:answer": {"attempt_id": owned.open_attempt.pk, "question_id": owned.question.pk},
        "quizzes:finish": {"attempt_id": owned.open_attempt.pk},
        "quizzes:review": {"attempt_id": owned.finished_attempt.pk},
        "quizzes:validate": {"question_id": question.pk},
        "review:answer": {"question_id": question.pk},
        "review:answered": {"review_id": 1},
        "instructor:quiz": {"quiz_id": quiz.pk},
        "instructor:publish": {"quiz_id": quiz.pk},
        "instructor:export": {"quiz_id": quiz.pk},
        "instructor:statistics": {"quiz_id": quiz.pk},
        "instructor:statistics_csv": {"quiz_id": quiz.pk},
        "instructor:question_new": {"quiz_id": quiz.pk},
        "instructor:preview": {"quiz_id": quiz.pk},
        "instructor:question": {"quiz_id": quiz.pk, "question_id": owned.question.pk},
        "instructor:question_preview": {"quiz_id": quiz.pk, "question_id": owned.question.pk},
        "instructor:question_publish": {"quiz_id": quiz.pk, "question_id": owned.question.pk},
        "instructor:question_check_new": {"quiz_id": quiz.pk},
        "instructor:question_form_new": {"quiz_id": quiz.pk},
        "instructor:question_check": {"quiz_id": quiz.pk, "question_id": owned.question.pk},
        "instructor:question_form": {"quiz_id": quiz.pk, "question_id": owned.question.pk},
        "exams:exam": {"slug": exam.slug},
        "exams:start": {"slug": exam.slug},
        "exams:attempt": {"pk": exam_attempt.pk},
        "exams:flag": {"pk": exam_attempt.pk},
        "exams:submit": {"pk": exam_attempt.pk},
        "exams:answer": {"pk": exam_attempt.pk},
        "accounts:time_zone": {},
        "chapter": {"slug": chapter},
        "objectives": {"slug": chapter},
        "next_step": {"slug": chapter},
        "lessons:done": {"slug": chapter},
        "lessons:asset": {"slug": chapter, "name": "diagram.svg"},
    }


def routes_with_urls(owned: Owned) -> list[tuple[Route, str]]:
    samples = sample_kwargs(owned)
    found = []
    missing = []
    for route in walk(get_resolver().url_patterns):
        kwargs = samples.get(route.name, {})
        if set(kwargs) != set(route.arguments):
            missing.append(f"{route.name} ({route.pattern})")
            continue
        found.append((route, reverse(route.name, kwargs=kwargs)))
    assert missing == [], f"add sample arguments for: {missing}"
    return found


def logged_in_client(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_token(client: Client) -> str:
    """The token exactly as a page gives it to htmx (hx-headers on <body>)."""
    page = client.get(reverse("home")).content.decode()
    match = re.search(r"<body[^>]*\shx-headers='([^']*)'", page)
    assert match, "the page has no hx-headers on <body>"
    return str(json.loads(match.group(1))["X-CSRFToken"])


def test_every_post_without_a_token_is_refused(owned, alice, superuser):  # type: ignore[no-untyped-def]
    routes = routes_with_urls(owned)
    # The probe: which views accept POST at all (a superuser with a valid token
    # gets anything but 405 from them).
    accepting = []
    for route, url in routes:
        client = logged_in_client(superuser)
        token = csrf_token(client)
        response = client.post(url, {}, HTTP_X_CSRFTOKEN=token)
        # With the token nothing is refused for CSRF (the superuser may do everything).
        assert response.status_code != 403, f"{route.name} refused a POST with its token"
        if response.status_code != 405:
            accepting.append((route, url))
    names = {route.name for route, _ in accepting}
    # The probe must have found the state-changing views we know of.
    known = {"login", "logout", "signup", "password_change", "labs:check", "exercises:submit",
             "exercises:hint", "quizzes:start", "quizzes:answer", "quizzes:finish",
             "lessons:done", "instructor:publish", "instructor:question_publish",
             "instructor:create", "instructor:import"}  # fmt: skip
    assert known <= names, known - names
    print("views that accept POST:", sorted(names))

    leaks = []
    for route, url in accepting:
        for user in (alice, superuser):
            client = logged_in_client(user)
            plain = client.post(url, {"done": "1", "manifest": "x"})
            htmx = client.post(url, {"done": "1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main")
            for kind, response in (("form", plain), ("htmx", htmx)):
                if response.status_code != 403:
                    leaks.append(f"{route.name} {kind} as {user}: {response.status_code}")
    assert leaks == []


def test_no_view_is_exempt_from_csrf(owned):  # type: ignore[no-untyped-def]
    exempt = [
        r.name
        for r in walk(get_resolver().url_patterns)
        if getattr(r.callback, "csrf_exempt", False)
    ]
    assert exempt == []


def test_an_htmx_post_with_the_bodys_token_is_accepted(owned, alice):  # type: ignore[no-untyped-def]
    """The other half: the token in hx-headers is the one the middleware wants."""
    client = logged_in_client(alice)
    token = csrf_token(client)
    url = reverse("lessons:done", kwargs={"slug": owned.exercise.chapter.slug})
    response = client.post(url, {"done": "1"}, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    refused = client.post(url, {"done": "1"}, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN="x" * 32)
    assert refused.status_code == 403


def test_base_puts_the_token_in_hx_headers_on_body(alice):  # type: ignore[no-untyped-def]
    client = logged_in_client(alice)
    page = client.get(reverse("home")).content.decode()
    body = re.search(r"<body[^>]*>", page)
    assert body is not None
    assert "hx-headers=" in body.group(0)
    assert len(csrf_token(client)) == 64


def test_anonymous_pages_share_no_token(client):  # type: ignore[no-untyped-def]
    """Anonymous pages are cached and shared, so they must not carry a per-visitor token."""
    page = client.get(reverse("home")).content.decode()
    body = re.search(r"<body[^>]*>", page)
    assert body is not None and "hx-headers" not in body.group(0)

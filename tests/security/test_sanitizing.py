"""HTML in course content never runs: chapters, quizzes, exercises, labs, and the quiz editor.

Hostile Markdown (tests/security/hostile.md: scripts, event handlers,
javascript: and data: URLs, iframes, style attributes, SVG and MathML with
script, forms, meta refresh, htmx attributes) goes through each content
type's real loader and through the instructor's browser editor and import;
the stored HTML and the pages students see are then parsed, not grepped.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from engine.markdown import render_markdown
from exercises.models import Exercise
from labs.models import Lab
from lessons.models import Chapter
from quizzes.models import Question, Quiz
from quizzes.services import quiz_attempt_start
from tests.exercises.test_content_loader import exercise as exercise_data
from tests.labs.lab_fixtures import CHECKS, write_lab
from tests.lessons.factories import write_chapter
from tests.quizzes.factories import bank_data, question_data, write_bank
from tutor.content.registry import check_content, load_content

pytestmark = pytest.mark.django_db

HOSTILE = (Path(__file__).parent / "hostile.md").read_text()
# Option texts and ordering items are short (300 characters): the worst of it in one line.
SHORT = (
    "<img src=x onerror=alert(1)><script>alert(2)</script>"
    "<a href=' javascript:alert(3)'>short one</a><svg onload=alert(4)></svg>"
    "<iframe src=//evil.example></iframe><b style='x:expression(alert(5))'>b</b>"
)

# Tags no content may bring into a page.
FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "style", "form", "input", "button", "textarea", "select", "meta", "base", "link",
    "template", "noscript", "portal",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}


class Findings(HTMLParser):
    """Everything in an HTML fragment that could run script or leave the page."""

    def __init__(self, *, page: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in FORBIDDEN_TAGS and not self._site_frame(tag, values):
            self.problems.append(f"<{tag}> {values}")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and not self.page:
                self.problems.append(f"<{tag} style={value!r}>")
            if name.startswith(("hx-", "data-hx-")) and (not self.page or "logout" in value):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES:
                cleaned = "".join(ch for ch in value if ch.isprintable() and not ch.isspace())
                scheme = urlsplit(cleaned).scheme.lower()
                if scheme not in SAFE_SCHEMES:
                    self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def _site_frame(self, tag: str, values: dict[str, str]) -> bool:
        """The page's own frame (base.html and the app templates), not content."""
        if not self.page:
            return False
        if tag == "script":
            # Our own files, or data for them (json_script escapes every "<").
            return values.get("src", "").startswith("/static/") or (
                values.get("type") == "application/json" and "src" not in values
            )
        if tag == "link":
            return values.get("href", "").startswith("/static/")
        if tag == "meta":
            return "http-equiv" not in values
        if tag == "form":
            return values.get("action", "").startswith("/")
        return tag in ("input", "button", "textarea", "select", "template")


def problems(html: str, *, page: bool = False) -> list[str]:
    parser = Findings(page=page)
    parser.feed(html)
    parser.close()
    return parser.problems


def html_strings(value: Any) -> list[str]:
    """Every string in a stored JSON value (question data holds rendered HTML)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in html_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in html_strings(v)]
    return []


def test_the_checker_sees_what_it_must() -> None:
    """The raw payload is full of findings: otherwise the tests below prove nothing."""
    found = problems(HOSTILE)
    for needle in ("<script>", "onerror", "javascript:", "<iframe>", "style=", "<svg>",
                   "hx-get", "<form>", "<meta>", "<base>", "data:text/html", "ontoggle"):  # fmt: skip
        assert any(needle in p or needle.strip("<>") in p for p in found), needle


def test_the_renderer_strips_every_payload() -> None:
    rendered = render_markdown(HOSTILE).html
    assert problems(rendered) == []
    # Text stays text: the code span is shown, escaped, not dropped.
    assert "&lt;script&gt;alert('in-code')&lt;/script&gt;" in rendered
    assert "xss-script" not in rendered


@pytest.fixture
def hostile_course(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A course whose every text field is the hostile payload, loaded by the real loader."""
    body = f"Intro.\n\n## First section\n\n{HOSTILE}\n\n## Summary\n\nDone.\n"
    chapter = write_chapter(tmp_path, "01-demo", number=1, slug="hostile", body=body)
    options = [
        {"text": SHORT, "correct": True, "explanation": HOSTILE},
        {"text": "<b onclick=alert(1)>wrong</b>", "explanation": HOSTILE},
    ]
    questions = [
        question_data(prompt=HOSTILE, explanation=HOSTILE, options=options),
        question_data("ordering", prompt=HOSTILE, items=[SHORT, "<i>b</i>", "c", "d"]),
    ]
    write_bank(tmp_path, "01-demo", bank_data(questions, questions_per_attempt=2))
    folder = chapter.parent / "exercises"
    folder.mkdir()
    data = exercise_data(prompt=HOSTILE, hints=[HOSTILE, "<a href='javascript:alert(2)'>h</a>"])
    (folder / "configmap.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    write_lab(tmp_path, chapter, "demo", CHECKS)
    (chapter.parent / "labs" / "demo" / "instructions.md").write_text(f"## Steps\n\n{HOSTILE}")
    assert check_content(tmp_path).errors == []
    settings.CONTENT_ROOT = str(tmp_path)
    load_content(tmp_path)
    return tmp_path


def test_loaded_content_is_stored_clean(hostile_course):  # type: ignore[no-untyped-def]
    chapter = Chapter.objects.get(slug="hostile")
    stored = [chapter.body_html]
    for ex in Exercise.objects.filter(chapter=chapter):
        stored += [ex.prompt_html, *ex.hints_html]
    for lab in Lab.objects.filter(chapter=chapter):
        stored.append(lab.instructions_html)
    for question in Question.objects.filter(quiz__chapter=chapter):
        stored += [
            question.prompt_html,
            question.explanation_html,
            *html_strings(question.rendered),
        ]
    assert len(stored) > 10
    leaks = [(i, p) for i, html in enumerate(stored) for p in problems(html)]
    assert leaks == []
    assert all("xss-script" not in html for html in stored)


def test_pages_built_from_hostile_content_run_nothing(hostile_course, alice):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(alice)
    chapter = Chapter.objects.get(slug="hostile")
    exercise = Exercise.objects.get(chapter=chapter)
    lab = Lab.objects.get(chapter=chapter)
    quiz = Quiz.objects.get(chapter=chapter)
    # Reveal both hints and answer every question, so that the explanations show too.
    client.post(reverse("exercises:hint", kwargs={"chapter": chapter.slug, "slug": exercise.slug}))
    client.post(reverse("exercises:hint", kwargs={"chapter": chapter.slug, "slug": exercise.slug}))
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    answered = []
    for question_id in attempt.question_ids:
        question = Question.objects.get(pk=question_id)
        payload: dict[str, Any] = (
            {"option": question.data["options"][0]["id"]}
            if question.type == "single"
            else {f"position-{item}": str(n) for n, item in enumerate(question.data["item_ids"], 1)}
        )
        url = reverse(
            "quizzes:answer", kwargs={"attempt_id": attempt.pk, "question_id": question_id}
        )
        answered.append(client.post(url, payload, HTTP_HX_REQUEST="true"))
    take = client.get(reverse("quizzes:take", kwargs={"attempt_id": attempt.pk}))
    client.post(reverse("quizzes:finish", kwargs={"attempt_id": attempt.pk}))
    pages = {
        "chapter": client.get(chapter.get_absolute_url()),
        "exercise": client.get(exercise.get_absolute_url()),
        "lab": client.get(lab.get_absolute_url()),
        "quiz": take,
        "review": client.get(reverse("quizzes:review", kwargs={"attempt_id": attempt.pk})),
        "search": client.get(reverse("search"), {"q": "styled"}),
        **{f"answer {i}": r for i, r in enumerate(answered)},
    }
    for name, response in pages.items():
        assert response.status_code == 200, (name, response.status_code)
        assert problems(response.content.decode(), page=True) == [], name
    # The pages did show the content (it was cleaned, not lost).
    assert "mixed case" in pages["chapter"].content.decode()
    assert "mixed case" in pages["review"].content.decode()
    assert "mixed case" in pages["exercise"].content.decode()


def test_the_instructor_editor_and_import_store_clean_html(carol_client):  # type: ignore[no-untyped-def]
    quiz = Quiz.objects.filter(is_published=True).order_by("pk").first()
    assert quiz is not None
    section = quiz.chapter.toc[0]["anchor"]
    source = yaml.safe_dump(
        question_data(prompt=HOSTILE, explanation=HOSTILE, section=section), sort_keys=False
    )
    preview = carol_client.post(
        reverse("instructor:preview", kwargs={"quiz_id": quiz.pk}), {"source": source}
    )
    assert preview.status_code == 200
    assert problems(preview.content.decode(), page=True) == []
    assert "mixed case" in preview.content.decode()

    saved = carol_client.post(
        reverse("instructor:question_new", kwargs={"quiz_id": quiz.pk}), {"source": source}
    )
    assert saved.status_code == 302
    question = Question.objects.filter(quiz=quiz).order_by("-pk").first()
    assert question is not None and "mixed case" in question.prompt_html
    for html in [question.prompt_html, question.explanation_html, *html_strings(question.rendered)]:
        assert problems(html) == []
    editor = carol_client.get(
        reverse("instructor:question", kwargs={"quiz_id": quiz.pk, "question_id": question.pk})
    )
    assert problems(editor.content.decode(), page=True) == []

    bank = bank_data([question_data(prompt=HOSTILE, explanation=HOSTILE, section=section)])
    imported = carol_client.post(
        reverse("instructor:import"),
        {"chapter": quiz.chapter.pk, "text": yaml.safe_dump(bank, sort_keys=False)},
    )
    assert imported.status_code == 302, imported.content.decode()[:2000]
    new_quiz = Quiz.objects.get(uuid=bank["uuid"])
    for question in new_quiz.questions.all():
        for html in [
            question.prompt_html,
            question.explanation_html,
            *html_strings(question.rendered),
        ]:
            assert problems(html) == []

"""English course content on a Spanish page is marked lang="en" (WCAG 2.2 SC 3.1.2, issue #16).

The interface is translated; the course (exercises, labs, quizzes, exams, untranslated
chapters) is written in English. A screen reader reads each part in its own voice only when
the element around the English says so. Each page is parsed (html.parser): every text node
gets the language of its nearest ancestor with a lang attribute, as a browser computes it.
On English pages nothing is added: the only lang attributes are those of a page without
course content (the <html> element and the language switcher).
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from exams import services as exam_services
from exercises.models import Exercise
from labs.models import Lab
from lessons.models import Chapter, ChapterTranslation
from quizzes.models import ReviewCard
from quizzes.services import quiz_attempt_answer, quiz_attempt_finish, quiz_attempt_start
from tests.exams.factories import make_exam
from tests.exams.test_attempts import graded, in_progress
from tests.quizzes.factories import make_quiz, option_id, question_data

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
HX = {"HTTP_HX_REQUEST": "true"}
PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


class _Page(HTMLParser):
    """Text nodes of the body with their computed language; elements with a lang attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str | None]] = []
        self.marked: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        own = dict(attrs).get("lang")
        if own is not None:
            self.marked.append((tag, own))
        if tag not in VOID:
            self.stack.append((tag, own or (self.stack[-1][1] if self.stack else None)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        tags = {t for t, _ in self.stack}
        if text and self.stack and not tags & {"head", "script", "style", "template"}:
            self.texts.append((text, self.stack[-1][1]))


def parse(html: str, fragment_language: str = "es") -> _Page:
    """The page; an htmx fragment (no <html>) is read as if inside a page in `fragment_language`."""
    page = _Page()
    if "<html" not in html:
        page.stack.append(("#fragment", fragment_language))
    page.feed(html)
    page.close()
    return page


def languages_of(page: _Page, needle: str) -> set[str | None]:
    """The languages of the text nodes that are `needle`, or else that contain it (it must appear).

    Exact first: a title such as "Kubernetes" is also a word of interface sentences.
    """
    found = {lang for text, lang in page.texts if text == needle}
    found = found or {lang for text, lang in page.texts if needle in text}
    assert found, f"{needle!r} is not on the page"
    return found


def get(client, url: str, spanish: bool = True, **headers: str) -> _Page:  # type: ignore[no-untyped-def]
    response = client.get(url, **(SPANISH if spanish else {}), **headers)
    assert response.status_code == 200, (url, response.status_code)
    return parse(response.content.decode(), "es" if spanish else "en")


def assert_english_in_spanish(page: _Page, english: list[str], spanish: list[str]) -> None:
    for needle in english:
        assert languages_of(page, needle) == {"en"}, needle
    for needle in spanish:
        assert languages_of(page, needle) == {"es"}, needle


@pytest.fixture
def baseline_marks(client) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The lang attributes of an English page without course content."""
    return get(client, reverse("login"), spanish=False).marked


def assert_nothing_added(page: _Page, baseline: list[tuple[str, str]]) -> None:
    assert page.marked == baseline


# --- chapters: home, chapter, objectives, next step --------------------------------------


@pytest.fixture
def translated_chapter() -> Chapter:
    chapter = Chapter.objects.get(number=1)
    ChapterTranslation.objects.create(
        chapter=chapter, language="es", title="Orquestación de contenedores (traducido)",
        summary="", objectives=["Explicar qué hace un orquestador."],
        body_html="<p>Texto traducido.</p>", toc=[],
    )  # fmt: skip
    return chapter


def test_home_marks_untranslated_chapters_only(client, translated_chapter):
    english_one = Chapter.objects.get(number=2)
    page = get(client, "/")
    assert languages_of(page, "Orquestación de contenedores (traducido)") == {"es"}
    # Its summary was not translated: the English original is shown, and marked.
    assert languages_of(page, translated_chapter.summary) == {"en"}
    assert languages_of(page, english_one.title) == {"en"}
    assert languages_of(page, english_one.summary) == {"en"}
    assert languages_of(page, "Capítulos") == {"es"}


def test_home_in_english_adds_nothing(client, translated_chapter, baseline_marks):
    assert_nothing_added(get(client, "/", spanish=False), baseline_marks)


def test_an_untranslated_chapter_and_its_neighbours(client, translated_chapter):
    chapter = Chapter.objects.get(number=2)
    page = get(client, chapter.get_absolute_url())
    assert_english_in_spanish(
        page,
        english=[chapter.title, chapter.objectives[0]],
        spanish=["Al terminar este capítulo podrás", "aún no está traducido"],
    )
    # The sidebar and the pager: the translated neighbour's title is Spanish.
    assert languages_of(page, "Orquestación de contenedores (traducido)") == {"es"}
    assert languages_of(page, Chapter.objects.get(number=3).title) == {"en"}


def test_a_translated_chapter_is_not_marked(client, translated_chapter):
    page = get(client, translated_chapter.get_absolute_url())
    assert languages_of(page, "Texto traducido.") == {"es"}
    assert languages_of(page, "Explicar qué hace un orquestador.") == {"es"}
    assert "aún no está traducido" not in " ".join(t for t, _ in page.texts)


def test_the_objectives_page(client):
    chapter = Chapter.objects.get(number=7)
    exercise = Exercise.objects.filter(chapter=chapter).first()
    assert exercise is not None
    page = get(client, reverse("objectives", args=[chapter.slug]))
    assert_english_in_spanish(
        page, english=[chapter.objectives[0], exercise.title], spanish=["Práctica por objetivo"]
    )


def test_the_next_step_names_english_titles_in_english(alice_client):
    chapter = Chapter.objects.get(number=2)
    page = get(alice_client, reverse("next_step", args=[chapter.slug]) + "?after=quiz", **HX)
    following = Chapter.objects.get(number=3)
    assert languages_of(page, following.title) == {"en"}
    assert languages_of(page, "Siguiente: capítulo") == {"es"}


def test_search_results(client):
    page = get(client, reverse("search") + "?q=pod")
    exercise = Exercise.objects.get(slug="pod-with-labels")
    assert_english_in_spanish(page, english=[exercise.title], spanish=["Buscar en el curso"])
    snippets = [lang for text, lang in page.texts if "pod" in text.lower()]
    assert snippets and set(snippets) <= {"en", "es"}


# --- exercises, labs ----------------------------------------------------------------------


def test_the_exercise_page(client, baseline_marks):
    exercise = Exercise.objects.get(slug="pod-with-labels")
    page = get(client, exercise.get_absolute_url())
    assert_english_in_spanish(
        page,
        english=[exercise.title, exercise.rules[0]["title"]],
        spanish=["Tu tarea", "Este ejercicio aún no está traducido al español"],
    )
    assert_nothing_added(get(client, exercise.get_absolute_url(), spanish=False), baseline_marks)


def test_the_lab_page(client, baseline_marks):
    lab = Lab.objects.order_by("pk").first()
    assert lab is not None
    page = get(client, lab.get_absolute_url())
    assert_english_in_spanish(
        page,
        english=[lab.title],
        spanish=["Instrucciones", "Este laboratorio aún no está traducido al español"],
    )
    prose = [lang for text, lang in page.texts if text and text in lab.instructions_html]
    assert prose and set(prose) == {"en"}
    assert_nothing_added(get(client, lab.get_absolute_url(), spanish=False), baseline_marks)


# --- quizzes: the start page, a question, its feedback, the result, the review ------------


@pytest.fixture
def quiz():  # type: ignore[no-untyped-def]
    return make_quiz(
        chapter=Chapter.objects.get(number=2), questions=[question_data("single")],
        title="Pods and more",
    )  # fmt: skip


def test_the_quiz_pages(alice_client, alice, quiz, baseline_marks):
    page = get(alice_client, quiz.get_absolute_url())
    assert_english_in_spanish(
        page, english=["Pods and more"], spanish=["Este cuestionario aún no está traducido"]
    )
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    take = reverse("quizzes:take", args=[attempt.pk])
    page = get(alice_client, take)
    assert_english_in_spanish(
        page, english=["A single question about", "Also wrong"], spanish=["Comprobar mi respuesta"]
    )
    assert_nothing_added(get(alice_client, take, spanish=False), baseline_marks)
    question = quiz.questions.get()
    response = alice_client.post(
        reverse("quizzes:answer", args=[attempt.pk, question.pk]),
        {"option": [option_id(question, "Wrong")]},
        **SPANISH,
        **HX,
    )
    feedback = parse(response.content.decode())
    assert_english_in_spanish(
        feedback,
        english=["Wrong because.", "Because of how Pods work."],
        spanish=["No del todo"],
    )
    quiz_attempt_finish(attempt=attempt)
    page = get(alice_client, reverse("quizzes:review", args=[attempt.pk]))
    assert_english_in_spanish(
        page, english=["A single question about", "Pods and more"], spanish=[]
    )


def test_the_review_page(alice_client, alice, quiz):
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    question = quiz.questions.get()
    quiz_attempt_answer(
        attempt=attempt, question=question, raw={"option": [option_id(question, "Wrong")]}
    )
    quiz_attempt_finish(attempt=attempt)
    ReviewCard.objects.filter(user=alice, question=question).update(
        due=timezone.now() - timedelta(minutes=1)
    )
    page = get(alice_client, reverse("review:page"))
    assert_english_in_spanish(
        page,
        english=["A single question about", "Also wrong", quiz.chapter.title],
        spanish=["Repaso"],
    )


# --- exams --------------------------------------------------------------------------------


def test_the_exam_pages(client, alice, tmp_path, settings, baseline_marks):
    settings.TUTOR_MODE = "local"
    exam = make_exam(tmp_path)
    client.force_login(alice)
    page = get(client, exam.get_absolute_url())
    assert_english_in_spanish(
        page,
        english=["Demo practical", "Do the tasks."],
        spanish=["Examen de práctica cronometrado", "Este examen aún no está traducido"],
    )
    assert_english_in_spanish(get(client, reverse("exams:list")), ["Demo practical"], [])
    assert_nothing_added(get(client, exam.get_absolute_url(), spanish=False), baseline_marks)
    attempt = in_progress(exam_services.exam_attempt_start(user=alice, exam=exam)[0])
    page = get(client, attempt.get_absolute_url())
    assert_english_in_spanish(
        page,
        english=["Demo practical", "Run and expose web", "Let bob read Pods"],
        spanish=["Tu espacio de trabajo del examen"],
    )
    graded(attempt, 30, 40)
    page = get(client, attempt.get_absolute_url())
    assert_english_in_spanish(page, english=["2 ready replicas", "Look at the Pods."], spanish=[])

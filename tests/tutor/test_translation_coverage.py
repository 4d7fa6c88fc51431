"""Every word of the interface can be translated, and the Spanish catalogue is complete.

Two guards for the next person who adds a page or a message:

- every template's visible text (text nodes, and the attributes people read or hear:
  title, alt, placeholder, aria-label...) sits inside {% translate %} or
  {% blocktranslate %}; code, kbd, samp, pre, script and style are left alone, as are
  names that are the same in every language (Kubernetes, kubectl, YAML...);
- the catalogues are current and complete: `makemessages` run now (into a copy)
  finds no message without a Spanish translation and no fuzzy entry.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

REPO = Path(settings.BASE_DIR)
APP_TEMPLATE_DIRS = sorted(
    path
    for path in REPO.glob("*/templates")
    if path.is_dir() and not path.parent.name.startswith((".", "node_modules"))
)
TEMPLATE_DIRS = [*APP_TEMPLATE_DIRS, REPO / "templates"]
# Attributes a person reads or a screen reader speaks.
SPOKEN_ATTRIBUTES = {
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-description",
    "aria-roledescription",
}
# Elements whose text is code or data, never translated.
VERBATIM_ELEMENTS = {"code", "kbd", "samp", "pre", "script", "style", "var", "svg"}
# Words that are the same in every language.
NAMES = re.compile(
    r"\b(Kubernetes|kubectl|kubeconfig|YAML|JSON|CSV|LFS158|LTI|LMS|HTML|URL|API|CPU|RAM|"
    r"Pods?|minikube|kind|Helm|ConfigMap|Secret|GitHub|OK|PostgreSQL|Redis|Django|Tutor)\b",
)
MARKER = "\ue000"  # stands for a template tag or variable: translated or not text at all


def _templates() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*.html"))


def _without_template_language(source: str) -> str:
    """The template's HTML with every tag, variable, comment and translated block as a marker."""
    parts: list[str] = []
    skipping: str | None = None  # the end tag of a block whose body is not plain text
    for token in Lexer(source).tokenize():
        if skipping:
            if token.token_type is TokenType.BLOCK and token.contents.split()[0] == skipping:
                skipping = None
            continue
        if token.token_type is TokenType.TEXT:
            parts.append(token.contents)
            continue
        parts.append(MARKER)
        if token.token_type is TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans", "comment", "verbatim"):
                skipping = "end" + name
    return "".join(parts)


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.verbatim = 0
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value:
                self._check(value)
        if tag in VERBATIM_ELEMENTS:
            self.verbatim += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VERBATIM_ELEMENTS and self.verbatim:
            self.verbatim -= 1

    def handle_data(self, data: str) -> None:
        if not self.verbatim:
            self._check(data)

    def _check(self, text: str) -> None:
        words = NAMES.sub("", text.replace(MARKER, " "))
        if re.search(r"[A-Za-z]{2,}", words):
            self.found.append(" ".join(text.replace(MARKER, "…").split()))


def untranslated(path: Path) -> list[str]:
    parser = _Words()
    parser.feed(_without_template_language(path.read_text()))
    parser.close()
    return parser.found


def test_the_scanner_sees_plain_text_and_spoken_attributes_but_not_translated_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "{% load i18n %}<h1>{% translate 'Hello' %}</h1><p>Plain words</p>"
        '<button aria-label="Close it">x</button><img alt="{% translate \'x\' %}">'
        "{% blocktranslate trimmed with n=3 %}Three {{ n }} things{% endblocktranslate %}"
        "<code>kubectl get pods</code><p>{{ name }} · kubectl</p>{# a comment #}"
        '<a title="Kubernetes">YAML</a>'
    )
    assert untranslated(page) == ["Plain words", "Close it"]


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_template_word_is_translatable(path):
    assert untranslated(path) == [], (
        f"{path.relative_to(REPO)}: wrap these in {{% translate %}} or {{% blocktranslate %}}, "
        "then `make translations` and translate them in locale/es/LC_MESSAGES/*.po"
    )


# What makemessages reads: the project, the apps and the engine, templates, scripts.
SOURCES = [
    "manage.py",
    "tutor",
    "lti",
    "classes",
    "exams",
    "labs",
    "quizzes",
    "exercises",
    "lessons",
    "workspaces",
    "accounts",
    "core",
    "engine",
    "kube",
    "templates",
    "static",
    "locale",
]


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> Path:
    """The Spanish catalogues as `make translations` would leave them now, made in a copy.

    makemessages writes beside the sources it reads, so it runs on a copy of them (the
    Makefile's own target, in a subprocess, with this test's environment).
    """
    if not shutil.which("msgmerge"):
        pytest.skip("gettext is not installed (make test installs it)")
    copy = tmp_path_factory.mktemp("catalogues")
    skip = shutil.ignore_patterns("*.mo", "__pycache__", "vendor", "node_modules")
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=skip)
        else:
            shutil.copy2(source, copy / name)
    ignore = ["--ignore", "tests/*", "--ignore", "var/*"]
    for domain in ("django", "djangojs"):
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-d",
                domain,
                "-l",
                "es",
                "--no-location",
                "--no-obsolete",
                "-v",
                "0",
                *ignore,
            ],
            cwd=copy,
            check=True,
            capture_output=True,
            text=True,
        )
    return copy / "locale"


def _problems(po: Path) -> tuple[list[str], list[str]]:
    result = subprocess.run(
        ["msgattrib", "--untranslated", "--no-wrap", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    untranslated = re.findall(r'^msgid "(.+)"$', result.stdout, flags=re.M)
    result = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-wrap", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    fuzzy = re.findall(r'^msgid "(.+)"$', result.stdout, flags=re.M)
    return untranslated, fuzzy


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_message_in_the_code_has_a_spanish_translation(fresh_catalogues, domain):
    po = fresh_catalogues / "es" / "LC_MESSAGES" / f"{domain}.po"
    untranslated, fuzzy = _problems(po)
    assert untranslated == [], (
        f"{len(untranslated)} messages without Spanish: run `make translations`"
    )
    assert fuzzy == [], f"{len(fuzzy)} fuzzy (guessed) translations to check in {domain}.po"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_shipped_catalogue_is_the_one_the_code_asks_for(fresh_catalogues, domain):
    def ids(po: Path) -> set[str]:
        result = subprocess.run(
            ["msgattrib", "--no-wrap", "--no-obsolete", str(po)],
            capture_output=True,
            text=True,
            check=True,
        )
        return set(re.findall(r'^msgid "(.+)"$', result.stdout, flags=re.M))

    shipped = ids(REPO / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po")
    wanted = ids(fresh_catalogues / "es" / "LC_MESSAGES" / f"{domain}.po")
    assert wanted - shipped == set(), (
        "new messages not in the shipped catalogue: `make translations`"
    )
    assert shipped - wanted == set(), "messages no code asks for any more: `make translations`"


# The apps' Python: the calls whose text reaches a person.
APPS = [
    "tutor",
    "lti",
    "classes",
    "exams",
    "labs",
    "quizzes",
    "exercises",
    "lessons",
    "workspaces",
    "accounts",
    "core",
]
RESPONSES = {
    "HttpResponse",
    "HttpResponseBadRequest",
    "HttpResponseForbidden",
    "HttpResponseNotFound",
}
MESSAGE_LEVELS = {"success", "error", "info", "warning", "add_message"}
SPOKEN_KEYWORDS = {"label", "help_text", "empty_label", "message"}
SPOKEN_KEYS = {"error", "message", "detail", "status_text"}


def _words(node: ast.expr) -> bool:
    """A literal a person would read: a string with letters, or an f-string."""
    if isinstance(node, ast.JoinedStr):
        return True
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    # An identifier ("too-large", "error.code") is for code, not for people.
    return bool(re.search(r"[A-Za-z]{2,}", node.value)) and not re.fullmatch(
        r"[a-z0-9_.:/-]+", node.value
    )


def untranslated_python(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = (
            func.value.id
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            else ""
        )
        said: list[ast.expr] = []
        if owner == "messages" and name in MESSAGE_LEVELS:
            said = node.args[1:]
        elif name == "ValidationError" or name in RESPONSES:
            said = node.args[:1]
        elif name == "add_error":
            said = node.args[1:2]
        elif name == "JsonResponse" and node.args and isinstance(node.args[0], ast.Dict):
            body = node.args[0]
            said = [
                v
                for k, v in zip(body.keys, body.values, strict=True)
                if isinstance(k, ast.Constant) and k.value in SPOKEN_KEYS
            ]
        said += [k.value for k in node.keywords if k.arg in SPOKEN_KEYWORDS]
        found += [f"{node.lineno}: {ast.unparse(text)[:80]}" for text in said if _words(text)]
    return found


def _python_files() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (REPO / app).rglob("*.py")
        if "migrations" not in path.parts and "management" not in path.parts
    )


def test_the_python_scanner_sees_plain_messages_but_not_translated_ones(tmp_path):
    module = tmp_path / "views.py"
    module.write_text(
        "messages.success(request, 'Saved.')\n"
        "messages.error(request, _('Not saved.'))\n"
        "raise ValidationError(f'Bad {x}')\n"
        "forms.CharField(label=_('Name'), help_text='Your name')\n"
        "JsonResponse({'error': 'Too big', 'code': 'too-big'})\n"
        "JsonResponse({'error': 'too-big'})\n"
        "HttpResponseBadRequest(gettext('No.'))\n"
    )
    assert untranslated_python(module) == [
        "1: 'Saved.'",
        "3: f'Bad {x}'",
        "4: 'Your name'",
        "5: 'Too big'",
    ]


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_message_the_apps_show_is_translatable(path):
    assert untranslated_python(path) == [], (
        f"{path.relative_to(REPO)}: wrap these in gettext()/gettext_lazy() (named placeholders: "
        "_('… %(name)s …') % {{...}}), then `make translations`"
    )

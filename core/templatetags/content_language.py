"""Marking course content that is shown in a language other than the page's.

The course (chapters, exercises, labs, quizzes, exams) is written in English; the interface
around it may be translated. WCAG 2.2 SC 3.1.2 (Language of Parts): a screen reader must read
the English parts with an English voice, so the element that wraps them says ``lang="en"``.
On English pages nothing is added.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


def _page_language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _text_language(language: object) -> str:
    """The language a piece of content is in: the course's own (English) unless told."""
    return str(language or settings.LANGUAGE_CODE).split("-")[0]


@register.simple_tag
def content_lang(language: object = None) -> SafeString:
    """` lang="en"` for content in `language` (default: the course's) on a page in another.

    `<div class="prose"{% content_lang %}>` — or `{% content_lang chapter.text_language %}` for
    content that may have been translated (chapters). Nothing at all on a page in that language.
    """
    text = _text_language(language)
    if text == _page_language():
        return SafeString("")
    return format_html(' lang="{}"', text)


@register.simple_tag
def content_untranslated(language: object = None) -> bool:
    """Whether content in `language` (default: the course's) differs from the page's language.

    `{% content_untranslated as untranslated %}{% if untranslated %}…note…{% endif %}`
    """
    return _text_language(language) != _page_language()


@register.filter
def content_span(text: object, language: object = None) -> SafeString:
    """The text, escaped, in a `<span lang="en">` when its language is not the page's.

    For content inside a translated sentence:
    `{% blocktranslate with title=exercise.title|content_span %}Next: “{{ title }}”{% endblocktranslate %}`.
    """
    text_language = _text_language(language)
    if text_language == _page_language():
        return format_html("{}", text)
    return format_html('<span lang="{}">{}</span>', text_language, text)

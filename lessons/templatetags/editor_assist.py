"""{% editor_assist %}: the data attributes that turn on the editor's help while writing.

On a <textarea data-editor="yaml">: the completion, hover and version URLs, the
Kubernetes versions the validator supports, the course's default and the
student's remembered choice (static/js/editor.js reads them).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from engine.manifests import DEFAULT_VERSION, SUPPORTED_VERSIONS
from lessons.editor_views import chosen_version

register = template.Library()


@register.simple_tag(takes_context=True)
def editor_assist(context: dict[str, Any]) -> SafeString:
    request = context.get("request")
    version = chosen_version(request) if request is not None else DEFAULT_VERSION
    return format_html(
        'data-complete-url="{}" data-hover-url="{}" data-version-url="{}" '
        'data-versions="{}" data-version="{}" data-version-default="{}"',
        reverse("lessons:editor-complete"),
        reverse("lessons:editor-hover"),
        reverse("lessons:editor-version"),
        " ".join(SUPPORTED_VERSIONS),
        version,
        DEFAULT_VERSION,
    )

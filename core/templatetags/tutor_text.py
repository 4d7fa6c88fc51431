"""Template filters for the plain-text messages and hints that checks produce."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# `kubectl get pods` in a hint: a code span, as in the Markdown the hint was written beside.
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


@register.filter
def code_spans(text: object) -> SafeString:
    """Escape the text, then show its `backticked` parts as <code>."""
    escaped = escape(str(text))
    return mark_safe(_CODE_SPAN.sub(r"<code>\1</code>", escaped))  # noqa: S308 (escaped above)

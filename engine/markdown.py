"""Markdown to safe HTML for chapters.

Chapters are rendered once per content version (when ``load_content`` sees a
new file hash) and stored, so a page view never parses Markdown. Authors are
not always trusted: whatever the Markdown produces is passed through an
allow-list sanitizer (nh3) before it is stored.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

# Bumped whenever the HTML this module produces changes, so that stored
# chapters are re-rendered by the next load_content.
RENDERER_VERSION = "3"  # 3: classes and ids are the renderer's own

CALLOUTS = {
    "outdated": "Outdated in the notes",
    "try": "Try it",
    "note": "Note",
    "warning": "Watch out",
}
# Languages an author may name; anything else is shown as plain text.
LEXERS = {
    "yaml": "yaml",
    "yml": "yaml",
    "bash": "bash",
    "sh": "bash",
    "shell": "bash",
    "console": "console",
    "json": "json",
    "text": "text",
    "python": "python",
    "ini": "ini",
    "toml": "toml",
    "go": "go",
    "dockerfile": "docker",
}

ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id"},  # narrowed by _attribute_filter
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "loading", "decoding"},
    "pre": {"data-lang"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}


@dataclass
class Heading:
    level: int
    anchor: str
    title: str


@dataclass
class CodeBlock:
    language: str
    flags: tuple[str, ...]
    text: str
    line: int  # 1-based, relative to the Markdown body


@dataclass
class RenderedChapter:
    html: str
    toc: list[Heading] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)
    images: list[tuple[str, int]] = field(default_factory=list)  # (src, line)


def _callout_renderer(kind: str) -> Callable[..., str]:
    def render(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        if token.nesting != 1:
            return "</div></aside>\n"
        title = token.info.strip()[len(kind) :].strip()
        label = CALLOUTS[kind]
        heading = f"{label}: {title}" if title else label
        return (
            f'<aside class="callout callout-{kind}">'
            f'<p class="callout-title">{html.escape(heading)}</p><div class="callout-body">\n'
        )

    return render


_formatter = HtmlFormatter(nowrap=True)


def _render_fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    words = token.info.split()
    language = words[0].lower() if words else "text"
    lexer_name = LEXERS.get(language, "text")
    try:
        lexer = get_lexer_by_name(lexer_name, stripnl=False)
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    body = highlight(token.content, lexer, _formatter)
    label = html.escape(language if language in LEXERS else "text")
    return (
        f'<div class="code-block"><pre class="highlight" data-lang="{label}">'
        f"<code>{body}</code></pre></div>\n"
    )


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    resolve = env.get("asset_url")
    if resolve and not re.match(r"^[a-z][a-z0-9+.-]*:|^/|^#", src, re.IGNORECASE):
        src = resolve(src)
    alt = self.renderInlineAsText(token.children or [], options, env)
    title = token.attrGet("title")
    title_attr = f' title="{html.escape(str(title))}"' if title else ""
    return (
        f'<img src="{html.escape(src)}" alt="{html.escape(alt)}"{title_attr}'
        ' loading="lazy" decoding="async">'
    )


_PERMALINK_OPEN = re.compile(r'(<a class="header-anchor" href="#[^"]*" rel="noopener noreferrer")>')


def build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False}).enable("table")
    md.use(anchors_plugin, min_level=2, max_level=3, permalink=True, permalinkSymbol="#")
    for kind in CALLOUTS:
        md.use(container_plugin, name=kind, render=_callout_renderer(kind))
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("image", _render_image)
    return md


_md = build_markdown()


def _collect(tokens: list[Token], rendered: RenderedChapter) -> None:
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            anchor = str(token.attrGet("id") or "")
            title = tokens[i + 1].content if i + 1 < len(tokens) else ""
            rendered.toc.append(Heading(int(token.tag[1]), anchor, title))
        elif token.type == "fence":
            words = token.info.split()
            line = (token.map[0] + 1) if token.map else 1
            language = words[0].lower() if words else "text"
            rendered.code_blocks.append(CodeBlock(language, tuple(words[1:]), token.content, line))
        elif token.type == "inline" and token.children:
            line = (token.map[0] + 1) if token.map else 1
            for child in token.children:
                if child.type == "image":
                    rendered.images.append((str(child.attrGet("src") or ""), line))


def _reanchor(tokens: list[Token], anchors: Sequence[str]) -> None:
    headings = (
        (i, token)
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag in ("h2", "h3")
    )
    for (i, heading), anchor in zip(headings, anchors, strict=False):
        old = heading.attrGet("id")
        heading.attrSet("id", anchor)
        for child in tokens[i + 1].children or []:
            if child.type == "link_open" and child.attrGet("href") == f"#{old}":
                child.attrSet("href", f"#{anchor}")


# Classes and ids are the renderer's own, never an author's: a `class="button
# primary"` or an `id` the site's scripts look up would let content dress up as the
# site (a fake "Log in again" button) or stand in for its elements. Headings keep
# the ids the renderer derived from their text (the table of contents and quiz
# sections link to them).
_RENDERER_CLASSES = {
    "aside": {"callout", *(f"callout-{kind}" for kind in CALLOUTS)},
    "p": {"callout-title"},
    "div": {"callout-body", "code-block"},
    "pre": {"highlight"},
    "a": {"header-anchor"},
    "span": {name for name in STANDARD_TYPES.values() if name},
}
_HEADINGS = {"h2", "h3", "h4", "h5", "h6"}
_ANCHOR = re.compile(r"\S+")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return value if tag in _HEADINGS and _ANCHOR.fullmatch(value) else None
    if attribute == "class":
        allowed = _RENDERER_CLASSES.get(tag, set())
        kept = [name for name in value.split() if name in allowed]
        return " ".join(kept) or None
    return value


def sanitize(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(
    text: str,
    *,
    asset_url: Callable[[str], str] | None = None,
    anchors: Sequence[str] | None = None,
) -> RenderedChapter:
    """The chapter's HTML, table of contents, code blocks and images.

    `anchors`: the ids its `##`/`###` headings take, in order, instead of ids made from
    their own words (a translation keeps the original's, so that every link to a
    section of the chapter, from a quiz, a lab check or the editor, finds it).
    """
    env: dict[str, Any] = {"asset_url": asset_url}
    tokens = _md.parse(text, env)
    if anchors is not None:
        _reanchor(tokens, anchors)
    rendered = RenderedChapter(html="")
    _collect(tokens, rendered)
    raw = _md.renderer.render(tokens, _md.options, env)
    # The "#" beside each heading is for sighted mouse users who copy a link;
    # screen readers and the Tab key skip it.
    rendered.html = _PERMALINK_OPEN.sub(r'\1 aria-hidden="true" tabindex="-1">', sanitize(raw))
    return rendered


_PERMALINK = re.compile(r'<a class="header-anchor"[^>]*>#</a>')
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|h[1-6]|li|ul|ol|pre|table|thead|tbody|tr|td|th|blockquote|aside|dl|dt|dd)\b[^>]*>"
    r"|<(?:br|hr|img)\b[^>]*>"
)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(fragment: str) -> str:
    """Visible text of sanitized HTML, for search."""
    without_marks = _PERMALINK.sub("", fragment)
    spaced = _BLOCK_TAG.sub(" ", without_marks)
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", spaced))).strip()


_H2 = re.compile(r'<h2 id="([^"]*)">(.*?)</h2>', re.DOTALL)


def split_sections(rendered_html: str) -> list[tuple[str, str, str]]:
    """``(anchor, title, text)`` per level-2 section; text before the first is the intro."""
    parts = _H2.split(rendered_html)
    sections: list[tuple[str, str, str]] = [("", "Introduction", plain_text(parts[0]))]
    for anchor, heading, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        title = plain_text(heading)
        sections.append((anchor, title, plain_text(body)))
    return [s for s in sections if s[2]]


def pygments_css() -> str:
    """Token colours for light and dark mode (written to static/ by a test-checked file)."""
    light = HtmlFormatter(style="xcode").get_style_defs(".highlight")
    dark = HtmlFormatter(style="github-dark").get_style_defs(".highlight")
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"

"""Hints and messages from checks: plain text, with `code spans` shown as code."""

from __future__ import annotations

from core.templatetags.tutor_text import code_spans


def test_it_shows_backticked_parts_as_code():
    assert code_spans("Run `kubectl get pods` then `kubectl logs`.") == (
        "Run <code>kubectl get pods</code> then <code>kubectl logs</code>."
    )


def test_it_escapes_everything_else_first():
    assert code_spans('<script>alert(1)</script> `<b onclick="x">`') == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <code>&lt;b onclick=&quot;x&quot;&gt;</code>"
    )


def test_a_lone_backtick_or_an_empty_span_stays_text():
    assert code_spans("it's ` odd") == "it&#x27;s ` odd"
    assert code_spans("empty `` here") == "empty `` here"

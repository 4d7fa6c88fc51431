from __future__ import annotations

from pathlib import Path

from engine.markdown import pygments_css, render_markdown, split_sections

REPO = Path(__file__).resolve().parents[2]


def test_it_strips_scripts_and_event_handlers():
    html = render_markdown(
        "Hello <script>alert('x')</script> world\n\n"
        '<img src="x.png" onerror="alert(1)">\n\n'
        "[click](javascript:alert(1))\n\n"
        '<iframe src="https://example.com"></iframe>\n\n'
        '<a href="https://example.com" onclick="steal()">link</a>\n'
    ).html
    assert "<script" not in html and "alert('x')" not in html
    assert "onerror" not in html and "onclick" not in html
    assert 'href="javascript' not in html
    assert "<iframe" not in html
    assert 'rel="noopener noreferrer"' in html


def test_it_highlights_code_by_language():
    html = render_markdown(
        "```yaml\napiVersion: v1\nkind: Pod\n```\n\n```bash\nkubectl get pods\n```\n"
    ).html
    assert '<pre class="highlight" data-lang="yaml">' in html
    assert '<span class="nt">apiVersion</span>' in html
    assert 'data-lang="bash"' in html


def test_unknown_languages_are_plain_text_and_escaped():
    html = render_markdown("```brainfuck\n<b>not bold</b>\n```\n").html
    assert 'data-lang="text"' in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html


def test_it_renders_callouts_with_titles():
    html = render_markdown(
        "::: outdated Ingress moved\nUse `networking.k8s.io/v1`.\n:::\n\n::: try\nRun it.\n:::\n"
    ).html
    assert '<aside class="callout callout-outdated">' in html
    assert "Outdated in the notes: Ingress moved" in html
    assert '<aside class="callout callout-try">' in html
    assert "<code>networking.k8s.io/v1</code>" in html


def test_callout_titles_are_escaped():
    html = render_markdown("::: note <img src=x onerror=alert(1)>\nBody\n:::\n").html
    assert "onerror" not in html or "&lt;img" in html
    assert "<img" not in html


def test_headings_get_anchors_and_make_the_toc():
    rendered = render_markdown("Intro\n\n## Pods and Nodes\n\n### What a Pod is\n\n#### deep\n")
    assert [(h.level, h.anchor, h.title) for h in rendered.toc] == [
        (2, "pods-and-nodes", "Pods and Nodes"),
        (3, "what-a-pod-is", "What a Pod is"),
    ]
    assert '<h2 id="pods-and-nodes">' in rendered.html


def test_local_images_point_at_the_chapter_assets():
    rendered = render_markdown(
        "![The control plane](arch.svg)", asset_url=lambda name: f"/chapters/x/assets/{name}"
    )
    assert '<img src="/chapters/x/assets/arch.svg" alt="The control plane"' in rendered.html
    assert rendered.images == [("arch.svg", 1)]


def test_sections_hold_plain_text_for_search():
    rendered = render_markdown("Intro here.\n\n## ClusterIP\n\nOnly **inside** the cluster.\n")
    assert split_sections(rendered.html) == [
        ("", "Introduction", "Intro here."),
        ("clusterip", "ClusterIP", "Only inside the cluster."),
    ]


def test_the_highlight_stylesheet_is_current():
    on_disk = (REPO / "static" / "css" / "highlight.css").read_text()
    assert on_disk.endswith(pygments_css()), "regenerate static/css/highlight.css"


def test_heading_permalinks_are_hidden_from_assistive_tech():
    html = render_markdown("## Pods\n").html
    assert 'class="header-anchor" href="#pods" rel="noopener noreferrer" aria-hidden="true"' in html
    assert 'tabindex="-1"' in html


def test_search_text_does_not_split_inline_code():
    rendered = render_markdown("## S\n\nUse (`app=web`) and **bold**text.\n")
    assert split_sections(rendered.html)[-1][2] == "Use (app=web) and boldtext."

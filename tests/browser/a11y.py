"""axe-core in Chromium: the WCAG 2.2 AA rules, run on a page as the tests see it.

axe.min.js comes from the cache `make test-deps` fills (tests/browser/axe/install.sh,
pinned by its package-lock.json); Playwright injects it into the page under test,
so it is never served to users and never fetched from a CDN while the tests run.
The contexts that run it bypass the site's content security policy, which would
otherwise refuse the injected script (the CSP itself is tested in test_csp.py).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

# WCAG 2.0, 2.1 and 2.2, levels A and AA: the rule set the statement page promises.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("critical", "serious")
SCHEMES = ("light", "dark")
WIDTHS = (1280, 320)  # a desktop, and the narrowest phone WCAG's reflow asks for
HEIGHT = 800


def axe_script() -> Path:
    """The cached axe.min.js of the pinned version (installed first if missing)."""
    result = subprocess.run(
        ["bash", str(REPO / "tests" / "browser" / "axe" / "install.sh")],
        capture_output=True, text=True, timeout=300, env=os.environ,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"axe-core could not be installed (run `make test-deps`):\n{result.stderr}")
    return Path(result.stdout.strip().splitlines()[-1])


def run_axe(page, script: Path) -> list[dict]:
    """The page's critical and serious WCAG 2.2 AA violations, as axe reports them."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    results = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
                // WCAG 2.2's target size (2.5.8) is off by default in axe: on here.
                rules: {"target-size": {enabled: true}},
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")).slice(0, 8),
                summary: (v.nodes[0] && v.nodes[0].failureSummary || "").slice(0, 300),
            }));
        }""",
        WCAG_22_AA,
    )
    return [v for v in results if v["impact"] in BLOCKING]


def settle(page) -> None:
    """Two animation frames: the page's own reaction to a new size (static/js/tutor.js) ran."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def check_page(page, script: Path, label: str) -> list[str]:
    """axe in light and dark, at desktop and phone width; one line per violation found."""
    found: list[str] = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            settle(page)
            for v in run_axe(page, script):
                found.append(
                    f"{label} [{scheme}, {width}px] {v['impact']} {v['id']}: {v['help']}\n"
                    f"    targets: {json.dumps(v['targets'])}\n    {v['summary']}"
                )
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    return found

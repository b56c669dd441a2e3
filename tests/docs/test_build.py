"""The documentation site builds with warnings as errors (what ``nox -s docs`` runs)."""

from __future__ import annotations

import re
from pathlib import Path


def test_the_site_builds_strictly_with_the_api_reference(site: Path) -> None:
    assert (site / "index.html").is_file()
    # The reference is generated from the docstrings, and the examples are embedded.
    client = (site / "api" / "client" / "index.html").read_text("utf-8")
    assert "A view acting as another user" in client
    trio_page = (site / "recipes" / "trio" / "index.html").read_text("utf-8")
    assert "trio.run" in trio_page
    # Signatures stand apart, formatted, their type names linked to the reference.
    managers = (site / "api" / "managers" / "index.html").read_text("utf-8")
    signatures = re.findall(r'<div class="doc-signature highlight">(.*?)</div>', managers, re.S)
    assert len(signatures) > 50
    assert any('href="../client/#zcrm_async.Config"' in s for s in signatures)
    # The diagrams reach the pages as mermaid blocks, which the theme draws in the browser.
    diagrams = {
        page: re.findall(r'<pre class="mermaid"><code>(.*?)</code></pre>', html, re.S)
        for page in ("how-it-works", "retries-and-limits", "token-persistence")
        for html in [(site / page / "index.html").read_text("utf-8")]
    }
    assert [d.split()[0] for d in diagrams["how-it-works"]] == ["flowchart", "sequenceDiagram"]
    assert diagrams["retries-and-limits"] == diagrams["how-it-works"][:1]
    assert diagrams["token-persistence"] == diagrams["how-it-works"][1:]

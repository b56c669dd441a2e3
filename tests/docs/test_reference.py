"""The API reference, as built: parameters, results and errors in tables, type names linked."""

from __future__ import annotations

import re
from pathlib import Path


def _entry(page: str, identifier: str) -> str:
    """The HTML of one documented object, up to the next object of the page."""
    start = page.index(f'id="{identifier}"')
    following = page.find('<div class="doc doc-object ', start)
    return page[start : following if following != -1 else len(page)]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_method_lists_its_parameters_result_and_errors(site: Path) -> None:
    page = (site / "api" / "managers" / "index.html").read_text("utf-8")
    search = _entry(page, "zcrm_async.managers.records.RecordsManager.search")
    parameters = search[search.index("Parameters:") : search.index("Returns:")]
    for name in ("criteria", "email", "phone", "word", "fields", "per_page", "**options"):
        assert f"<code>{name}</code>" in parameters, name
    # **options: one shared sentence, linked to where the options are documented.
    assert 'href="../client/#zcrm_async.RequestOptionsDict"><code>RequestOptionsDict</code>' in (
        parameters
    )
    returns = _text(search[search.index("Returns:") : search.index("Raises:")])
    # One description that wraps (not a value named "A", nor one row per line).
    assert returns.startswith("Returns: Type Description Pager [ Record ] A Pager of the matching")
    assert "Zoho returns at most 2,000 records for one search." in returns
    assert "InvalidArgumentError" in _text(search[search.index("Raises:") :])


def test_roles_in_docstrings_become_links(site: Path) -> None:
    page = (site / "api" / "managers" / "index.html").read_text("utf-8")
    mass_update = _entry(page, "zcrm_async.managers.records.RecordsManager.mass_update")
    # A method named relative to its class, in a method of a mixin the manager inherits.
    assert (
        'href="#zcrm_async.managers.records.RecordsManager.mass_update_status">'
        "<code>mass_update_status</code></a>"
    ) in mass_update
    for path in sorted((site / "api").rglob("*.html")):
        text = _text(path.read_text("utf-8"))
        assert not re.search(r":(class|meth|func|attr|data|exc|obj):", text), path
        assert "~zcrm_async" not in text, path


def test_constructor_arguments_are_documented(site: Path) -> None:
    client = (site / "api" / "client" / "index.html").read_text("utf-8")
    entry = _entry(client, "zcrm_async.ZohoCRM")
    for name in ("config", "store", "transport", "http_client", "retry", "hooks"):
        assert f"<code>{name}</code>" in entry, name

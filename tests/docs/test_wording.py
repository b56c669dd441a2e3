"""What users read says things in their words: no issue numbers, test-file paths or other
names that only mean something inside the project.

Checked: every page of the site with the files it includes (examples, diagrams, handlers),
the README, and every docstring of the package (the API reference and ``help()`` show them).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "docs" / "pages"
#: Where ``--8<-- "file"`` includes are looked up (docs/mkdocs.yml, pymdownx.snippets).
SNIPPET_BASES = (ROOT / "docs", ROOT)
_INCLUDE = re.compile(r'^[ \t]*--8<-- "([^"]+)"[ \t]*$', re.M)

#: What a reader cannot resolve, and the pattern that finds it.
INTERNAL = {
    "an issue number": r"\bissues?\s*#?\d+",
    "a test file's path": r"(?<![\w./-])tests/[\w/.-]*|\btest_\w+\.py\b",
    "'the seed' (name the Zoho guide or SDK meant)": r"\bthe seed\b|\bseed's\b",
    "a path into the project's own notes": (
        r"(?<![\w/.-])(?:shared/)?reference/[\w./-]+|\.\./shared"
    ),
    "the name of a work session": r"\b(?:docsa|docsb|perfr|perfw)\b",
    "'classic precedence' (say the order, and that the first one configured wins)": (
        r"\bclassic precedence\b"
    ),
    "a citation mark of the project's notes": r"\[(?:OAS|V7|V8|SDK)\]",
}
_PATTERNS = {what: re.compile(pattern, re.I) for what, pattern in INTERNAL.items()}

#: Texts that still carry such wording, each with why it is tolerated for now. An entry that
#: stops matching fails the suite, so it is removed as soon as the text is reworded.
ALLOWED: dict[str, str] = {}


def findings(text: str) -> list[str]:
    """Each piece of internal wording in ``text``: what it is, and the words found."""
    return [
        f"{what}: {match.group(0)!r}"
        for what, pattern in _PATTERNS.items()
        for match in pattern.finditer(text)
    ]


def _included(name: str) -> Path:
    for base in SNIPPET_BASES:
        if (base / name).is_file():
            return base / name
    raise AssertionError(f"an include names {name!r}, found under none of {SNIPPET_BASES}")


def _page_texts() -> Iterator[tuple[str, str]]:
    """(name, text) of every page, its include lines dropped, and of each file it includes."""
    seen: set[Path] = set()
    for page in sorted(PAGES.rglob("*.md")):
        text = page.read_text("utf-8")
        yield str(page.relative_to(ROOT)), _INCLUDE.sub("", text)
        for name in _INCLUDE.findall(text):
            path = _included(name)
            if path not in seen:
                seen.add(path)
                yield str(path.relative_to(ROOT)), path.read_text("utf-8")


def _docstrings() -> Iterator[tuple[str, str]]:
    """(``module:name``, docstring) of every module, class and function of the package."""
    for path in sorted((ROOT / "zcrm_async").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                docstring = ast.get_docstring(node)
                if docstring:
                    yield f"{where}:{getattr(node, 'name', '<module>')}", docstring


@cache
def _readable() -> tuple[tuple[str, str], ...]:
    """(name, text) of everything checked, read once per test session."""
    readme = ("README.md", (ROOT / "README.md").read_text("utf-8"))
    return (*_page_texts(), readme, *_docstrings())


def test_pages_readme_and_docstrings_use_the_readers_words() -> None:
    found = {
        name: hits for name, text in _readable() if name not in ALLOWED and (hits := findings(text))
    }
    assert found == {}, "reword these in the reader's words:\n" + "\n".join(
        f"- {name}: {hit}" for name, hits in sorted(found.items()) for hit in hits
    )


def test_every_allowance_is_still_needed() -> None:
    texts = dict(_readable())
    stale = [name for name in ALLOWED if not findings(texts.get(name, ""))]
    assert stale == [], f"reworded (or no longer shown): remove from ALLOWED: {stale}"


def test_the_check_reads_pages_includes_readme_and_docstrings() -> None:
    names = [name for name, _ in _readable()]
    assert "docs/pages/index.md" in names
    assert "docs/examples/fastapi_app.py" in names
    assert "docs/diagrams/request-path.md" in names
    assert "README.md" in names
    assert "zcrm_async/_client.py:ZohoCRM" in names
    assert sum(1 for name in names if ":" in name) > 500


@pytest.mark.parametrize(
    "text",
    [
        "As issue 12 asked, retries are bounded.",
        "See issue #3.",
        "Run by tests/docs/test_examples.py.",
        "Checked in test_refresh_storm.py.",
        "The seed's configuration keys.",
        "Facts from ../shared/reference/zoho-crm-api.md",
        "Zoho documents it (reference/zoho-crm-api.md).",
        "perfr measured this.",
        "Token stores, in the classic precedence.",
        "The count is an integer [OAS].",
    ],
)
def test_the_check_finds_internal_wording(text: str) -> None:
    assert findings(text), text


@pytest.mark.parametrize(
    "text",
    [
        "fake.seed(module, n) stores generated records; serve --seed Leads=2500.",
        "See https://docs.python.org/3/reference/datamodel.html and https://x.test/tests/a.",
        "Zoho issues a grant code that lives a few minutes.",
        "The first store configured wins, in the order of Zoho's classic SDKs.",
        "Write your own tests against FakeZohoCRM.",
    ],
)
def test_the_check_lets_ordinary_wording_through(text: str) -> None:
    assert findings(text) == []

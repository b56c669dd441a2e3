"""Every ```python block of the documentation runs, offline, against a FakeZohoCRM.

The convention (also in docs/pages/contributing-docs.md):

* The blocks of one page run in order in one namespace, so a page reads as one program.
  Top-level ``await`` works. The namespace starts with ``zc`` (``zcrm_async``), ``fake`` (a
  :class:`FakeZohoCRM` registered with the docs' client values), ``crm`` (a ``ZohoCRM`` on it
  whose tokens for ``you@example.com`` are already generated) and ``grant_token`` (a fresh grant
  code, as copied from the API console).
* Every ``ZohoCRM`` the examples create is wired to that fake, so examples can build their own
  clients from ordinary-looking configs. The working directory is a temporary one, and the
  per-user data directory (the default SQLite store) is inside it.
* A block defining ``async def main()`` is a complete script: after it, ``main()`` is awaited
  (``if __name__ == "__main__":`` guards do not fire).
* A block whose first line is ``# docs: no-run`` is compiled but not run (it needs something
  the tests do not have, such as a MySQL server). Such blocks must stay few.
* A page containing ``<!-- docs: asyncio-only -->`` (aiohttp) runs under asyncio only, one
  with ``<!-- docs: trio-only -->`` under trio only; the others under both.
* A block that only includes a file (``--8<-- "examples/x.py"``) shows one of docs/examples,
  which tests/docs/test_example_programs.py runs.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio

PAGES = Path(__file__).resolve().parents[2] / "docs" / "pages"
NO_RUN = "# docs: no-run"
NO_RUN_BUDGET = 8
INCLUDE = '--8<-- "'
ASYNCIO_ONLY = "<!-- docs: asyncio-only -->"
TRIO_ONLY = "<!-- docs: trio-only -->"

#: The client registration the docs show; the fake is registered with the same values.
DOCS_CLIENT = {
    "client_id": "1000.XXXXXXXXXXXXXXXXXXXX",
    "client_secret": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "redirect_uri": "https://www.example.com/zoho/callback",
}
DOCS_USER = "you@example.com"

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.S | re.M
)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the block's first code line in the page
    code: str

    @property
    def runs(self) -> bool:
        return not self.code.lstrip().startswith(NO_RUN)

    def compile(self) -> Any:
        # Leading blank lines make tracebacks point at the page's own line numbers.
        source = "\n" * (self.line - 1) + self.code
        return compile(source, str(self.page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def blocks(page: Path) -> list[Block]:
    text = page.read_text("utf-8")
    found = []
    for match in _FENCE.finditer(text):
        indent = len(match["indent"])
        lines = [line[indent:] for line in match["body"].splitlines()]
        line = text.count("\n", 0, match.start("body")) + 1
        code = "\n".join(lines) + "\n"
        if not code.lstrip().startswith(INCLUDE):
            found.append(Block(page, line, code))
    return found


def all_blocks() -> Iterator[Block]:
    for page in sorted(PAGES.rglob("*.md")):
        yield from blocks(page)


def pages_with_examples() -> list[Path]:
    return sorted({block.page for block in all_blocks() if block.runs})


def test_the_docs_have_examples_and_few_are_exempt() -> None:
    every = list(all_blocks())
    exempt = [f"{b.page.relative_to(PAGES)}:{b.line}" for b in every if not b.runs]
    assert len(every) >= 40
    assert len(exempt) <= NO_RUN_BUDGET, exempt


def test_exempt_blocks_still_compile() -> None:
    for block in all_blocks():
        block.compile()  # a SyntaxError names the page and line


@pytest.fixture
def docs_fake() -> FakeZohoCRM:
    # On Zoho's own API domain (every request reaches the fake through its transport), so that
    # the docs' configs need no opt-in for a plain-http test host.
    return FakeZohoCRM(user_email=DOCS_USER, base_url="https://www.zohoapis.com", **DOCS_CLIENT)


@pytest.fixture
def offline(docs_fake: FakeZohoCRM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeZohoCRM:
    """Route every ZohoCRM to the fake; run in a scratch directory."""
    original = zc.ZohoCRM.__init__

    def offline_init(self: zc.ZohoCRM, config: Any, **options: Any) -> None:
        if options.get("transport") is None and options.get("http_client") is None:
            options["transport"] = docs_fake.transport()
        original(self, config, **options)

    monkeypatch.setattr(zc.ZohoCRM, "__init__", offline_init)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in [name for name in os.environ if name.startswith("ZCRM_")]:
        monkeypatch.delenv(name)
    return docs_fake


def runs() -> list[Any]:
    """Every page under asyncio and trio, unless it says ``<!-- docs: asyncio-only -->`` (or
    ``trio-only``)."""
    params = []
    for page in pages_with_examples():
        name = str(page.relative_to(PAGES))
        text = page.read_text("utf-8")
        backends = [
            backend
            for backend, other_only in (("asyncio", TRIO_ONLY), ("trio", ASYNCIO_ONLY))
            if other_only not in text
        ]
        params += [pytest.param(page, backend, id=f"{backend}-{name}") for backend in backends]
    return params


@pytest.mark.parametrize(("page", "anyio_backend"), runs())
async def test_page_examples_run(page: Path, offline: FakeZohoCRM) -> None:
    config = zc.Config.from_dict(
        {**DOCS_CLIENT, "current_user_email": DOCS_USER, "persistence": "memory"}
    )
    async with zc.ZohoCRM(config) as crm:
        await crm.oauth.generate_access_token(offline.issue_grant_code())
        namespace: dict[str, Any] = {
            "__name__": "__docs__",
            "zc": zc,
            "fake": offline,
            "crm": crm,
            "grant_token": offline.issue_grant_code(),
        }
        for block in blocks(page):
            if not block.runs:
                continue
            main_before = namespace.get("main")
            result = eval(block.compile(), namespace)
            if inspect.iscoroutine(result):
                await result
            main = namespace.get("main")
            if main is not None and main is not main_before:
                await main()

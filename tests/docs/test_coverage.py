"""The docs keep up with the code: every config key and CLI command is in them (public names:
tests/test_package.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import attrs

import zcrm_async as zc
from zcrm_async._config import ALIASES

PAGES = Path(__file__).resolve().parents[2] / "docs" / "pages"


def _text(*names: str) -> str:
    return "".join((PAGES / name).read_text("utf-8") for name in names)


def test_every_config_key_and_alias_is_in_the_configuration_table() -> None:
    table = _text("configuration.md")
    missing = [f.name for f in attrs.fields(zc.Config) if f"| `{f.name}` |" not in table]
    missing += [alias for alias in ALIASES if f"`{alias}`" not in table]
    assert not missing, f"add these keys to docs/pages/configuration.md: {missing}"


def _choices(*command: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "zcrm_async", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = re.search(r"\{([a-z,-]+)\} \.\.\.", done.stdout)
    return found[1].split(",") if found else []


def test_every_cli_command_is_in_the_command_line_page() -> None:
    page = _text("cli.md")
    missing = []
    for command in _choices():
        subcommands = _choices(command)
        for sub in subcommands or [""]:
            spelled = f"zcrm {command} {sub}".strip()
            if spelled not in page:
                missing.append(spelled)
    assert not missing, f"document these in docs/pages/cli.md: {missing}"


def test_the_scopes_getting_started_lists_are_the_default_scopes() -> None:
    page = _text("getting-started.md")
    listed = re.search(r"<!-- the default scopes -->\n```text\n(.*?)\n```", page, re.S)
    assert listed, "getting-started.md lists the default scopes in a ```text block"
    assert listed[1].strip().split(",") == list(zc.DEFAULT_SCOPES)

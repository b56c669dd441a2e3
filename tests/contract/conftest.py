"""Fixtures: Zoho's specs (read from outside the repository, never copied), one scenario run."""

from __future__ import annotations

import pytest

from tests._external import require_spec_dir

from ._known_defects import SPEC_PATCHES
from ._oas import SpecBook
from ._scenario import ScenarioRun, run_scenario


@pytest.fixture(scope="session")
def spec_book() -> SpecBook:
    """Every v8 spec file, ``$ref``s rewritten to the local files, known defects patched."""
    return SpecBook(require_spec_dir(), {patch.name: patch.apply for patch in SPEC_PATCHES})


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> ScenarioRun:
    """Every manager operation run once on API v8 against the fake, every exchange recorded."""
    return run_scenario(tmp_path_factory.mktemp("contract"), "v8")

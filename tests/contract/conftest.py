"""Fixtures: Zoho's specs (read from ../shared, never copied) and one recorded scenario run."""

from __future__ import annotations

import pytest

from ._known_defects import SPEC_PATCHES
from ._oas import SpecBook, spec_dir
from ._scenario import ScenarioRun, run_scenario


@pytest.fixture(scope="session")
def spec_book() -> SpecBook:
    """Every v8 spec file, ``$ref``s rewritten to the local files, known defects patched."""
    folder = spec_dir()
    if not folder.is_dir():
        pytest.fail(
            f"Zoho's OpenAPI specs are missing: expected them at {folder} "
            "(the shared/ folder beside the repository, reference/crm-oas-v8)",
            pytrace=False,
        )
    return SpecBook(folder, {patch.name: patch.apply for patch in SPEC_PATCHES})


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> ScenarioRun:
    """Every manager operation run once on API v8 against the fake, every exchange recorded."""
    return run_scenario(tmp_path_factory.mktemp("contract"), "v8")

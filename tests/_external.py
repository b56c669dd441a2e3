"""Things some tests need from outside the repository, and what happens when one is missing.

Locally (no ``CI`` variable) a test whose outside need is missing is skipped, with a reason
that names what is missing and how to provide it. In CI (``CI`` set to anything but ``0`` or
``false``) every skip is a failure: a green CI run means every test ran.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import NoReturn

import pytest

__all__ = ["in_ci", "missing", "spec_dir"]

REPO_ROOT = Path(__file__).resolve().parents[1]


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set (and not ``0``/``false``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(what: str, how: str) -> NoReturn:
    """Skip the running test (locally) because ``what`` is missing; ``how`` says how to get it.

    In CI the same call fails the test: there, nothing may be missing.
    """
    message = f"missing {what}: {how}"
    if in_ci():
        pytest.fail(f"{message} (CI must run every test)", pytrace=False)
    pytest.skip(message)


def spec_dir() -> Path:
    """Zoho's v8 OpenAPI specs: ``ZCRM_OAS_DIR``, else ``../shared/reference/crm-oas-v8``."""
    configured = os.environ.get("ZCRM_OAS_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    return REPO_ROOT.parent / "shared" / "reference" / "crm-oas-v8"


def require_spec_dir() -> Path:
    """The specs folder, or a skip (a failure in CI) that says how to provide it."""
    folder = spec_dir()
    if not (folder.is_dir() and any(folder.glob("*.json"))):
        missing(
            f"Zoho's v8 OpenAPI specs (looked in {folder})",
            "set ZCRM_OAS_DIR to a folder holding the v8.0/*.json files of "
            "https://github.com/zoho/crm-oas",
        )
    return folder


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """In CI a skipped test is a failure (whatever skipped it): green must mean it ran."""
    report = yield
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI ({reason}); CI must run every test"
    return report

"""Zoho's own SDKs, unmodified, succeed against ``python -m zcrm_async.testing serve``.

Each SDK runs in its own process (``v8_sdk.py``: zohocrmsdk8-0 7.0.0 on API v8; ``v2_sdk.py``:
the classic zcrmsdk 2.0.14 on API v2) against a fake served on a real socket, and reports each
step (``_steps.py``). If the fake answered differently from Zoho, these clients, written against
Zoho itself, would fail. The SDKs come with the ``fidelity`` extra (in ``dev``).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests._external import missing
from tests._served import served_fake

from ._steps import V2_STEPS, V8_STEPS

pytestmark = pytest.mark.socket

HERE = Path(__file__).resolve().parent
_RUN_TIMEOUT = 600
Results = dict[str, dict[str, Any]]


def _run(script: str, package: str, distribution: str, tmp: Path, *options: str) -> Results:
    if importlib.util.find_spec(package) is None:
        missing(f"Zoho's official SDK {distribution}", 'pip install -e ".[fidelity]"')
    with served_fake(*options) as served:
        finished = subprocess.run(
            [sys.executable, str(HERE / script), served.url, served.grant_code, str(tmp)],
            capture_output=True,
            text=True,
            timeout=_RUN_TIMEOUT,
            cwd=tmp,
        )
    results = {}
    for line in finished.stdout.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            results[entry["step"]] = entry
    assert results, f"no step ran:\n{finished.stdout}\n{finished.stderr[-3000:]}"
    return results


@pytest.fixture(scope="module")
def v8(tmp_path_factory: pytest.TempPathFactory) -> Results:
    """zohocrmsdk8-0's steps; the fake holds 2,100 Leads so listing needs page_token."""
    tmp = tmp_path_factory.mktemp("v8-sdk")
    return _run("v8_sdk.py", "zohocrmsdk", "zohocrmsdk8-0 7.0.0", tmp, "--seed", "Leads=2100")


@pytest.fixture(scope="module")
def v2(tmp_path_factory: pytest.TempPathFactory) -> Results:
    """zcrmsdk 2.0.14's steps."""
    return _run("v2_sdk.py", "zcrmsdk", "zcrmsdk 2.0.14", tmp_path_factory.mktemp("v2-sdk"))


def _figure(results: Results, steps: tuple[str, ...]) -> str:
    passed = sum(results.get(step, {}).get("ok", False) for step in steps)
    return f"{passed}/{len(steps)} steps passed"


@pytest.mark.parametrize("step", V8_STEPS)
def test_the_v8_sdk_step_succeeds(v8: Results, step: str) -> None:
    assert step in v8, f"not run ({_figure(v8, V8_STEPS)})"
    assert v8[step]["ok"], f"{v8[step].get('error')} ({_figure(v8, V8_STEPS)})"


@pytest.mark.parametrize("step", V2_STEPS)
def test_the_classic_v2_sdk_step_succeeds(v2: Results, step: str) -> None:
    assert step in v2, f"not run ({_figure(v2, V2_STEPS)})"
    assert v2[step]["ok"], f"{v2[step].get('error')} ({_figure(v2, V2_STEPS)})"


def test_every_step_of_both_sdks_ran(v8: Results, v2: Results) -> None:
    assert list(v8) == list(V8_STEPS) and list(v2) == list(V2_STEPS)

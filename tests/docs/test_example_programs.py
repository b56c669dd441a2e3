"""The programs in docs/examples run against the fake: the trio script, the nightly export
worker, the blocking script and the FastAPI app (in-process here; served by uvicorn in
test_example_servers.py, with the aiohttp app)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx
import pytest
import trio
from asgi_lifespan import LifespanManager

import zcrm_async as zc
from tests.integrations.webflow import APP_URL, SECRET, consent
from zcrm_async.testing import FakeZohoCRM

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"docs_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(name: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def test_every_example_is_shown_in_the_docs() -> None:
    pages = "".join(p.read_text("utf-8") for p in (ROOT / "docs" / "pages").rglob("*.md"))
    for example in EXAMPLES.glob("*.py"):
        assert f'--8<-- "examples/{example.name}"' in pages, example.name


# -- trio ------------------------------------------------------------------------------------


def test_the_trio_script_runs_under_trio() -> None:
    script = load("trio_script")

    async def main() -> dict[str, Any]:
        from zcrm_async._backend import current_backend

        assert current_backend() == "trio"  # no asyncio loop anywhere
        summary: dict[str, Any] = await script.main(["--fake"])
        return summary

    summary = trio.run(main)
    assert summary["user"] == "admin@example.com"
    assert summary["written"] == 250
    assert summary["counts"] == {"Leads": 250, "Contacts": 0, "Accounts": 0}
    assert summary["first"] == [f"Trio {n:03}" for n in range(5)]
    assert summary["listed"] == 250
    assert "zcrm_oauthtokens.txt" in summary["token_file"]  # the file store persisted them
    assert summary["sqlite"] is True


def test_the_trio_script_runs_as_a_program() -> None:
    assert "'written': 250" in run_script("trio_script", "--fake")


# -- the asyncio worker ----------------------------------------------------------------------


def test_the_nightly_export_runs_as_a_program(tmp_path: Path) -> None:
    output = run_script("nightly_export", "--fake", "--out", str(tmp_path))
    assert "exported 2500 records" in output
    [export] = tmp_path.glob("Leads-*.jsonl")
    assert len(export.read_text("utf-8").splitlines()) == 2500
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.anyio
@pytest.mark.backends("asyncio")
async def test_the_nightly_export_only_exports_what_changed(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, tmp_path: Path
) -> None:
    worker = load("nightly_export")
    ids = fake.add_records("Leads", [{"Last_Name": f"L{n}"} for n in range(5)])
    path, count = await worker.nightly(crm, tmp_path)
    assert count == 5
    await anyio.sleep(1.1)  # If-Modified-Since has a resolution of one second
    result = await crm.records("Leads").update([{"id": ids[2], "Last_Name": "Changed"}])
    result.raise_for_failures()
    path, count = await worker.nightly(crm, tmp_path)
    assert count == 1
    assert '"Last_Name": "Changed"' in path.read_text("utf-8")


# -- the blocking script ----------------------------------------------------------------------


def test_the_blocking_script_runs_as_a_program_with_no_async_code() -> None:
    source = (EXAMPLES / "blocking_script.py").read_text("utf-8")
    tree = ast.parse(source)
    assert not [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.AsyncFunctionDef, ast.Await, ast.AsyncFor, ast.AsyncWith))
    ]
    output = run_script("blocking_script", "--fake")
    summary = ast.literal_eval(output.strip().splitlines()[-1])
    assert summary == {
        "user": "admin@example.com",
        "created": 3,
        "names": ["Blocking 0", "Blocking 1", "Blocking 2"],
        "first_page": 2,
        "counts": {"Leads": 3, "Contacts": 0, "Accounts": 0},
        "download": "called from plain Python",
        "missing": "RECORD_NOT_FOUND",
    }


# -- the FastAPI app -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_fastapi_app_serves_logged_in_users() -> None:
    example = load("fastapi_app")
    fake = FakeZohoCRM(redirect_uri=f"{APP_URL}/zoho/callback")

    @asynccontextmanager
    async def in_process_fake() -> AsyncIterator[zc.Config]:
        yield fake.config()

    app = example.create_app(in_process_fake, secret_key=SECRET, transport=fake.transport())
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url=APP_URL
        ) as browser,
    ):
        assert 'href="/zoho/login"' in (await browser.get("/")).text
        assert (await browser.get("/leads")).status_code == 401
        start = await browser.get("/zoho/login")
        callback = await consent(fake, start.headers["location"], "ann@example.com")
        done = await browser.get(str(callback.copy_with(scheme=None, host=None, port=None)))
        assert done.headers["location"] == "/"
        assert "Signed in as ann@example.com" in (await browser.get("/")).text

        created = await browser.post("/leads", json={"last_name": "Lovelace"})
        assert created.status_code == 201
        assert created.json()["owner"] == "ann@example.com"
        leads = (await browser.get("/leads")).json()
        assert [lead["name"] for lead in leads] == ["Lovelace"]

        refused = await browser.post("/leads", json={"last_name": "X", "email": "not-an-email"})
        assert refused.status_code == 422
        assert refused.json()["detail"]["code"] == "INVALID_DATA"

        logged_out = await browser.post("/zoho/logout")
        assert logged_out.headers["location"] == "/"
        home = await browser.get("/")
        assert home.status_code == 200 and 'href="/zoho/login"' in home.text

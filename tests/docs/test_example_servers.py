"""The web examples of docs/examples served as their docs say, as real processes: started,
driven through a whole login with httpx, stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import attrs
import httpx
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.socket

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**values: str) -> dict[str, str]:
    """This environment without any ZCRM_*/ZOHO_ACCOUNT/APP_SECRET_KEY, plus ``values``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ZCRM_") and name not in ("ZOHO_ACCOUNT", "APP_SECRET_KEY", "PORT")
    }
    return {**env, **values}


@contextmanager
def serving(argv: list[str], port: int, env: Mapping[str, str], log: Path) -> Iterator[str]:
    """Run ``argv`` from the repository root until it answers on ``port``; Ctrl-C it after."""
    with log.open("w") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
        base = f"http://localhost:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    httpx.get(f"{base}/", timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            yield base
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                pytest.fail(f"{argv} did not stop on Ctrl-C:\n{log.read_text()}")
    assert process.returncode == 0, log.read_text()


def log_in_and_out(base: str, user: str, leads: list[str]) -> None:
    """What a person does in a browser: log in, read and create leads, log out."""
    with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as browser:
        home = browser.get("/")
        assert home.status_code == 200 and 'href="/zoho/login"' in home.text
        assert browser.get("/leads").status_code == 401

        signed_in = browser.get("/zoho/login")  # to Zoho's consent page and back, then home
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.url.path == "/"
        assert f"Signed in as {user}" in signed_in.text
        assert sorted(lead["name"] for lead in browser.get("/leads").json()) == leads

        created = browser.post("/leads", json={"last_name": "Turing"})
        assert created.status_code == 201, created.text
        assert created.json()["owner"] == user
        refused = browser.post("/leads", json={"last_name": "X", "email": "not-an-email"})
        assert refused.status_code == 422
        assert "INVALID_DATA" in refused.text

        logged_out = browser.post("/zoho/logout")  # lands on a page that works
        assert logged_out.status_code == 200
        assert logged_out.url.path == "/"
        assert 'href="/zoho/login"' in logged_out.text
        assert browser.get("/leads").status_code == 401


SAMPLE = ["Hopper", "Lovelace"]


def test_uvicorn_serves_the_fastapi_example_offline(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "docs.examples.fastapi_app:app", "--port", str(port)]
    with serving(argv, port, clean_env(PORT=str(port)), tmp_path / "log") as base:
        log_in_and_out(base, "admin@example.com", SAMPLE)
    assert f"open http://localhost:{port}/" in (tmp_path / "log").read_text()


def test_the_aiohttp_example_runs_as_a_program_offline(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "docs/examples/aiohttp_app.py"]
    with serving(argv, port, clean_env(PORT=str(port)), tmp_path / "log") as base:
        log_in_and_out(base, "admin@example.com", SAMPLE)


def zcrm_env(config: zc.Config) -> dict[str, str]:
    """``config`` as the ZCRM_* variables ``Config.from_env`` reads (its non-default values)."""
    mandatory = ("client_id", "client_secret", "redirect_uri")
    defaults = zc.Config(**{name: getattr(config, name) for name in mandatory})
    env = {}
    for field in attrs.fields(zc.Config):
        value = getattr(config, field.name)
        if value is not None and (
            field.name in mandatory or value != getattr(defaults, field.name)
        ):
            text = str(value).lower() if isinstance(value, bool) else str(value)
            env[f"ZCRM_{field.name.upper()}"] = text
    return env


@pytest.mark.parametrize(
    "argv",
    [
        ["-m", "uvicorn", "docs.examples.fastapi_app:app", "--port", "{port}"],
        ["docs/examples/aiohttp_app.py"],
    ],
    ids=["fastapi", "aiohttp"],
)
def test_the_web_examples_with_a_real_account(argv: list[str], tmp_path: Path) -> None:
    """ZOHO_ACCOUNT=real: the config from ZCRM_* variables (here naming a fake on a socket)."""
    port = free_port()
    fake = FakeZohoCRM(redirect_uri=f"http://localhost:{port}/zoho/callback")
    fake.add_user("ann@example.com")
    fake.add_records("Leads", [{"Last_Name": "Existing"}])
    with fake.serve_in_thread():
        config = fake.config(persistence=None, sqlite_path=str(tmp_path / "tokens.db"))
        env = clean_env(
            PORT=str(port),
            ZOHO_ACCOUNT="real",
            APP_SECRET_KEY="a-secret-key-for-this-test-0123456789",
            **zcrm_env(config),
        )
        command = [sys.executable, *(arg.format(port=port) for arg in argv)]
        with serving(command, port, env, tmp_path / "log") as base:
            log_in_and_out(base, "admin@example.com", ["Existing"])
    assert (tmp_path / "tokens.db").exists()  # the signed-in user's tokens were persisted


@pytest.mark.parametrize("name", ["fastapi_app", "aiohttp_app"])
def test_a_real_account_needs_a_secret_key_and_a_known_account(name: str, tmp_path: Path) -> None:
    script = f"from docs.examples.{name} import app_from_env; app_from_env()"
    for env, message in (
        (clean_env(ZOHO_ACCOUNT="real"), "needs APP_SECRET_KEY"),
        (clean_env(ZOHO_ACCOUNT="staging"), "must be 'fake' or 'real'"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode != 0
        assert message in done.stderr

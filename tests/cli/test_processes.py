"""The README's demo command and the fake server's command line, as real processes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.socket


def test_the_demo_runs_end_to_end_and_persists_tokens_in_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "zcrm_async", "demo", "--sqlite-path", str(database)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = done.stdout
    assert "grant token exchanged for admin@example.com" in out
    assert "current user:" in out and "org:" in out
    assert re.search(r"record #0: success id \d+", out)
    assert "MANDATORY_NOT_FOUND" in out  # the record without Last_Name, reported per record
    assert "Company is now 'Analytical Engines Ltd'" in out
    assert "refreshed it (1 mint)" in out
    assert "0 leads left" in out
    import sqlite3

    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT useridentifier FROM oauthtokens").fetchall()
    assert rows == [("admin@example.com",)]


def test_the_fake_serves_on_a_socket_from_the_command_line() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "zcrm_async.testing", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        text = "".join(lines)
        url = re.search(r"serving at (\S+)", text)
        code = re.search(r"grant code:\s+(\S+)", text)
        client_id = re.search(r"client_id:\s+(\S+)", text)
        secret = re.search(r"client_secret:\s+(\S+)", text)
        redirect = re.search(r"redirect_uri:\s+(\S+)", text)
        assert url and code and client_id and secret and redirect
        answer = httpx.post(
            f"{url.group(1)}/oauth/v2/token",
            data={
                "grant_type": "authorization_code",
                "client_id": client_id.group(1),
                "client_secret": secret.group(1),
                "redirect_uri": redirect.group(1),
                "code": code.group(1),
            },
        ).json()
        assert answer["api_domain"] == url.group(1)
        org = httpx.get(
            f"{url.group(1)}/crm/v8/org",
            headers={"Authorization": f"Zoho-oauthtoken {answer['access_token']}"},
        )
        assert org.status_code == 200 and org.json()["org"][0]["zgid"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()

"""A fake Zoho CRM on a real socket and a config file pointing the ``zcrm`` CLI at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from zcrm_async.testing import FakeZohoCRM


@pytest.fixture
def served(fake: FakeZohoCRM) -> Iterator[str]:
    """The fake's base URL while it serves in a thread."""
    with fake.serve_in_thread() as url:
        yield url


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ZCRM_* variable of the developer's shell leaks into a test, and what the CLI
    remembers (the per-user data directory) stays in the test's own directory."""
    import os

    for name in list(os.environ):
        if name.startswith("ZCRM_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))


@pytest.fixture
def config_file(fake: FakeZohoCRM, served: str, tmp_path: Path) -> Path:
    """A JSON config with the seed's keys: the fake's client, tokens in a file store."""
    path = tmp_path / "zcrm.json"
    path.write_text(
        json.dumps(
            {
                "client_id": fake.client_id,
                "client_secret": fake.client_secret,
                "redirect_uri": fake.redirect_uri,
                "accounts_url": served,
                "upload_url": served,
                "current_user_email": fake.user_email,
                "token_persistence_path": str(tmp_path / "tokens"),
                "allow_untrusted_hosts": True,  # the fake serves plain http
            }
        )
    )
    (tmp_path / "tokens").mkdir()
    return path

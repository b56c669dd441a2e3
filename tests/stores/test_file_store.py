"""The file store: JSON, 0600, atomic, cross-process safe, and loud about foreign files."""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import anyio
import pytest

import zcrm_async as zc
from tests.stores.test_conformance import tokens

pytestmark = pytest.mark.anyio


async def test_uses_the_seed_file_name_with_mode_0600(tmp_path: Path) -> None:
    store = zc.FileStore(tmp_path)
    await store.save(tokens())
    path = tmp_path / "zcrm_oauthtokens.txt"
    assert store.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert document["tokens"]["ada@example.com"]["access_token"] == "1000.aaaa.bbbb"


async def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = zc.FileStore(tmp_path)
    async with anyio.create_task_group() as group:
        for n in range(20):
            group.start_soon(store.save, tokens(f"user{n}@example.com"))
    names = {p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")}
    assert names == {"zcrm_oauthtokens.txt"}
    for n in range(20):  # concurrent writers lost nobody
        assert await store.load(f"user{n}@example.com") is not None


@pytest.mark.parametrize(
    "content",
    [
        pickle.dumps({"accessToken": "x"}),  # the classic Python SDK's pickle stream
        b"\x04\x08[\x06",  # the Ruby SDK's Marshal dump
        b"{not json",
        json.dumps({"some": "other app's file"}).encode(),
    ],
)
async def test_foreign_or_corrupt_file_is_a_clear_error_and_untouched(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "zcrm_oauthtokens.txt"
    path.write_bytes(content)
    store = zc.FileStore(tmp_path)
    with pytest.raises(zc.TokenStoreError, match="is not a zcrm_async token file") as info:
        await store.load("ada@example.com")
    assert str(path) in str(info.value)
    with pytest.raises(zc.TokenStoreError):
        await store.save(tokens())
    assert path.read_bytes() == content  # nothing overwritten


async def test_missing_folder_is_named(tmp_path: Path) -> None:
    store = zc.FileStore(tmp_path / "nope")
    assert await store.load("ada@example.com") is None
    with pytest.raises(zc.TokenStoreError, match=r"nope.*is not an existing folder"):
        await store.save(tokens())


async def test_a_cancelled_save_still_completes(tmp_path: Path) -> None:
    store = zc.FileStore(tmp_path)
    with anyio.CancelScope() as scope:
        scope.cancel()
        await store.save(tokens())
    assert await store.load("ada@example.com") is not None


async def test_existing_file_permissions_are_tightened(tmp_path: Path) -> None:
    store = zc.FileStore(tmp_path)
    await store.save(tokens())
    os.chmod(store.path, 0o644)
    await store.save(tokens("bob@example.com"))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600

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


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("tokens", "tokens/zcrm_oauthtokens.txt"),  # a folder, created on the first save
        ("relativepath/to/zcrm_oauthtokens.txt", "relativepath/to/zcrm_oauthtokens.txt"),
        ("deep/er/my-tokens.json", "deep/er/my-tokens.json"),  # any file name with a suffix
    ],
)
async def test_token_persistence_path_names_a_folder_or_the_token_file(
    tmp_path: Path, given: str, expected: str
) -> None:
    store = zc.FileStore(tmp_path / given)
    assert store.path == tmp_path / expected
    assert await store.load("ada@example.com") is None  # nothing created by a read
    assert not store.folder.exists()
    saved = tokens()
    await store.save(saved)
    assert (tmp_path / expected).is_file()
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    assert await zc.FileStore(tmp_path / given).load("ada@example.com") == saved


async def test_an_existing_file_without_a_suffix_is_the_token_file(tmp_path: Path) -> None:
    saved = tokens()
    await zc.FileStore(tmp_path / "tokens.txt").save(saved)
    (tmp_path / "tokens.txt").rename(tmp_path / "mytokens")
    assert await zc.FileStore(tmp_path / "mytokens").load("ada@example.com") == saved


async def test_a_folder_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("in the way")
    store = zc.FileStore(tmp_path / "a-file" / "sub")
    with pytest.raises(zc.TokenStoreError, match=r"cannot create the folder .*a-file/sub"):
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

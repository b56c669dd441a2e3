"""Incremental sync: changes and deletions since the checkpoint, exactly once, resumable."""

from __future__ import annotations

import json
from collections import Counter
from contextlib import aclosing
from pathlib import Path
from typing import Any

import pytest

import zcrm_async as zc
from zcrm_async.incremental import Batch, CheckpointStore, IncrementalSync
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


class Crash(Exception):
    """Stands for the process dying in the middle of a sync."""


def new_sync(crm: zc.ZohoCRM, path: Path, **kwargs: Any) -> IncrementalSync:
    options = {"per_page": 50, **kwargs}
    return IncrementalSync(
        crm, "Leads", fields=["Last_Name", "Email"], store=CheckpointStore(path), **options
    )


async def collect(sync: IncrementalSync) -> tuple[list[str], list[str]]:
    changed: list[str] = []
    deleted: list[str] = []
    async with aclosing(sync.batches()) as batches:
        async for batch in batches:
            changed += [str(r.id) for r in batch.changed]
            deleted += [str(d["id"]) for d in batch.deleted]
    return changed, deleted


async def test_first_run_is_full_then_only_changes_and_deletions(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    ids = fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(120)])
    path = tmp_path / "sync.json"
    changed, deleted = await collect(new_sync(crm, path))
    assert sorted(changed) == sorted(ids) and deleted == []

    assert await collect(new_sync(crm, path)) == ([], [])  # nothing changed: nothing twice

    leads = crm.records("Leads")
    await leads.update([{"id": ids[3], "Email": "three@example.com"}])
    (new_id,) = fake.add_records("Leads", [{"Last_Name": "New"}])
    await leads.delete([ids[7]])
    changed, deleted = await collect(new_sync(crm, path))
    assert sorted(changed) == sorted([ids[3], new_id])
    assert deleted == [ids[7]]
    assert await collect(new_sync(crm, path)) == ([], [])


async def test_checkpoint_file_is_json_and_records_the_position(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(120)])
    path = tmp_path / "sync.json"
    sync = new_sync(crm, path)
    batches = sync.batches()
    first = (await anext(batches)).changed
    await anext(batches)  # the first batch is now committed
    document = json.loads(path.read_text())
    run = document["checkpoints"]["Leads"]["run"]
    assert run["phase"] == "changed"
    modified_time, record_id = run["cursor"]  # the last record of the committed batch
    assert record_id == first[-1].id and modified_time == first[-1]["Modified_Time"]
    await batches.aclose()
    assert [p.name for p in tmp_path.iterdir()] == ["sync.json"]  # no temp files left


@pytest.mark.parametrize("crash_after", [1, 2, 4])
async def test_crash_midway_then_resume_sees_every_change_exactly_once(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path, crash_after: int
) -> None:
    path = tmp_path / "sync.json"
    ids = fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(30)])
    await collect(new_sync(crm, path))  # the initial full sync
    leads = crm.records("Leads")
    await leads.update([{"id": i, "Email": f"{n}@example.com"} for n, i in enumerate(ids[:20])])
    new_ids = fake.add_records("Leads", [{"Last_Name": f"N{i}"} for i in range(230)])
    await leads.delete(ids[25:])
    expected = ids[:20] + new_ids

    handled: Counter[str] = Counter()
    batches_done = 0

    async def handle_until_crash(batch: Batch) -> None:
        nonlocal batches_done
        if batches_done == crash_after:
            raise Crash
        handled.update(str(r.id) for r in batch.changed)
        handled.update(f"deleted:{d['id']}" for d in batch.deleted)
        batches_done += 1

    with pytest.raises(Crash):
        await new_sync(crm, path).run(handle_until_crash)
    assert 0 < sum(handled.values()) < len(expected)

    def handle(batch: Batch) -> None:
        handled.update(str(r.id) for r in batch.changed)
        handled.update(f"deleted:{d['id']}" for d in batch.deleted)

    await new_sync(crm, path).run(handle)  # a new process: fresh objects, same file
    assert handled == Counter(expected + [f"deleted:{i}" for i in ids[25:]])
    assert set(handled.values()) == {1}
    assert await collect(new_sync(crm, path)) == ([], [])


async def test_a_run_left_by_the_positional_version_is_walked_again(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    ids = fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(120)])
    path = tmp_path / "sync.json"
    batches = new_sync(crm, path).batches()
    seen = [str(r.id) for r in (await anext(batches)).changed]
    await anext(batches)  # commits batch 1
    await batches.aclose()
    document = json.loads(path.read_text())
    run = document["checkpoints"]["Leads"]["run"]
    del run["cursor"]
    run["position"] = {"page_token": "from-an-older-version"}
    path.write_text(json.dumps(document))
    changed, _ = await collect(new_sync(crm, path))
    # walked again from the start: the committed batch is not handed out twice, nothing is lost
    assert sorted(seen + changed) == sorted(ids)


async def test_a_records_manager_is_refused_with_the_new_call(
    crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    store = CheckpointStore(tmp_path / "s.json")
    with pytest.raises(TypeError, match=r"IncrementalSync\(crm, 'Leads', fields=\.\.\."):
        IncrementalSync(crm.records("Leads"), "Leads", fields=["Last_Name"], store=store)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"per_page must be 1\.\.2000"):
        IncrementalSync(crm, "Leads", fields=["Last_Name"], store=store, per_page=2001)
    with pytest.raises(ValueError, match="fields must be a list of field API names"):
        IncrementalSync(crm, "Leads", fields=["Last_Name) or (1"], store=store)


async def test_checkpoint_store_rejects_a_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="not a zcrm_async checkpoint file"):
        await CheckpointStore(path).load("Leads")
    store = CheckpointStore(tmp_path / "sub" / "ok.json")
    assert await store.load("x") is None
    await store.save("x", {"since": "2024-01-01T00:00:00+00:00"})
    assert await store.load("x") == {"since": "2024-01-01T00:00:00+00:00"}
    await store.delete("x")
    assert await store.load("x") is None


async def test_progress_counts_records_handed_out(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(75)])
    reports: list[tuple[int, int | None]] = []
    sync = new_sync(crm, tmp_path / "s.json", progress=lambda d, t, r: reports.append((d, t)))
    assert await sync.run(lambda batch: None) == 75
    assert reports[0] == (0, None) and reports[-1] == (75, None)

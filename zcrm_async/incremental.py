"""Incremental sync: what changed (and what was deleted) since the last run, resumable.

::

    checkpoints = CheckpointStore("leads-sync.json")
    sync = IncrementalSync(crm.records("Leads"), fields=["Last_Name", "Email"], store=checkpoints)
    async with aclosing(sync.batches()) as batches:    # one batch per page
        async for batch in batches:
            for record in batch.changed:
                upsert_into_warehouse(record)
            for gone in batch.deleted:
                delete_from_warehouse(gone["id"])
    # each batch is committed to the checkpoint when the loop asks for the next one;
    # or: await sync.run(handle_batch)

How it works. The first run lists everything; the next ones send ``If-Modified-Since`` with the
time the previous run started (minus ``overlap``, for clock skew), sorted by ``Modified_Time``,
then walk ``/{module}/deleted`` (filtered on ``deleted_time``). After every page handed out, the
position (``page_token``, or ``page`` on v2) is saved to the checkpoint file (atomically); a
run that crashed resumes from the last page the loop finished, so a batch is delivered again
only if the loop body did not complete for it (at-least-once for that batch; exactly-once for
every batch the loop finished). Records re-read because of the overlap window are dropped when
nothing in them changed (an id -> content digest set), so an unchanged record is not handed out
twice across runs. A ``page_token`` Zoho no longer accepts (they live 24 hours) restarts the
interrupted run from its beginning.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import tempfile
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import attrs

from ._exceptions import APIError
from ._models import Page, Record
from ._progress import Progress, ProgressCallback
from .managers.records import RecordsManager

__all__ = ["Batch", "CheckpointStore", "IncrementalSync"]

_FORMAT = "zcrm_async-checkpoints"
#: Errors meaning "this page_token is no longer valid": restart the run from its beginning.
_STALE_TOKEN_CODES = frozenset({"INVALID_DATA", "INVALID_REQUEST", "PAGE_TOKEN_EXPIRED"})


class CheckpointStore:
    """Sync checkpoints by name in one JSON file, replaced atomically on every save.

    A crash leaves either the previous or the new file, never a torn one.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"CheckpointStore({str(self.path)!r})"

    async def load(self, name: str) -> dict[str, Any] | None:
        """The checkpoint saved under ``name`` (None if there is none)."""
        async with self._lock:
            document = await anyio.to_thread.run_sync(self._read)
        entry = document["checkpoints"].get(name)
        return dict(entry) if isinstance(entry, dict) else None

    async def save(self, name: str, checkpoint: Mapping[str, Any]) -> None:
        """Store ``checkpoint`` (JSON-serialisable) under ``name``."""
        async with self._lock:
            document = await anyio.to_thread.run_sync(self._read)
            document["checkpoints"][name] = dict(checkpoint)
            await anyio.to_thread.run_sync(self._write, document)

    async def delete(self, name: str) -> None:
        """Forget ``name``: its next sync starts from scratch."""
        async with self._lock:
            document = await anyio.to_thread.run_sync(self._read)
            if document["checkpoints"].pop(name, None) is not None:
                await anyio.to_thread.run_sync(self._write, document)

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"format": _FORMAT, "version": 1, "checkpoints": {}}
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{self.path} is not a checkpoint file (bad JSON: {exc})") from None
        if not isinstance(document, dict) or document.get("format") != _FORMAT:
            raise ValueError(
                f"{self.path} is not a zcrm_async checkpoint file; move it away or pick "
                "another path"
            )
        return document

    def _write(self, document: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@attrs.frozen
class Batch:
    """One page of changes: records changed or created, and deletion entries.

    ``deleted`` items are Zoho's deleted-record entries (``id``, ``display_name``, ``type``,
    ``deleted_time``, ``deleted_by``).
    """

    changed: list[Record] = attrs.field(factory=list)
    deleted: list[dict[str, Any]] = attrs.field(factory=list)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _digest(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


class IncrementalSync:
    """Fetch only what changed in one module since the stored checkpoint (see module docs).

    ``name`` keys the checkpoint (default: the module name). ``overlap`` re-reads that much
    time before the previous run's start, to survive clock skew between this host and Zoho.
    ``progress`` receives (records handed out, None, rate).
    """

    def __init__(
        self,
        records: RecordsManager,
        *,
        fields: Sequence[str],
        store: CheckpointStore,
        name: str | None = None,
        overlap: timedelta = timedelta(seconds=60),
        include_deleted: bool = True,
        per_page: int = 200,
        progress: ProgressCallback | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.records = records
        self.fields = [*fields, *(["Modified_Time"] if "Modified_Time" not in fields else [])]
        self.store = store
        self.name = name or records.module
        self.overlap = overlap
        self.include_deleted = include_deleted
        self.per_page = per_page
        self.progress = progress
        self.clock = clock

    def __repr__(self) -> str:
        return f"IncrementalSync(module={self.records.module!r}, name={self.name!r})"

    async def reset(self) -> None:
        """Forget the checkpoint: the next run is a full sync."""
        await self.store.delete(self.name)

    async def run(self, handle: Callable[[Batch], Any]) -> int:
        """Call ``handle(batch)`` (sync or async) for every batch; the records handed out."""
        count = 0
        async with aclosing(self.batches()) as batches:
            async for batch in batches:
                outcome = handle(batch)
                if inspect.isawaitable(outcome):
                    await outcome
                count += len(batch.changed) + len(batch.deleted)
        return count

    async def batches(self) -> AsyncGenerator[Batch, None]:
        """Batches of changes, committed when the next one is asked for (see module docs)."""
        checkpoint = await self.store.load(self.name) or {"since": None, "seen": {}}
        run = checkpoint.get("run")
        if not isinstance(run, dict):
            run = self._new_run(checkpoint)
            checkpoint["run"] = run
            await self.store.save(self.name, checkpoint)
        previous_seen: dict[str, str] = checkpoint.get("seen") or {}
        tracker = Progress(self.progress)
        tracker.start()
        since = _parse_time(checkpoint.get("since"))
        until = _parse_time(run["until"])
        assert until is not None

        while run["phase"] == "changed":
            page = await self._changed_page(since, run)
            fresh = []
            for record in page.items:
                if self._remember(
                    record.id,
                    record.to_dict(),
                    record.get("Modified_Time"),
                    until,
                    run,
                    previous_seen,
                ):
                    fresh.append(record)
            nxt = _next_position(run["position"], page)
            if fresh:
                yield Batch(changed=fresh)
                tracker.advance(len(fresh))
            if nxt is None:
                run["phase"], run["position"] = "deleted", {"page": 1}
                if not self.include_deleted:
                    run["phase"] = "done"
            else:
                run["position"] = nxt
            await self.store.save(self.name, checkpoint)

        # A first (full) run only needs the deletions that happened while it ran.
        threshold = since or until
        while run["phase"] == "deleted":
            deleted_page = await self._deleted_page(since, run["position"]["page"])
            gone = []
            for entry in deleted_page.items:
                deleted_at = _parse_time(entry.get("deleted_time"))
                if deleted_at is None or deleted_at <= threshold:
                    continue
                key = f"deleted:{entry.get('id')}"
                if deleted_at > until:  # the next run reads it again
                    run["seen"][key] = ""
                if key in run["delivered_deleted"] or key in previous_seen:
                    continue
                run["delivered_deleted"].append(key)
                gone.append(entry)
            if gone:
                yield Batch(deleted=gone)
                tracker.advance(len(gone))
            if deleted_page.info.more_records and deleted_page.items:
                run["position"] = {"page": run["position"]["page"] + 1}
            else:
                run["phase"] = "done"
            await self.store.save(self.name, checkpoint)

        await self.store.save(self.name, {"since": run["until"], "seen": run["seen"], "run": None})

    # -- internals -----------------------------------------------------------------------------

    def _new_run(self, checkpoint: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "started": _iso(self.clock()),
            "until": _iso(self.clock() - self.overlap),
            "phase": "changed",
            "position": {"page": 1},
            "seen": {},
            "delivered_deleted": [],
        }

    @staticmethod
    def _remember(
        record_id: str | None,
        data: Mapping[str, Any],
        modified: Any,
        until: datetime,
        run: dict[str, Any],
        previous_seen: Mapping[str, str],
    ) -> bool:
        """Whether to hand a record out; notes records inside the next run's overlap window."""
        digest = _digest(data)
        key = f"changed:{record_id}"
        fresh = previous_seen.get(key) != digest and run["seen"].get(key) != digest
        modified_at = _parse_time(modified)
        if modified_at is None or modified_at > until:  # the next run reads it again
            run["seen"][key] = digest
        return fresh

    async def _changed_page(self, since: datetime | None, run: dict[str, Any]) -> Page[Record]:
        headers = {"If-Modified-Since": _iso(since)} if since is not None else None
        params: dict[str, Any] = {
            "fields": ",".join(self.fields),
            "per_page": self.per_page,
            **run["position"],
        }
        if self.records._session.api_version not in ("v2", "v2.1"):
            params.update(sort_by="Modified_Time", sort_order="asc")
        try:
            return await self.records._get_page(
                self.records.module, "data", params, parse=self.records._parse, headers=headers
            )
        except APIError as error:
            if "page_token" not in run["position"] or error.code not in _STALE_TOKEN_CODES:
                raise
            # The saved page_token expired: walk this run again from the first page.
            run["position"] = {"page": 1}
            return await self._changed_page(since, run)

    async def _deleted_page(self, since: datetime | None, page: int) -> Page[dict[str, Any]]:
        headers = {"If-Modified-Since": _iso(since)} if since is not None else None
        params = {"type": "all", "page": page, "per_page": self.per_page}
        return await self.records._get_page(
            f"{self.records.module}/deleted", "data", params, parse=dict, headers=headers
        )


def _next_position(position: Mapping[str, Any], page: Page[Record]) -> dict[str, Any] | None:
    """Where the page after ``page`` starts (None after the last one): token first, as Pager."""
    if not page.info.more_records or not page.items:
        return None
    if page.info.next_page_token:
        return {"page_token": page.info.next_page_token}
    return {"page": int(position.get("page", 1)) + 1}

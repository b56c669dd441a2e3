"""Incremental sync: what changed (and what was deleted) since the last run, resumable.

::

    checkpoints = CheckpointStore("leads-sync.json")
    sync = IncrementalSync(crm, "Leads", fields=["Last_Name", "Email"], store=checkpoints)
    async with aclosing(sync.batches()) as batches:    # one batch per page
        async for batch in batches:
            for record in batch.changed:
                upsert_into_warehouse(record)
            for gone in batch.deleted:
                delete_from_warehouse(gone["id"])
    # each batch is committed to the checkpoint when the loop asks for the next one;
    # or: await sync.run(handle_batch)

How it works. Records are read with COQL in ``(Modified_Time, id)`` order, each page asking
for the records after the last one handed out (``Modified_Time > t or (Modified_Time = t and
id > i)``), never by position. A record updated during the run gets a newer ``Modified_Time``
and moves behind the walk (where the walk, or the next run, meets it again); a deleted one
leaves a gap nothing falls into. So a record alive at the end of a run and unchanged since the
run started is handed out by that run, and one changed after the start by that run or the
next. The walk ends at the first short page, or once it has passed both the run's start plus
``overlap`` and the moment it got there (what changed after that is the next run's; the second
bound hands out a record that changed during the previous run and again before this walk
reached it, instead of putting it off once more).

The first run reads every record; later ones only those modified since the previous run's
start minus ``overlap`` (clock skew between this host and Zoho). Deletions since then are
read from ``/{module}/deleted``; that list is paged by position, so it is walked again until
a whole walk finds nothing new. Records and deletions read again because of the overlap are
dropped when nothing in them changed (an id -> content digest set). After every batch the
position goes to the checkpoint file (atomically): a run that crashed resumes after the last
batch the loop finished (at-least-once for the batch in progress, exactly-once for the rest).

COQL needs the ``ZohoCRM.coql.READ`` scope, selects at most 50 fields, and returns lookups as
``{"id": ...}``.
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
from typing import TYPE_CHECKING, Any

import anyio
import attrs

from ._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from ._keyset import check_fields, key_of, keyset_pages
from ._models import Page, Record
from ._progress import Progress, ProgressCallback
from .managers.coql import coql_limits, coql_value
from .managers.records import RecordsManager

if TYPE_CHECKING:
    from ._client import ZohoCRM

__all__ = ["Batch", "CheckpointStore", "IncrementalSync"]

_FORMAT = "zcrm_async-checkpoints"
#: Deleted-record entries per page (Zoho's maximum).
_DELETED_PER_PAGE = 200
#: The walk's order: the time of the last change, then the id among records changed together.
_ORDER = ("Modified_Time", "id")


class CheckpointStore:
    """Sync checkpoints by name in one JSON file, replaced atomically on every save.

    A crash leaves either the previous or the new file, never a torn one.

    Args:
        path: The JSON file (created, with its folder, on the first save).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"CheckpointStore({str(self.path)!r})"

    async def load(self, name: str) -> dict[str, Any] | None:
        """The checkpoint saved under ``name`` (None if there is none).

        Args:
            name: The sync's name.

        Returns:
            A copy of the checkpoint, or None.

        Raises:
            InvalidArgumentError: The file is not a checkpoint file.
        """
        async with self._lock:
            document = await anyio.to_thread.run_sync(self._read)
        entry = document["checkpoints"].get(name)
        return dict(entry) if isinstance(entry, dict) else None

    async def save(self, name: str, checkpoint: Mapping[str, Any]) -> None:
        """Store ``checkpoint`` (JSON-serialisable) under ``name``.

        Args:
            name: The sync's name.
            checkpoint: The checkpoint; the file is replaced atomically.

        Raises:
            InvalidArgumentError: The file is not a checkpoint file.
        """
        async with self._lock:
            document = await anyio.to_thread.run_sync(self._read)
            document["checkpoints"][name] = dict(checkpoint)
            await anyio.to_thread.run_sync(self._write, document)

    async def delete(self, name: str) -> None:
        """Forget ``name``: its next sync starts from scratch.

        Args:
            name: The sync's name.

        Raises:
            InvalidArgumentError: The file is not a checkpoint file.
        """
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
            raise InvalidArgumentError(
                f"{self.path} is not a checkpoint file (bad JSON: {exc})"
            ) from None
        if not isinstance(document, dict) or document.get("format") != _FORMAT:
            raise InvalidArgumentError(
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

    ``crm`` is the client (``crm.as_user(...)`` to sync as another user), ``module`` the
    module's API name. ``name`` keys the checkpoint (default: the module name). ``overlap``
    re-reads that much time before the previous run's start, to survive clock skew between
    this host and Zoho. ``per_page``: records per COQL call (up to 2,000 on v7+, 200 before).
    ``progress`` receives (records handed out, None, rate).

    Args:
        crm: The client.
        module: The module's API name.
        fields: The field API names to read.
        store: Where checkpoints are kept.
        name: The checkpoint's name (the module name if None).
        overlap: How much time before the previous run's start is read again.
        include_deleted: Also hand out the ids of records deleted since the checkpoint.
        per_page: Records per COQL call.
        progress: Called as ``progress(records handed out, None, rate)``.
        clock: The current time, as an aware datetime (for tests).

    Raises:
        InvalidArgumentTypeError: A records manager given instead of the client.
        InvalidArgumentError: A bad ``per_page`` or a negative ``overlap``.
    """

    def __init__(
        self,
        crm: ZohoCRM,
        module: str,
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
        if isinstance(crm, RecordsManager):
            raise InvalidArgumentTypeError(
                "IncrementalSync takes the client and the module name: "
                f"IncrementalSync(crm, {crm.module!r}, fields=..., store=...)"
            )
        self.crm = crm
        self.records = crm.records(module)
        self.module = self.records.module
        self.fields = [*dict.fromkeys([*check_fields(fields), "Modified_Time"])]
        most = coql_limits(crm.config.api_version).per_call
        if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= most:
            raise InvalidArgumentError(
                f"per_page must be 1..{most} (COQL on {crm.config.api_version}), got {per_page!r}"
            )
        if overlap < timedelta(0):
            raise InvalidArgumentError(f"overlap must not be negative, got {overlap!r}")
        self.store = store
        self.name = name or self.module
        self.overlap = overlap
        self.include_deleted = include_deleted
        self.per_page = per_page
        self.progress = progress
        self.clock = clock

    def __repr__(self) -> str:
        return f"IncrementalSync(module={self.module!r}, name={self.name!r})"

    async def reset(self) -> None:
        """Forget the checkpoint: the next run is a full sync."""
        await self.store.delete(self.name)

    async def run(self, handle: Callable[[Batch], Any]) -> int:
        """Call ``handle(batch)`` (sync or async) for every batch.

        Each batch is committed once ``handle`` returns; if it raises, the batch is handed out
        again on the next run.

        Args:
            handle: Takes a :class:`Batch`; may be a coroutine function.

        Returns:
            The number of records handed out (changed and deleted).
        """
        count = 0
        async with aclosing(self.batches()) as batches:
            async for batch in batches:
                outcome = handle(batch)
                if inspect.isawaitable(outcome):
                    await outcome
                count += len(batch.changed) + len(batch.deleted)
        return count

    async def batches(self) -> AsyncGenerator[Batch, None]:
        """Batches of changes, committed when the next one is asked for (see the module docs).

        Yields:
            ``Batch`` objects: changed records first, then deleted ones.
        """
        checkpoint = await self.store.load(self.name) or {"since": None, "seen": {}}
        run = checkpoint.get("run")
        if not isinstance(run, dict):
            run = checkpoint["run"] = self._new_run()
            await self.store.save(self.name, checkpoint)
        if "cursor" not in run:  # a run left by a version that paged by position: walk again
            run.update(cursor=None, phase="changed")
        run.pop("position", None)
        walk = _Walk(
            since=_parse_time(checkpoint.get("since")),
            until=_required_time(run, "until"),
            horizon=_required_time(run, "started") + self.overlap,
            previous_seen=checkpoint.get("seen") or {},
            run=run,
            progress=Progress(self.progress),
        )
        walk.progress.start()
        if run["phase"] == "changed":
            async with aclosing(self._changed_pages(walk)) as pages:
                async for page in pages:
                    fresh = [record for record in page.items if walk.is_fresh(record)]
                    if fresh:
                        yield Batch(changed=fresh)
                        walk.progress.advance(len(fresh))
                    if page.items:
                        last = page.items[-1]
                        run["cursor"] = [str(last.get(column)) for column in _ORDER]
                    await self.store.save(self.name, checkpoint)
                    if run["cursor"] and walk.walked_past(
                        key_of(_ORDER, run["cursor"])[0], self.clock
                    ):
                        break  # what changed after that is the next run's
            run["phase"] = "deleted" if self.include_deleted else "done"
            await self.store.save(self.name, checkpoint)
        if run["phase"] == "deleted":
            async with aclosing(self._deletions(walk)) as deletions:
                async for batch in deletions:
                    yield batch
                    await self.store.save(self.name, checkpoint)
        await self.store.save(self.name, {"since": run["until"], "seen": run["seen"], "run": None})

    # -- internals -----------------------------------------------------------------------------

    def _new_run(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "started": _iso(now),
            "until": _iso(now - self.overlap),
            "phase": "changed",
            "cursor": None,
            "seen": {},
            "delivered_deleted": [],
        }

    def _changed_pages(self, walk: _Walk) -> AsyncGenerator[Page[Record], None]:
        """Pages in ``(Modified_Time, id)`` order after the run's cursor (or from ``since``)."""
        since = walk.since
        return keyset_pages(
            self.crm,
            self.module,
            self.fields,
            _ORDER,
            cursor=walk.run["cursor"],
            start=None if since is None else f"Modified_Time >= {coql_value(since)}",
            per_page=self.per_page,
        )

    async def _deletions(self, walk: _Walk) -> AsyncGenerator[Batch, None]:
        """Deletions since the threshold; the list is walked again until nothing is new.

        Only deletions up to the horizon force another walk: later ones are the next run's.
        """
        threshold = walk.since or walk.until
        # Times are whole seconds, so a deletion stamped with the threshold's second may have
        # come after it: ask from a second before, whether Zoho's header means > or >=.
        asked = threshold - timedelta(seconds=1)
        while True:
            found_new = False
            pager = self.records.deleted(per_page=_DELETED_PER_PAGE, modified_since=asked)
            async with aclosing(pager.pages()) as pages:
                async for page in pages:
                    gone = []
                    for entry in page.items:
                        deleted_at = entry.datetime("deleted_time")
                        if deleted_at is None or deleted_at < threshold:
                            continue
                        if walk.is_new_deletion(entry.id, deleted_at):
                            gone.append(entry.to_dict())
                            found_new = found_new or deleted_at <= walk.horizon
                    if gone:
                        yield Batch(deleted=gone)
                        walk.progress.advance(len(gone))
            if not found_new:
                return


@attrs.define
class _Walk:
    """One run's bounds and what it has handed out (``run`` is the checkpoint's part)."""

    since: datetime | None  # records modified (or deleted) before it were handed out before
    until: datetime  # the next run's ``since``: what is newer is noted in ``run["seen"]``
    horizon: datetime  # the walk stops past it: what is newer is the next run's
    previous_seen: Mapping[str, str]
    run: dict[str, Any]
    progress: Progress

    def walked_past(self, moment: datetime, clock: Callable[[], datetime]) -> bool:
        """Whether a walk now at ``moment`` is done: past the horizon, and past every change
        made before the walk got there.

        The second bound is what hands out a record that changed during the previous run and
        again during this one before the walk reached it: stopping at the horizon alone would
        put it past the end of this run too. It is fixed the first time the walk passes the
        horizon (and kept in the checkpoint), so a walk chasing fresh changes still ends.
        """
        if moment <= self.horizon:
            return False
        limit = _parse_time(self.run.get("limit"))
        if limit is None:
            limit = clock()
            self.run["limit"] = _iso(limit)
        return moment > limit

    def is_fresh(self, record: Record) -> bool:
        """Whether to hand ``record`` out (not the same version as one handed out before)."""
        digest = _digest(record.to_dict())
        key = f"changed:{record.id}"
        fresh = self.previous_seen.get(key) != digest and self.run["seen"].get(key) != digest
        modified_at = record.datetime("Modified_Time")
        if modified_at is None or modified_at >= self.until:  # the next run reads it again
            self.run["seen"][key] = digest
        return fresh

    def is_new_deletion(self, record_id: str | None, deleted_at: datetime) -> bool:
        """Whether this deletion is yet to be reported (and note it as reported)."""
        key = f"deleted:{record_id}"
        if deleted_at >= self.until:  # the next run reads it again
            self.run["seen"][key] = ""
        if key in self.run["delivered_deleted"] or key in self.previous_seen:
            return False
        self.run["delivered_deleted"].append(key)
        return True


def _required_time(run: Mapping[str, Any], key: str) -> datetime:
    moment = _parse_time(run.get(key))
    if moment is None:
        raise InvalidArgumentError(
            f"the checkpoint's run has no valid {key!r} time: {run.get(key)!r}"
        )
    return moment

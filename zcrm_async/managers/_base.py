"""What every entity manager shares: the session it acts through, list pages and chunked writes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import anyio
import attrs

from .._exceptions import APIError, TransportError, ZCRMError
from .._http._core import HttpCore
from .._http._envelope import decode
from .._models import BulkResult, Page, PageInfo, WriteResult
from ._cache import MetadataCache

__all__ = ["CHUNK_SIZE", "Manager", "Session"]

T = TypeVar("T")

#: Zoho accepts at most 100 records per write call.
CHUNK_SIZE = 100
#: Writes of more than this many records count as heavy calls (Zoho's sub-limit of 10).
HEAVY_WRITE_SIZE = 10


@attrs.frozen
class Session:
    """The HTTP core plus the user the calls act as (None: the client's default user)."""

    core: HttpCore
    user_resolver: Callable[[], str]
    #: Module metadata, shared by a client and its ``as_user`` views.
    metadata: MetadataCache = attrs.field(factory=MetadataCache)

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send as this session's user and decode the JSON body (None for 204/304)."""
        return await self.core.request_json(method, path, user_email=self.user_resolver(), **kwargs)

    @property
    def api_version(self) -> str:
        """The configured API version (``v2`` .. ``v8``)."""
        return self.core.config.api_version


class Manager:
    """Base of the entity managers: thin classes that build requests and parse answers."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def _get_page(
        self,
        path: str,
        key: str,
        params: Mapping[str, Any],
        parse: Callable[[Mapping[str, Any]], T],
        headers: Mapping[str, str] | None = None,
        heavy: bool = False,
    ) -> Page[T]:
        """GET one list page; 204 (no records) and 304 (not modified) are empty pages."""
        body = await self._session.request_json(
            "GET", path, params=params, headers=headers, heavy=heavy
        )
        if not isinstance(body, dict):
            return Page(items=[], info=PageInfo())
        return Page(
            items=[parse(item) for item in body.get(key) or []],
            info=PageInfo.from_api(body.get("info")),
        )

    async def _write_chunks(
        self,
        method: str,
        path: str,
        items: Sequence[Any],
        build: Callable[[Sequence[Any]], dict[str, Any]],
        key: str = "data",
    ) -> BulkResult:
        """Write ``items`` in chunks of 100, concurrently under the client limiter.

        ``build(chunk)`` gives the request's ``json``/``params`` for one chunk. Results come back
        in input order. A chunk whose request failed outright (after retries) yields an error
        result per record in it, so no record's fate is hidden; if every chunk failed that way,
        the first error is raised instead.
        """
        chunks = [items[i : i + CHUNK_SIZE] for i in range(0, len(items), CHUNK_SIZE)]
        results: list[list[WriteResult] | ZCRMError] = [[] for _ in chunks]

        async def write(index: int) -> None:
            chunk = chunks[index]
            try:
                response = await self._session.core.request(
                    method,
                    path,
                    user_email=self._session.user_resolver(),
                    record_errors_ok=True,
                    heavy=len(chunk) > HEAVY_WRITE_SIZE,
                    **build(chunk),
                )
                body = decode(response)
                results[index] = _write_results(body, len(chunk), index * CHUNK_SIZE, key)
            except (APIError, TransportError) as exc:  # an unreadable answer too
                results[index] = exc

        if len(chunks) == 1:  # the common case of a sync's chunk: no task group at all
            await write(0)
        elif chunks:
            async with anyio.create_task_group() as group:
                for index in range(1, len(chunks)):
                    group.start_soon(write, index)
                await write(0)  # the first chunk in this task
        errors = [r for r in results if isinstance(r, ZCRMError)]
        if errors and len(errors) == len(chunks):
            raise errors[0]
        out: list[WriteResult] = []
        for index, chunk_result in enumerate(results):
            if isinstance(chunk_result, ZCRMError):
                out.extend(_failed_chunk(chunk_result, len(chunks[index]), index * CHUNK_SIZE))
            else:
                out.extend(chunk_result)
        return BulkResult(out)


def _write_results(body: Any, expected: int, offset: int, key: str = "data") -> list[WriteResult]:
    data = body.get(key) if isinstance(body, dict) else None
    if not isinstance(data, list) or len(data) != expected:
        raise APIError(
            200,
            "UNEXPECTED_RESPONSE",
            f"expected {expected} per-record results, got {str(body)[:200]!r}",
        )
    return [WriteResult._from_decoded(item, offset + i) for i, item in enumerate(data)]


def _failed_chunk(error: ZCRMError, size: int, offset: int) -> list[WriteResult]:
    code = error.code if isinstance(error, APIError) else "TRANSPORT_ERROR"
    return [
        WriteResult(
            status="error",
            code=code,
            message=f"the request for this chunk failed, the record may not be written: {error}",
            details={"exception": type(error).__name__},
            index=offset + i,
        )
        for i in range(size)
    ]

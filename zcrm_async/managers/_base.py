"""What every entity manager shares: the session it acts through, list pages and chunked writes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import IO, TYPE_CHECKING, Any, Final, TypeVar

import anyio
import attrs
import httpx

from .._exceptions import (
    APIError,
    EmptyResultError,
    ResponseTooLargeError,
    TransportError,
    UnexpectedResponseError,
    ZCRMError,
)
from .._http._core import HttpCore
from .._http._envelope import Answer, mask_credentials, public_url
from .._http._options import (
    CLIENT_DEFAULT,
    RequestOptions,
    RequestOptionsDict,
    check_options,
    merge_options,
)
from .._logging import log_error
from .._models import Page, PageInfo, WriteResult, WriteResults
from ..auth._middleware import ZohoAuth
from ._cache import MetadataCache

if TYPE_CHECKING:
    from .._config import Config
    from ..auth._tokens import TokenManager

__all__ = [
    "CHUNK_SIZE",
    "HEAVY_WRITE_SIZE",
    "Manager",
    "Session",
    "empty_result",
    "item_error",
    "unexpected",
]

T = TypeVar("T")

#: Zoho accepts at most 100 records per write call.
CHUNK_SIZE = 100
#: Writes of more than this many records count as heavy calls (Zoho's sub-limit of 10).
HEAVY_WRITE_SIZE = 10
#: Failures of one chunk's request that become per-record results instead of an exception.
_CHUNK_FAILURES = (APIError, TransportError, ResponseTooLargeError)


@attrs.frozen
class Session:
    """What a manager acts through: the request path, the user its calls act as (bound at each
    call), the view's default per-call options, and the client's metadata cache."""

    core: HttpCore
    tokens: TokenManager
    resolve_user: Callable[[], str]
    defaults: RequestOptionsDict = attrs.field(factory=lambda: RequestOptionsDict())
    #: Module metadata, shared by a client and all its views.
    metadata: MetadataCache = attrs.field(factory=MetadataCache)

    @property
    def config(self) -> Config:
        """The client's configuration."""
        return self.core.config

    @property
    def api_version(self) -> str:
        """The configured API version (``v2`` .. ``v8``)."""
        return self.core.config.api_version

    def prepare(
        self,
        method: str,
        path: str,
        options: RequestOptionsDict | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> RequestOptions:
        """The :class:`RequestOptions` of a call: the manager's request, then the view's and the
        call's options on top (their ``params``/``headers`` merged in, the call's winning)."""
        if options:
            check_options(options)
            options = merge_options(self.defaults, options) if self.defaults else options
        else:
            options = self.defaults
        if not options:
            return RequestOptions(method, path, params=params, headers=headers, **fields)
        extra_params, extra_headers = options.get("params"), options.get("headers")
        return RequestOptions(
            method,
            path,
            params={**(params or {}), **extra_params} if extra_params else params,
            headers={**(headers or {}), **extra_headers} if extra_headers else headers,
            timeout=options.get("timeout", CLIENT_DEFAULT),
            max_retries=options.get("max_retries"),
            **fields,
        )

    #: Signers by user: a view acts as one user, a client as its default (which may change).
    signers: dict[str, ZohoAuth] = attrs.field(factory=dict, repr=False)

    def signer(self) -> ZohoAuth:
        """The signer of the session's user (resolved now: a view's, or the default user)."""
        user = self.resolve_user()
        signer = self.signers.get(user)
        if signer is None:
            signer = self.signers[user] = ZohoAuth(self.tokens, user)
        return signer

    async def send(self, request: RequestOptions) -> Answer:
        """Send as this session's user; the read answer (errors raised as exceptions)."""
        return await self.core.send(request, self.signer())

    async def answer(
        self, method: str, path: str, options: RequestOptionsDict | None = None, **fields: Any
    ) -> Answer:
        """:meth:`prepare` and :meth:`send`: the read answer."""
        return await self.send(self.prepare(method, path, options, **fields))

    async def call(
        self, method: str, path: str, options: RequestOptionsDict | None = None, **fields: Any
    ) -> Any:
        """Send as this session's user and decode the JSON body (None for 204/304)."""
        return (await self.send(self.prepare(method, path, options, **fields))).json()

    async def raw(self, request: RequestOptions) -> httpx.Response:
        """Send; the ``httpx.Response`` (body read, ``Authorization`` masked on its request)."""
        return mask_credentials((await self.send(request)).response)

    def stream(self, request: RequestOptions) -> AbstractAsyncContextManager[httpx.Response]:
        """``async with session.stream(request) as response:`` the body unread (downloads)."""
        return self.core.stream(request, self.signer())

    async def download(self, request: RequestOptions, sink: IO[bytes]) -> int:
        """Write the answer's body to ``sink`` (retried from scratch if it breaks off)."""
        return await self.core.download(request, self.signer(), sink)


def unexpected(answer: Answer, message: str) -> UnexpectedResponseError:
    """An :class:`UnexpectedResponseError` for ``answer`` (logged): Zoho's answer lacks what
    the call needs from it."""
    return _answer_error(UnexpectedResponseError, answer, "UNEXPECTED_RESPONSE", message, None)


def empty_result(
    answer: Answer, code: str, message: str, details: Mapping[str, Any] | None = None
) -> EmptyResultError:
    """An :class:`EmptyResultError` for ``answer`` (logged): no record where one was asked for."""
    return _answer_error(EmptyResultError, answer, code, message, details)


def item_error(answer: Answer, item: Mapping[str, Any]) -> APIError:
    """An :class:`APIError` (logged) for one error item of an otherwise successful answer."""
    details = item.get("details")
    return _answer_error(
        APIError,
        answer,
        str(item.get("code") or "ERROR"),
        str(item.get("message") or ""),
        details if isinstance(details, Mapping) else None,
    )


E = TypeVar("E", bound=APIError)


def _answer_error(
    kind: type[E], answer: Answer, code: str, message: str, details: Mapping[str, Any] | None
) -> E:
    response = mask_credentials(answer.response)
    error = kind(
        response.status_code,
        code,
        message,
        details,
        method=response.request.method,
        url=public_url(response.request),
        response=response,
        body=answer.json_or_text(),
    )
    log_error(error)
    return error


class Manager:
    """Base of the entity managers: thin classes that build requests and parse answers.

    Every public method takes the per-call options (``timeout=``, ``max_retries=``,
    ``headers=``, ``params=``; see :class:`~zcrm_async.RequestOptionsDict`).
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def config(self) -> Config:
        """The configuration of the client this manager belongs to."""
        return self._session.config

    async def _get_page(
        self,
        path: str,
        key: str,
        params: Mapping[str, Any],
        parse: Callable[[Mapping[str, Any]], T],
        headers: Mapping[str, str] | None = None,
        heavy: bool = False,
        options: RequestOptionsDict | None = None,
    ) -> Page[T]:
        """GET one list page; 204 (no records) and 304 (not modified) are empty pages."""
        body = await self._session.call(
            "GET", path, options, params=params, headers=headers, heavy=heavy
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
        options: RequestOptionsDict | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> WriteResults:
        """Write ``items`` in chunks of ``chunk_size`` (Zoho's 100 records per call),
        concurrently under the client limiter.

        ``build(chunk)`` gives the request's ``json``/``params`` for one chunk. Results come back
        in input order. A chunk whose request failed outright (after retries) yields an error
        result per record in it, so no record's fate is hidden; if every chunk failed that way,
        the first error is raised instead.
        """
        count = -(-len(items) // chunk_size)
        results: list[WriteResults | ZCRMError] = [_NO_RESULTS] * count

        async def write(index: int) -> None:
            start = index * chunk_size
            chunk = items[start : start + chunk_size]
            request = self._session.prepare(
                method,
                path,
                options,
                accept="record_errors",
                heavy=len(chunk) > HEAVY_WRITE_SIZE,
                **build(chunk),
            )
            try:
                answer = await self._session.send(request)
                results[index] = _write_results(answer, len(chunk), start, key)
            except _CHUNK_FAILURES as exc:  # an unreadable answer too
                results[index] = exc

        if count == 1:  # the common case of a sync's chunk: no task group at all
            await write(0)
        elif count:
            # A few workers take the chunks in turn, not a task per chunk: a chunk's request is
            # built only when a worker is free for it, and twice as many workers as the client
            # has slots keep a request ready for each slot that frees.
            pending = iter(range(count))

            async def worker() -> None:
                for index in pending:
                    await write(index)

            workers = min(count, 2 * self._session.config.max_concurrency)
            async with anyio.create_task_group() as group:
                for _ in range(1, workers):
                    group.start_soon(worker)
                await worker()  # one of them in this task
        errors = [r for r in results if isinstance(r, ZCRMError)]
        if errors and len(errors) == count:
            raise errors[0]
        return WriteResults.join(
            _failed_chunk(r, index * chunk_size, min(chunk_size, len(items) - index * chunk_size))
            if isinstance(r, ZCRMError)
            else r
            for index, r in enumerate(results)
        )

    async def _delete_ids(
        self,
        path: str,
        ids: Sequence[str],
        options: RequestOptionsDict | None,
        *,
        item: Callable[[str], str] | None = None,
        key: str = "data",
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> WriteResults:
        """Delete by ``ids`` (checked already): ``DELETE {path}?ids=a,b``, 100 per call, or
        ``DELETE item(id)`` for one id where Zoho has a path for one. ``params`` and
        ``headers`` go with every call; a result per id (under ``key``) in input order."""
        extra = dict(params or {})
        if item is not None and len(ids) == 1:
            one = {"params": extra or None, "headers": headers}
            return await self._write_chunks(
                "DELETE", item(ids[0]), ids, lambda _: one, key=key, options=options
            )

        def query(chunk: Sequence[str]) -> dict[str, Any]:
            return {"params": {"ids": ",".join(chunk), **extra}, "headers": headers}

        return await self._write_chunks("DELETE", path, ids, query, key=key, options=options)


_DICT: Final = frozenset({dict})
#: What a chunk has before its answer.
_NO_RESULTS: Final = WriteResults()


def _failed_chunk(error: ZCRMError, offset: int, size: int) -> WriteResults:
    """An error result for each record of a chunk whose request failed as a whole."""
    return WriteResults([WriteResult.from_error(error, offset + i) for i in range(size)])


def _write_results(answer: Answer, expected: int, offset: int, key: str) -> WriteResults:
    body = answer.json()
    data = body.get(key) if isinstance(body, dict) else None
    if not isinstance(data, list) or len(data) != expected:
        raise unexpected(answer, f"expected {expected} per-record results, got {str(body)[:200]!r}")
    if set(map(type, data)) <= _DICT:  # as decoded (checked in C): results built when read
        return WriteResults.from_api(data, offset)
    return WriteResults([WriteResult.from_api(item, offset + i) for i, item in enumerate(data)])

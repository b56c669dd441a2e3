"""Models: attrs classes with slots. Unknown keys from Zoho are kept: round trips are lossless."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from ._exceptions import (
    APIError,
    InvalidArgumentError,
    OAuthError,
    WriteFailedError,
    ZCRMError,
)

__all__ = [
    "BulkResult",
    "OAuthTokens",
    "Page",
    "PageInfo",
    "PagePosition",
    "Record",
    "WriteResult",
    "WriteResults",
    "parse_datetime",
]

T = TypeVar("T")


def parse_datetime(value: Any) -> datetime | None:
    """Parse Zoho's ISO-8601 datetimes (``2023-05-10T01:10:47-07:00``), keeping the offset."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _now_ms() -> int:
    return int(time.time() * 1000)


@attrs.define(slots=True)
class OAuthTokens:
    """The tokens of one user: what every store persists (a classic ``oauthtokens`` row)."""

    user_email: str
    access_token: str = attrs.field(repr=False)
    refresh_token: str = attrs.field(repr=False)
    expiry_time: int  # epoch milliseconds, the classic ``expirytime``
    api_domain: str | None = None

    def expires_within(self, seconds: float) -> bool:
        """True if the access token expires within ``seconds`` from now (or already has).

        Args:
            seconds: The margin, in seconds.

        Returns:
            Whether the access token is expired or expires within the margin.
        """
        return self.expiry_time - _now_ms() <= seconds * 1000

    # The names classic token handlers read: the Ruby SDK's and the classic Python SDK's.

    @property
    def user_identifier(self) -> str:
        """``user_email``, by the classic Ruby SDK's name."""
        return self.user_email

    @property
    def userEmail(self) -> str:
        """``user_email``, by the classic Python SDK's name."""
        return self.user_email

    @property
    def accessToken(self) -> str:
        """``access_token``, by the classic Python SDK's name."""
        return self.access_token

    @property
    def refreshToken(self) -> str:
        """``refresh_token``, by the classic Python SDK's name."""
        return self.refresh_token

    @property
    def expiryTime(self) -> int:
        """``expiry_time`` (epoch milliseconds), by the classic Python SDK's name."""
        return self.expiry_time

    @classmethod
    def from_token_response(
        cls,
        body: Mapping[str, Any],
        *,
        user_email: str,
        refresh_token: str | None = None,
    ) -> OAuthTokens:
        """Parse the token endpoint's answer (a refresh answer carries no refresh token).

        ``expires_in`` is seconds unless ``expires_in_sec`` is present, when it is milliseconds.

        Args:
            body: The token endpoint's decoded JSON.
            user_email: The user the tokens belong to.
            refresh_token: The refresh token to keep when the answer carries none.

        Returns:
            The tokens, with their expiry as a time in milliseconds.

        Raises:
            OAuthError: The answer is an error (``invalid_code``, ``invalid_client``...) or holds
                no access or refresh token.
        """
        if "error" in body:
            raise OAuthError(str(body["error"]), _text(body.get("error_description")))
        access = body.get("access_token")
        new_refresh = body.get("refresh_token") or refresh_token
        if not isinstance(access, str) or not access:
            raise OAuthError("invalid_response", "the token endpoint returned no access_token")
        if not isinstance(new_refresh, str) or not new_refresh:
            raise OAuthError(
                "no_refresh_token",
                "the token endpoint returned no refresh_token: request the grant token with "
                "access_type=offline (and prompt=consent to get a new one)",
            )
        try:
            if "expires_in_sec" in body:
                lifetime_ms = int(body["expires_in"])
            else:
                lifetime_ms = int(body.get("expires_in", 3600)) * 1000
        except (TypeError, ValueError) as exc:
            raise OAuthError("invalid_response", "expires_in is not a number") from exc
        api_domain = body.get("api_domain")
        return cls(
            user_email=user_email,
            access_token=access,
            refresh_token=new_refresh,
            expiry_time=_now_ms() + lifetime_ms,
            api_domain=api_domain if isinstance(api_domain, str) else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (contains secrets: for stores only).

        Returns:
            ``user_email``, ``access_token``, ``refresh_token``, ``expiry_time`` and
            ``api_domain``.
        """
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OAuthTokens:
        """Inverse of :meth:`to_dict`.

        Args:
            data: A dict as :meth:`to_dict` makes it.

        Returns:
            The tokens.

        Raises:
            KeyError: A key is missing.
            TypeError: A value of the wrong type.
            ValueError: A malformed value.
        """
        return cls(
            user_email=str(data["user_email"]),
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            expiry_time=int(data["expiry_time"]),
            api_domain=data.get("api_domain"),
        )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@attrs.define(slots=True)
class Record(MutableMapping[str, Any]):
    """One CRM record. Use it like a dict: ``rec["Last_Name"]``; unknown keys are kept."""

    module: str
    data: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def id(self) -> str | None:
        """The record id, or None before the record is created."""
        value = self.data.get("id")
        return None if value is None else str(value)

    def __repr__(self) -> str:
        return f"Record(module={self.module!r}, id={self.id!r}, fields={len(self.data)})"

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def datetime(self, key: str) -> datetime | None:
        """The field ``key`` parsed as an ISO-8601 datetime with its offset.

        Args:
            key: The field's API name.

        Returns:
            The aware datetime, or None if the field is empty or missing.
        """
        return parse_datetime(self.data.get(key))

    def to_dict(self) -> dict[str, Any]:
        """The record as Zoho's request JSON (a shallow copy).

        Returns:
            The record's fields, by API name.
        """
        return dict(self.data)

    @classmethod
    def from_api(cls, module: str, data: Mapping[str, Any]) -> Record:
        """Wrap one item of Zoho's ``data`` array.

        Args:
            module: The module's API name.
            data: The record's JSON object.

        Returns:
            The record.
        """
        return cls(module=module, data=dict(data))


@attrs.define(slots=True)
class WriteResult:
    """Zoho's answer for one record of a write: status, code, message, details."""

    status: str
    code: str
    message: str
    details: dict[str, Any] = attrs.field(factory=dict)
    index: int | None = None  # position in the caller's input
    data: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """True if Zoho reported success for this record."""
        return self.status == "success"

    @property
    def id(self) -> str | None:
        """The record id Zoho reported (``details.id``)."""
        value = self.details.get("id")
        return None if value is None else str(value)

    @property
    def action(self) -> str | None:
        """For upserts: ``insert`` or ``update``."""
        value = self.data.get("action")
        return None if value is None else str(value)

    @classmethod
    def from_api(cls, data: Mapping[str, Any], index: int | None = None) -> WriteResult:
        """Build from one item of a write answer's ``data`` array.

        A plain ``dict`` (as decoded from JSON) becomes the result's ``data`` as it is, without
        a copy; another mapping is copied.

        Args:
            data: The item: ``status``, ``code``, ``message``, ``details``.
            index: The record's position in the caller's input.

        Returns:
            The result.
        """
        item = data if type(data) is dict else dict(data)
        status, code, message = item.get("status"), item.get("code"), item.get("message")
        details = item.get("details")
        if type(details) is not dict:
            details = dict(details) if isinstance(details, Mapping) else {}
        return cls(
            status if type(status) is str else "error" if status is None else str(status),
            code if type(code) is str else "" if code is None else str(code),
            message if type(message) is str else "" if message is None else str(message),
            details,
            index,
            item,
        )

    @classmethod
    def from_error(cls, error: ZCRMError, index: int | None = None) -> WriteResult:
        """The result of a record whose request failed as a whole (it may not be written).

        Args:
            error: The error the request ended with.
            index: The record's position in the caller's input.

        Returns:
            An error result: ``code`` is Zoho's code of an :class:`APIError`, else
            ``TRANSPORT_ERROR``; ``details`` name the exception's class.
        """
        code = error.code if isinstance(error, APIError) else "TRANSPORT_ERROR"
        return cls(
            status="error",
            code=code,
            message=f"the request for this record failed, it may not be written: {error}",
            details={"exception": type(error).__name__},
            index=index,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON object Zoho sent.

        Returns:
            A copy of it (or one built from the result's fields).
        """
        return dict(self.data) or {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "details": self.details,
        }


class WriteResults(Sequence[WriteResult]):
    """Per-record results of a multi-record (REST) write, in the order of the input.

    Built from Zoho's answers when first read: a write of 20,000 records keeps the decoded
    answers and makes no per-record objects until the results are looked at (``len``, ``ids``
    and a ``failed`` with nothing failed make none at all). Each :class:`WriteResult` is built
    once; later reads give the same objects.

    Formerly ``BulkResult`` (an alias kept for existing code); Zoho's Bulk API has its own
    results (:class:`~zcrm_async.bulk.BulkWriteResult`).

    Args:
        results: The results, in input order.
    """

    __slots__ = ("_built", "_parts")
    __match_args__ = ("results",)

    def __init__(self, results: Iterable[WriteResult] | None = None) -> None:
        self._built: list[WriteResult] | None = [] if results is None else list(results)
        #: Until built: Zoho's per-record items and the index of the first, or (offset None)
        #: results built already.
        self._parts: list[tuple[Sequence[Any], int | None]] = []

    @classmethod
    def from_api(cls, items: Sequence[Mapping[str, Any]], offset: int = 0) -> WriteResults:
        """The results of the items of a write answer's ``data`` array, built when first read.

        Args:
            items: Zoho's per-record objects (kept as they are: plain dicts are not copied).
            offset: The input index of the first item.

        Returns:
            The results; result ``i`` has ``index`` ``offset + i``.
        """
        results = cls()
        results._built = None
        results._parts.append((items, offset))
        return results

    @classmethod
    def join(cls, parts: Iterable[WriteResults]) -> WriteResults:
        """The results of several writes as one, e.g. of the chunks of a large write.

        Args:
            parts: The results of each write, in input order.

        Returns:
            Their results one after the other; each result's ``index`` becomes its position
            in the joined results (results already built are renumbered in place).
        """
        joined = cls()
        joined._built = None
        position = 0
        for part in parts:
            if part._built is not None:
                for result in part._built:
                    result.index = position
                    position += 1
                if part._built:
                    joined._parts.append((part._built, None))
                continue
            for items, offset in part._parts:
                if offset is None:
                    for shift, result in enumerate(items):
                        result.index = position + shift
                joined._parts.append((items, None if offset is None else position))
                position += len(items)
        return joined

    @property
    def results(self) -> list[WriteResult]:
        """The results as a list (built now if they were not yet)."""
        built = self._built
        if built is None:
            built = []
            for items, offset in self._parts:
                if offset is None:  # results built already
                    built.extend(items)
                else:
                    from_api = WriteResult.from_api
                    built.extend([from_api(item, offset + i) for i, item in enumerate(items)])
            self._built, self._parts = built, []
        return built

    @results.setter
    def results(self, value: list[WriteResult]) -> None:
        self._built, self._parts = value, []

    def _items(self) -> Iterator[Mapping[str, Any] | WriteResult]:
        """Each result as it is now: Zoho's item (not built yet) or the :class:`WriteResult`."""
        if self._built is not None:
            return iter(self._built)
        return (item for items, _ in self._parts for item in items)

    def __getitem__(self, index: Any) -> Any:
        return self.results[index]

    def __iter__(self) -> Iterator[WriteResult]:
        return iter(self.results)

    def __len__(self) -> int:
        if self._built is not None:
            return len(self._built)
        return sum(len(items) for items, _ in self._parts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WriteResults):
            return NotImplemented
        return self.results == other.results

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"WriteResults(results={self.results!r})"

    @property
    def succeeded(self) -> list[WriteResult]:
        """The results whose status is success."""
        return [r for r in self.results if r.ok]

    @property
    def failed(self) -> list[WriteResult]:
        """The results Zoho rejected (none built when every record succeeded)."""
        if self._built is None and all(_item_ok(item) for item in self._items()):
            return []
        return [r for r in self.results if not r.ok]

    @property
    def ids(self) -> list[str | None]:
        """The record id of each result (None where the write failed)."""
        return [_item_id(item) if _item_ok(item) else None for item in self._items()]

    def raise_for_failures(self) -> WriteResults:
        """Raise if any record failed; return self otherwise.

        Returns:
            These results, when every record succeeded.

        Raises:
            WriteFailedError: Some records failed (``error.failed`` holds their results).
        """
        failed = self.failed
        if failed:
            raise WriteFailedError(failed)
        return self


def _item_ok(item: Mapping[str, Any] | WriteResult) -> bool:
    """:attr:`WriteResult.ok` of a result or of Zoho's item it would be built from."""
    if isinstance(item, WriteResult):
        return item.ok
    return bool(item.get("status") == "success")


def _item_id(item: Mapping[str, Any] | WriteResult) -> str | None:
    """:attr:`WriteResult.id` of a result or of Zoho's item it would be built from."""
    if isinstance(item, WriteResult):
        return item.id
    details = item.get("details")
    value = details.get("id") if isinstance(details, Mapping) else None
    return None if value is None else str(value)


#: The former name of :class:`WriteResults`.
BulkResult = WriteResults


@attrs.define(slots=True)
class PageInfo:
    """Zoho's ``info`` object of a list answer."""

    more_records: bool = False
    count: int | None = None
    page: int | None = None
    per_page: int | None = None
    next_page_token: str | None = None
    previous_page_token: str | None = None
    page_token_expiry: str | None = None
    data: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_api(cls, info: Mapping[str, Any] | None) -> PageInfo:
        """Parse ``info`` (missing means a single, final page).

        Args:
            info: The ``info`` object of a list answer, or None.

        Returns:
            The page info.
        """
        info = info or {}
        return cls(
            more_records=bool(info.get("more_records", False)),
            count=info.get("count"),
            page=info.get("page"),
            per_page=info.get("per_page"),
            next_page_token=info.get("next_page_token"),
            previous_page_token=info.get("previous_page_token"),
            page_token_expiry=info.get("page_token_expiry"),
            data=dict(info),
        )


@attrs.frozen
class PagePosition:
    """Where a page of a list starts: a ``page`` number, or Zoho's ``page_token``, never both.

    Save it (``to_dict()``, JSON-ready) to resume a walk later from that page with
    ``pager.pages(start=PagePosition.from_dict(saved))``. Zoho's page tokens expire after a day.
    """

    page: int | None = None
    page_token: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.page is not None and self.page_token is not None:
            raise InvalidArgumentError("a page position has a page or a page_token, not both")
        if self.page is not None and (type(self.page) is not int or self.page < 1):
            raise InvalidArgumentError(f"page must be a whole number >= 1, got {self.page!r}")

    def params(self) -> dict[str, Any]:
        """The query parameters that ask for this page.

        Returns:
            ``{"page_token": ...}`` or ``{"page": n}``.
        """
        if self.page_token is not None:
            return {"page_token": self.page_token}
        return {"page": self.page or 1}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict.

        Returns:
            ``{"page": 3}`` or ``{"page_token": "..."}``.
        """
        return self.params()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PagePosition:
        """The inverse of :meth:`to_dict`.

        Args:
            data: A dict as :meth:`to_dict` makes it.

        Returns:
            The position.
        """
        token = data.get("page_token")
        if token is not None:
            return cls(page_token=str(token))
        return cls(page=int(data.get("page", 1)))


@attrs.define(slots=True)
class Page(Generic[T]):
    """One page of a list: ``items`` and Zoho's ``info``.

    ``position`` is where the page was read (None for the first page read without one);
    :attr:`next_position` is where the following page starts.
    """

    items: list[T] = attrs.field(factory=list)
    info: PageInfo = attrs.field(factory=PageInfo)
    position: PagePosition | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def next_position(self) -> PagePosition | None:
        """The following page: Zoho's ``next_page_token`` when it gives one, else the next
        page number; None after the last page."""
        if not self.info.more_records or not self.items:
            return None
        if self.info.next_page_token:
            return PagePosition(page_token=self.info.next_page_token)
        current = self.position.page if self.position is not None else None
        if current is None and self.position is not None:
            return None  # a token page whose answer has no next token: nothing to follow
        return PagePosition(page=(current or 1) + 1)

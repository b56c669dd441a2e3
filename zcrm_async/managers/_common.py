"""Small helpers the record-side managers share: single write results, version checks, the
jobs that mass actions schedule."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from .._http._envelope import Answer
from .._http._options import RequestOptionsDict
from .._models import WriteResult
from ._base import Session, empty_result, unexpected
from ._checks import check_id

__all__ = [
    "job_status",
    "modified_since_header",
    "schedule_job",
    "single_result",
    "version_tuple",
]

T = TypeVar("T")


def modified_since_header(value: datetime | str | None) -> dict[str, str] | None:
    """``{"If-Modified-Since": ISO-8601}`` for ``value`` (None: no header)."""
    if value is None:
        return None
    text = value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
    return {"If-Modified-Since": text}


def version_tuple(api_version: str) -> tuple[int, int]:
    """``v2.1`` as ``(2, 1)``, ``v8`` as ``(8, 0)``."""
    major, _, minor = api_version.lstrip("v").partition(".")
    return int(major), int(minor or 0)


def single_result(answer: Answer, key: str = "data") -> WriteResult:
    """The one result of a single-item write: ``{key: [result]}`` or a bare result object."""
    body = answer.json()
    if isinstance(body, dict):
        items = body.get(key)
        if isinstance(items, list) and items and isinstance(items[0], dict):
            return WriteResult.from_api(items[0], 0)
        if isinstance(items, dict) and "code" in items:
            return WriteResult.from_api(items, 0)
        if "code" in body and "status" in body:
            return WriteResult.from_api(body, 0)
    raise unexpected(answer, f"expected a write result, got {str(body)[:200]!r}")


async def schedule_job(
    session: Session, path: str, body: Mapping[str, Any], options: RequestOptionsDict
) -> str:
    """``POST {path}`` (a heavy call) with ``body``, scheduling a job: the job's id, or
    :class:`UnexpectedResponseError` when Zoho's result names none."""
    answer = await session.answer("POST", path, options, json=body, heavy=True)
    result = single_result(answer)
    job_id = result.details.get("job_id")
    if job_id is None:
        raise unexpected(answer, f"Zoho scheduled no job: {result.to_dict()!r}")
    return str(job_id)


async def job_status(
    session: Session,
    path: str,
    job_id: str | int,
    what: str,
    parse: Callable[[Mapping[str, Any]], T],
    options: RequestOptionsDict,
) -> T:
    """``GET {path}?job_id=``: the job's status under ``data`` (one object, or a list of one)
    as ``parse`` makes it; :class:`EmptyResultError` (``no {what} job {id}``) when Zoho knows
    no such job, :class:`InvalidArgumentError` (naming ``{what} job id``) for a bad id."""
    job = check_id(job_id, f"{what} job id")
    answer = await session.answer("GET", path, options, params={"job_id": job})
    body = answer.json()
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, Sequence) or not data or not isinstance(data[0], Mapping):
        raise empty_result(answer, "NO_CONTENT", f"no {what} job {job}", {"job_id": job})
    return parse(data[0])

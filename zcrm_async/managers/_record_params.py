"""The optional parameters of record reads and writes, checked client-side.

Reads (``list``, ``get``, ``get_many``) filter by conversion, approval, custom view and
territory; writes (``create``, ``update``, ``upsert``) say which automation runs. Both are
shared by ``crm.records(module)`` and its external-id view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from .._http._options import OPTION_NAMES, RequestOptionsDict
from .._models import Record, WriteResults
from ._base import Manager
from ._checks import check_id

__all__ = [
    "RecordWriter",
    "Tristate",
    "WriteOptions",
    "field_names",
    "read_filters",
    "record_items",
    "records_body",
    "split_write_options",
]

#: ``True``, ``False`` or ``"both"``: which records a ``converted``/``approved`` filter keeps.
Tristate = bool | Literal["both"]


class WriteOptions(RequestOptionsDict, total=False):
    """What a record write (``create``, ``update``, ``upsert``) takes besides the records: the
    automation it runs, and the per-call options (``timeout``, ``max_retries``, ``headers``,
    ``params``).

    ``trigger`` names the automation to run (``workflow``, ``approval``, ``blueprint``,
    ``pathfinder``, ``orchestration``); ``[]`` runs none, leaving it out runs all.
    ``lar_id`` is the id of a lead assignment rule that picks the owners of new Leads.
    ``process`` names the processes (e.g. ``review_process``) the write may start.
    ``apply_feature_execution`` and ``skip_feature_execution`` name features to apply or skip
    for these records, e.g. ``["layout_rules"]`` or ``["cadences"]``.
    """

    trigger: Sequence[str] | None
    lar_id: str | int | None
    process: Sequence[str] | None
    apply_feature_execution: Sequence[str] | None
    skip_feature_execution: Sequence[str] | None


_WRITE_KEYS = frozenset(WriteOptions.__annotations__) - OPTION_NAMES


def split_write_options(
    options: Mapping[str, Any],
) -> tuple[dict[str, Any], RequestOptionsDict]:
    """``options`` as the write body's extra keys, and the per-call options left over."""
    body: dict[str, Any] = {}
    request: dict[str, Any] = {}
    for name, value in options.items():
        if name not in _WRITE_KEYS:
            request[name] = value
        elif value is None:
            continue
        elif name == "lar_id":
            body[name] = check_id(value, "lar_id")
        elif name in ("apply_feature_execution", "skip_feature_execution"):
            body[name] = [{"name": feature} for feature in _names(name, value)]
        else:
            body[name] = _names(name, value)
    return body, request  # type: ignore[return-value]


def _names(what: str, value: Any) -> list[str]:
    """A list of names; a bare string is refused (it would be sent letter by letter)."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidArgumentTypeError(
            f"{what} must be a list of names such as ['workflow'], got {value!r}"
        )
    names = list(value)
    for index, name in enumerate(names):
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError(f"{what}[{index}] must be a non-empty name, got {name!r}")
    return names


def field_names(names: Sequence[str], what: str) -> list[str]:
    """A list of field API names (a bare string refused: it is one name, not a list)."""
    if isinstance(names, str) or not all(isinstance(n, str) and n for n in names):
        raise InvalidArgumentTypeError(
            f"{what} must be a list of field API names such as ['Email'], got {names!r}"
        )
    return list(names)


def read_filters(
    *,
    converted: Tristate | None = None,
    approved: Tristate | None = None,
    cvid: str | int | None = None,
    territory_id: str | int | None = None,
    include_child: bool | None = None,
) -> dict[str, str]:
    """The query parameters of the read filters given (None: Zoho's default).

    Zoho lists unconverted (``converted=False``) and approved (``approved=True``) records by
    default; ``"both"`` lists either. ``include_child`` (with ``territory_id``) adds the
    records of the territory's child territories.
    """
    params: dict[str, str] = {}
    for name, value in (("converted", converted), ("approved", approved)):
        if value is None:
            continue
        if value is not True and value is not False and value != "both":
            raise InvalidArgumentError(f"{name} must be True, False or 'both', got {value!r}")
        params[name] = "both" if value == "both" else str(value).lower()
    if cvid is not None:
        params["cvid"] = check_id(cvid, "cvid")
    if territory_id is not None:
        params["territory_id"] = check_id(territory_id, "territory_id")
    if include_child is not None:
        if territory_id is None:
            raise InvalidArgumentError("include_child needs territory_id (the parent territory)")
        if not isinstance(include_child, bool):
            raise InvalidArgumentTypeError(
                f"include_child must be True or False, got {include_child!r}"
            )
        params["include_child"] = str(include_child).lower()
    return params


_DICT: Final = frozenset({dict})


def record_items(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The records of a write as mappings (a :class:`Record` as its dict); a TypeError names
    the index of anything else."""
    given = list(records)
    if set(map(type, given)) <= _DICT:  # the common case: plain dicts, checked in C
        return given
    items: list[Mapping[str, Any]] = []
    for index, item in enumerate(given):
        if type(item) is dict:  # without the slower ABC checks below
            items.append(item)
        elif isinstance(item, Record):
            items.append(item.to_dict())
        elif isinstance(item, Mapping):
            items.append(item)
        else:
            raise InvalidArgumentTypeError(
                f"records[{index}] is {type(item).__name__}, expected a dict"
            )
    return items


def records_body(
    extra: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """The request of one write chunk: ``{"data": [...], **extra}`` as JSON (and ``headers``)."""
    # Only non-dict mappings need a copy: json.dumps takes dicts as they are.
    if headers is None:
        return lambda chunk: {
            "json": {"data": [i if type(i) is dict else dict(i) for i in chunk], **extra}
        }
    return lambda chunk: {
        "json": {"data": [i if type(i) is dict else dict(i) for i in chunk], **extra},
        "headers": headers,
    }


class RecordWriter(Manager):
    """The record writes of a manager: records sent 100 per call with the write options
    (and, for addressing by external values, the ``X-EXTERNAL`` header)."""

    #: Headers every write sends (None: none).
    write_headers: Mapping[str, str] | None = None

    async def _write(
        self,
        method: str,
        path: str,
        items: Sequence[Mapping[str, Any]],
        options: WriteOptions,
        extra: Mapping[str, Any] | None = None,
    ) -> WriteResults:
        body_extra, request_options = split_write_options(options)
        build = records_body({**body_extra, **(extra or {})}, self.write_headers)
        items = items if type(items) is list else list(items)
        return await self._write_records(method, path, items, build, request_options)

    async def _write_records(
        self,
        method: str,
        path: str,
        items: list[Mapping[str, Any]],
        build: Callable[[Sequence[Any]], dict[str, Any]],
        options: RequestOptionsDict,
    ) -> WriteResults:
        """Send the records in chunks (``crm.records(m)`` first uploads the files of file
        fields, see ``RecordFiles``)."""
        return await self._write_chunks(method, path, items, build, options=options)

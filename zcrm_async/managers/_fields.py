"""The ``fields=`` of record lists and searches: explicit names, ``"all"``, more than 50.

Zoho returns at most 50 fields per call. A selection of more (``"all"`` expands from the cached
``/settings/fields`` of the module) is read in slices: the page itself asks for the first 50
names and drives the pagination (``page``/``page_token`` as usual); the other slices are read
for exactly that page's records with ``GET /{module}?ids=..`` (100 ids per call, concurrently)
and merged into them by id. A record deleted between those calls keeps the first slice only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

import anyio
import attrs

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import Page, Record
from ._base import Session
from ._cache import cached_field_names

__all__ = ["ALL_FIELDS", "FieldSelection", "select_fields"]

#: ``fields=ALL_FIELDS``: every field the module's metadata lists.
ALL_FIELDS: Final = "all"
#: Zoho's limit of field names per call.
MAX_FIELDS_PER_CALL = 50
#: Zoho's limit of ids per list call.
MAX_IDS_PER_CALL = 100
#: Field types a list call cannot return (only ``GET /{module}/{id}`` does).
_NOT_LISTABLE: Final = frozenset({"subform", "multiselectlookup"})

PageFetch = Callable[[dict[str, Any]], Awaitable[Page[Record]]]


def select_fields(
    session: Session,
    module: str,
    fields: Sequence[str] | str | None,
    operation: str,
    *,
    required: bool,
) -> FieldSelection:
    """Check ``fields`` client-side and say how to fetch them.

    ``required``: the call needs ``fields`` from v3 on (lists do; searches do not).
    """
    if fields is None:
        if required and session.api_version not in ("v2", "v2.1"):
            raise InvalidArgumentError(
                f"{operation} on API {session.api_version} needs fields=: Zoho requires "
                "the field API names from v3 on, e.g. fields=['Last_Name', 'Email'] "
                "(or fields='all' for every field of the module)"
            )
        return FieldSelection(session, module, None)
    if isinstance(fields, str) and fields.strip().lower() == ALL_FIELDS:
        return FieldSelection(session, module, None, expand_all=True)
    names = [f.strip() for f in fields.split(",")] if isinstance(fields, str) else list(fields)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise InvalidArgumentError(
            f"fields must be a non-empty list of field API names, got {fields!r}"
        )
    _check_known(session, module, names)
    return FieldSelection(session, module, tuple(dict.fromkeys(names)))


def _check_known(session: Session, module: str, names: Sequence[str]) -> None:
    """A name missing from the module's cached metadata is an error (nothing is fetched)."""
    known = cached_field_names(session.metadata, module)
    if known is None:
        return
    for name in names:
        if name != "id" and name not in known:
            raise InvalidArgumentError(
                f"field {name!r} is not a field of module {module!r}; see "
                f"await crm.modules.field_names({module!r}) (after adding a field in Zoho, "
                f"await crm.modules.refresh({module!r}))"
            )


@attrs.frozen
class FieldSelection:
    """Resolved ``fields=``: ``names`` (None: Zoho's default set) or every field."""

    session: Session
    module: str
    names: tuple[str, ...] | None
    expand_all: bool = False

    @property
    def param(self) -> str | None:
        """The ``fields`` query parameter when one request per page is enough, else None."""
        if self.expand_all or self.names is None or len(self.names) > MAX_FIELDS_PER_CALL:
            return None
        return ",".join(self.names)

    def wrap(self, fetch: PageFetch, options: RequestOptionsDict | None = None) -> PageFetch:
        """``fetch`` as is, or one that reads the fields in slices of 50 and merges them.

        ``options`` are the per-call options of the list, for the calls reading the slices.
        """
        if not self.expand_all and (self.names is None or self.param is not None):
            return fetch

        async def fetch_sliced(params: dict[str, Any]) -> Page[Record]:
            slices = _slices(await self._names())
            page = await fetch({**params, "fields": ",".join(slices[0])})
            if len(slices) > 1 and page.items:
                await self._fill(page.items, slices[1:], options)
            return page

        return fetch_sliced

    async def _names(self) -> list[str]:
        if not self.expand_all:
            return list(self.names or ())
        from .metadata import ModulesManager

        fields = await ModulesManager(self.session).fields(self.module)
        return [
            f.api_name
            for f in fields
            if f.api_name and f.api_name != "id" and f.data_type not in _NOT_LISTABLE
        ]

    async def _fill(
        self, records: list[Record], slices: list[list[str]], options: RequestOptionsDict | None
    ) -> None:
        by_id = {r.id: r for r in records if r.id is not None}
        ids = list(by_id)
        batches = [ids[i : i + MAX_IDS_PER_CALL] for i in range(0, len(ids), MAX_IDS_PER_CALL)]

        async def read(names: list[str], batch: list[str]) -> None:
            body = await self.session.call(
                "GET",
                self.module,
                options,
                params={"ids": ",".join(batch), "fields": ",".join(names), "per_page": 200},
            )
            for item in (body.get("data") if isinstance(body, dict) else None) or []:
                record = by_id.get(str(item.get("id")))
                if record is not None:
                    record.data.update({k: v for k, v in item.items() if k != "id"})

        async with anyio.create_task_group() as group:
            for names in slices:
                for batch in batches:
                    group.start_soon(read, names, batch)


def _slices(names: list[str]) -> list[list[str]]:
    if not names:
        raise InvalidArgumentError("no fields to fetch: the module's metadata lists none")
    size = MAX_FIELDS_PER_CALL
    return [names[i : i + size] for i in range(0, len(names), size)]

"""Models of the record-level extras: contact roles, record locks and record shares.

Like every entity model they keep each key Zoho sent in ``data`` (round trips are lossless);
their attributes are the keys most callers read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from ._entities import Entity, Lookup, Model, to_datetime, to_lookup

__all__ = ["ContactRole", "RecordLock", "RecordShare"]


def _to_text(value: Any) -> Any:
    """Converter: an id Zoho sends as a number becomes its digits (None stays None)."""
    return None if value is None else str(value)


@attrs.define(slots=True)
class ContactRole(Entity):
    """A role a contact plays in a deal (``/Contacts/roles``): ``Decision Maker``..."""

    id: str | None = None
    name: str | None = None
    sequence_number: int | None = None


@attrs.define(slots=True)
class RecordLock(Model):
    """A lock on a record (``/{module}/{id}/Locking_Information__s``).

    While a record is locked, Zoho refuses its updates and deletion (``RECORD_LOCKED``).
    """

    id: str | None = attrs.field(default=None, converter=_to_text)
    reason: str | None = None
    source: str | None = None
    locked_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    locked_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    api_keys: ClassVar[Mapping[str, str]] = {
        "reason": "locked_reason__s",
        "source": "lock_source__s",
        "locked_by": "locked_by__s",
        "locked_time": "Locked_time__s",
    }


@attrs.define(slots=True)
class RecordShare(Model):
    """A user a record is shared with (``/{module}/{id}/actions/share``).

    ``permission`` is ``read_only``, ``read_write`` or ``full_access``;
    ``share_related_records`` says whether the record's related records are shared too.
    """

    user: Lookup | None = attrs.field(default=None, converter=to_lookup)
    permission: str | None = None
    share_related_records: bool | None = None
    shared_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    shared_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    type: str | None = None

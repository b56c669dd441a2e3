"""History models: a record's timeline entries and audit log export jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import attrs

from ._entities import Lookup, Model, to_datetime, to_lookup

__all__ = ["AUDIT_EXPORT_FINISHED", "AuditLogExport", "TimelineEvent"]

#: The states in which an audit log export job has stopped.
AUDIT_EXPORT_FINISHED: Final = frozenset({"Finished", "Failed"})


@attrs.define(slots=True)
class TimelineEvent(Model):
    """One entry of a record's timeline: an ``action`` (added, updated, deleted...) by
    ``done_by`` at ``audited_time``; ``field_history`` lists the fields an update changed
    (each with ``api_name`` and ``_value`` ``{"old", "new"}``)."""

    id: str | None = None
    action: str | None = None
    source: str | None = None
    type: str | None = None
    extension: str | None = None
    field_history: list[Any] | None = None
    automation_details: Any = None
    audited_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    done_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    record: Lookup | None = attrs.field(default=None, converter=to_lookup)
    related_record: Lookup | None = attrs.field(default=None, converter=to_lookup)

    @property
    def changes(self) -> dict[str, tuple[Any, Any]]:
        """``{field api_name: (old, new)}`` of an update (empty for other actions)."""
        out: dict[str, tuple[Any, Any]] = {}
        for entry in self.field_history or []:
            if isinstance(entry, dict) and entry.get("api_name"):
                raw = entry.get("_value")
                value = raw if isinstance(raw, dict) else {}
                out[str(entry["api_name"])] = (value.get("old"), value.get("new"))
        return out


@attrs.define(slots=True)
class AuditLogExport(Model):
    """An audit log export job (``/settings/audit_log_export``): ``Scheduled``, ``Progress``,
    then ``Finished`` (with ``download_links``) or ``Failed``."""

    id: str | None = None
    status: str | None = None
    criteria: Any = None
    download_links: list[str] | None = None
    created_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    job_start_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    job_end_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    expiry_date: datetime | None = attrs.field(default=None, converter=to_datetime)

    @property
    def done(self) -> bool:
        """True once the job has stopped (``Finished`` or ``Failed``)."""
        return self.status in AUDIT_EXPORT_FINISHED

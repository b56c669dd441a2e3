"""Backup models: the scheduled data backup, its history and its download links."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._entities import Lookup, Model, to_datetime, to_lookup

__all__ = ["Backup", "BackupHistoryEntry", "BackupUrls"]


@attrs.define(slots=True)
class Backup(Model):
    """The org's data backup (``/crm/bulk/{v}/backup``): when it runs (``rrule``, an iCalendar
    recurrence such as ``FREQ=WEEKLY;INTERVAL=2;BYDAY=TH``) and its ``status``."""

    id: str | None = None
    rrule: str | None = None
    status: str | None = None
    start_date: datetime | None = attrs.field(default=None, converter=to_datetime)
    scheduled_date: datetime | None = attrs.field(default=None, converter=to_datetime)
    requester: Lookup | None = attrs.field(default=None, converter=to_lookup)


@attrs.define(slots=True)
class BackupHistoryEntry(Model):
    """One event of the backup history: scheduled, completed, cancelled, downloaded..."""

    id: str | None = None
    action: str | None = None
    repeat_type: str | None = None
    count: int | None = None
    file_name: str | None = None
    state: str | None = None
    log_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    done_by: Lookup | None = attrs.field(default=None, converter=to_lookup)


@attrs.define(slots=True)
class BackupUrls(Model):
    """The download links of the latest backup: ZIPs of data (CSV per module) and of
    attachments, valid until ``expiry_date``."""

    data_links: list[str] | None = None
    attachment_links: list[str] | None = None
    expiry_date: datetime | None = attrs.field(default=None, converter=to_datetime)

    @property
    def links(self) -> list[str]:
        """Every link: the data ZIPs, then the attachment ZIPs."""
        return [*(self.data_links or []), *(self.attachment_links or [])]

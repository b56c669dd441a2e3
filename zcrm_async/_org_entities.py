"""Models of the org's set-up: currencies, pipelines, territories, user groups, the recycle bin,
and the status of the jobs that mass actions schedule.

Kept apart from ``_entities`` (and loaded on first use) like the other entity models.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import attrs

from ._entities import Entity, Lookup, Model, to_datetime, to_lookup

__all__ = [
    "AvailableCurrency",
    "Currency",
    "MassJobStatus",
    "MergeStatus",
    "Pipeline",
    "PipelineStage",
    "RecycleBinRecord",
    "Territory",
    "UserGroup",
    "UserTerritory",
]

#: The job states after which a job's counts no longer change.
FINISHED_JOB_STATES = frozenset({"COMPLETED", "FAILED"})


@attrs.define(slots=True)
class Currency(Model):
    """A currency of the org (``/org/currencies``); one of them is the base (home) currency.

    ``exchange_rate`` is Zoho's text (``"1.000000000"``); :attr:`rate` is it as a
    :class:`~decimal.Decimal`. ``format`` holds the ``decimal_separator``,
    ``thousand_separator`` and ``decimal_places`` Zoho shows amounts with.
    """

    id: str | None = None
    name: str | None = None
    iso_code: str | None = None
    symbol: str | None = None
    exchange_rate: str | None = None
    is_base: bool | None = None
    is_active: bool | None = None
    prefix_symbol: bool | None = None
    format: dict[str, Any] | None = None
    created_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    modified_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=to_datetime)

    @property
    def rate(self) -> Decimal | None:
        """The exchange rate against the base currency, exact (None if Zoho sent none)."""
        if self.exchange_rate is None:
            return None
        try:
            return Decimal(str(self.exchange_rate))
        except InvalidOperation:
            return None


@attrs.define(slots=True)
class AvailableCurrency(Model):
    """A currency Zoho supports and the org may add (``actions/available_currencies``)."""

    iso_code: str | None = None
    display_name: str | None = None
    display_value: str | None = None
    symbol: str | None = None
    decimal_places: str | None = None
    decimal_separator: str | None = None
    thousand_separator: str | None = None


@attrs.define(slots=True)
class PipelineStage(Model):
    """A stage of a pipeline (one of its ``maps``): a value of the Deals ``Stage`` picklist."""

    id: str | None = None
    display_value: str | None = None
    actual_value: str | None = None
    sequence_number: int | None = None
    forecast_type: str | None = None
    colour_code: str | None = None
    forecast_category: Lookup | None = attrs.field(default=None, converter=to_lookup)


@attrs.define(slots=True)
class Pipeline(Model):
    """A pipeline of a Deals layout (``/settings/pipeline?layout_id=``) and its stages."""

    id: str | None = None
    display_value: str | None = None
    actual_value: str | None = None
    default: bool | None = None
    child_available: bool | None = None
    maps: list[Any] | None = None
    parent: Lookup | None = attrs.field(default=None, converter=to_lookup)

    @property
    def stages(self) -> list[PipelineStage]:
        """The stages (Zoho's ``maps``) in the pipeline's order."""
        items = [PipelineStage.from_api(m) for m in self.maps or [] if isinstance(m, Mapping)]
        return sorted(items, key=lambda s: (s.sequence_number is None, s.sequence_number or 0))


@attrs.define(slots=True)
class Territory(Model):
    """A territory (``/settings/territories``): a node of the org's territory hierarchy."""

    id: str | None = None
    name: str | None = None
    api_name: str | None = None
    description: str | None = None
    permission_type: str | None = None
    manager: Lookup | None = attrs.field(default=None, converter=to_lookup)
    reporting_to: Lookup | None = attrs.field(default=None, converter=to_lookup)
    account_rule_criteria: Any = None
    deal_rule_criteria: Any = None
    lead_rule_criteria: Any = None
    created_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    modified_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=to_datetime)


@attrs.define(slots=True)
class UserTerritory(Model):
    """A territory as a user's territories list it (``/users/{id}/territories``).

    Zoho capitalises these keys (``Name``, ``Manager``, ``Reporting_To``); the attributes read
    them under the usual names.
    """

    id: str | None = None
    name: str | None = None
    manager: Lookup | None = attrs.field(default=None, converter=to_lookup)
    reporting_to: Lookup | None = attrs.field(default=None, converter=to_lookup)
    api_keys: ClassVar[Mapping[str, str]] = {
        "name": "Name",
        "manager": "Manager",
        "reporting_to": "Reporting_To",
    }


@attrs.define(slots=True)
class UserGroup(Model):
    """A group of users (``/settings/user_groups``), made of users, roles and territories.

    ``sources`` are the members as Zoho lists them (``{"type", "source": {"id"},
    "subordinates", "sub_territories"}``); ``sources_count`` counts them by kind.
    """

    id: str | None = None
    name: str | None = None
    description: str | None = None
    sources: list[Any] | None = None
    sources_count: dict[str, Any] | None = None
    created_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    modified_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=to_datetime)


@attrs.define(slots=True)
class RecycleBinRecord(Model):
    """A deleted record waiting in the recycle bin (``/settings/recycle_bin``).

    ``module`` names the record's module (``module.api_name``); restore or purge it by ``id``.
    """

    id: str | None = None
    display_name: str | None = None
    module: Lookup | None = attrs.field(default=None, converter=to_lookup)
    owner: Lookup | None = attrs.field(default=None, converter=to_lookup)
    deleted_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    deleted_time: datetime | None = attrs.field(default=None, converter=to_datetime)


@attrs.define(slots=True)
class MassJobStatus(Entity):
    """Progress of a job a mass action scheduled (change owner, delete, convert; a user group's
    deletion).

    Zoho reports ``Status`` (``SCHEDULED``, ``RUNNING``, ``COMPLETED`` or ``FAILED``) and the
    counts that fit the action; the others stay None.
    """

    status: str | None = None
    total_count: int | None = None
    failed_count: int | None = None
    updated_count: int | None = None
    not_updated_count: int | None = None
    deleted_count: int | None = None
    converted_count: int | None = None
    not_converted_count: int | None = None
    api_keys: ClassVar[Mapping[str, str]] = {
        "status": "Status",
        "total_count": "Total_Count",
        "failed_count": "Failed_Count",
        "updated_count": "Updated_Count",
        "not_updated_count": "Not_Updated_Count",
        "deleted_count": "Deleted_Count",
        "converted_count": "Converted_Count",
        "not_converted_count": "Not_Converted_Count",
    }

    @property
    def done(self) -> bool:
        """True once the job finished (``COMPLETED`` or ``FAILED``): its counts are final."""
        return str(self.status).upper() in FINISHED_JOB_STATES


@attrs.define(slots=True)
class MergeStatus(Entity):
    """A merge of duplicate records into a master record (``.../actions/merge?job_id=``).

    ``data`` lists the records merged; ``master_record_fields`` which record each field of the
    master took its value from.
    """

    job_id: str | None = None
    status: str | None = None
    records: list[Any] | None = None
    master_record_fields: list[Any] | None = None
    api_keys: ClassVar[Mapping[str, str]] = {"records": "data"}

    @property
    def done(self) -> bool:
        """True once the merge finished (``completed`` or ``failed``, in any case)."""
        return str(self.status).upper() in FINISHED_JOB_STATES

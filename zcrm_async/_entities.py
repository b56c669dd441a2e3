"""Entity models beyond the core: notes, attachments, tags, metadata and settings entities.

Kept apart from ``_models`` so that ``import zcrm_async`` does not build these attrs classes
until a manager that returns them is first used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar, Self

import attrs

from ._models import parse_datetime

__all__ = [
    "User",
    "Org",
    "Lookup",
    "Entity",
    "Model",
    "Attachment",
    "ConvertResult",
    "CustomView",
    "Field",
    "Layout",
    "MassUpdateStatus",
    "Module",
    "Note",
    "Profile",
    "RelatedList",
    "Role",
    "Tag",
    "Tax",
    "Variable",
    "VariableGroup",
    "parent_of",
    "to_datetime",
    "to_lookup",
]


@attrs.define(slots=True)
class Entity:
    """Base of the entity models: named attributes plus every key Zoho sent, in ``data``."""

    data: dict[str, Any] = attrs.field(factory=dict, repr=False, kw_only=True)
    #: Attribute name -> Zoho key, for attributes whose names differ from Zoho's keys.
    api_keys: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """Build from Zoho's JSON object, keeping unknown keys.

        Args:
            data: One object of Zoho's answer.

        Returns:
            The entity; every key Zoho sent stays in ``data``.
        """
        values = {}
        for field in attrs.fields(cls):
            if field.name == "data":
                continue
            key = cls.api_keys.get(field.name, field.name)
            if key in data:
                values[field.name] = data[key]
        return cls(**values, data=dict(data))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object Zoho sent (with any attribute changes written back).

        Returns:
            A new dict in Zoho's JSON shape.
        """
        out = dict(self.data)
        for field in attrs.fields(type(self)):
            if field.name != "data":
                value = getattr(self, field.name)
                key = self.api_keys.get(field.name, field.name)
                if value is not None or key in out:
                    out[key] = value
        return out


def _to_lookup(value: Any) -> Any:
    """Converter: a JSON object becomes a :class:`Lookup`; anything else is kept as sent."""
    if isinstance(value, Mapping) and not isinstance(value, Lookup):
        return Lookup.from_api(value)
    return value


def _to_datetime(value: Any) -> Any:
    """Converter: ISO-8601 text becomes an aware datetime (None if unparsable)."""
    return value if isinstance(value, datetime) or value is None else parse_datetime(value)


def _to_json(value: Any) -> Any:
    if isinstance(value, Lookup):
        return value.to_dict()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@attrs.define(slots=True)
class Lookup(Mapping[str, Any]):
    """A reference to another entity (``{"name": .., "id": ..}``, ``{"api_name": .., "id": ..}``).

    Read it as attributes (``owner.name``) or as the JSON object (``owner["email"]``).
    """

    id: str | None = None
    name: str | None = None
    api_name: str | None = None
    email: str | None = None
    data: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Lookup:
        """Build from Zoho's JSON object, keeping every key.

        Args:
            data: A lookup object (``{"id": ..., "name": ...}``).

        Returns:
            The lookup.
        """
        names = ("id", "name", "api_name", "email")
        return cls(**{k: data[k] for k in names if k in data}, data=dict(data))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object (with any attribute changes written back).

        Returns:
            A new dict in Zoho's JSON shape.
        """
        out = dict(self.data)
        for key in ("id", "name", "api_name", "email"):
            value = getattr(self, key)
            if value is not None or key in out:
                out[key] = value
        return out

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())


@attrs.define(slots=True)
class _Model(Entity):
    """An :class:`Entity` whose lookups are :class:`Lookup` objects and datetimes are parsed.

    ``to_dict`` writes back Zoho's own JSON for every attribute left unchanged, so a round trip
    is lossless even where parsing normalises (an offset spelled ``Z``, an unparsable date).
    """

    def to_dict(self) -> dict[str, Any]:
        """The JSON object Zoho sent (with any attribute changes written back).

        Returns:
            A new dict in Zoho's JSON shape: the keys Zoho sent, lookups and datetimes written
            back as JSON.
        """
        out = dict(self.data)
        for field in attrs.fields(type(self)):
            if field.name == "data":
                continue
            key = self.api_keys.get(field.name, field.name)
            value = getattr(self, field.name)
            convert = field.converter
            if key in self.data and callable(convert) and convert(self.data[key]) == value:
                continue
            if value is not None or key in out:
                out[key] = _to_json(value)
        return out


#: The base of entity models defined in other modules of the package (lookups as
#: :class:`Lookup`, datetimes parsed, lossless ``to_dict``); with the two converters below.
Model = _Model


def to_lookup(value: Any) -> Any:
    """Converter: a JSON object becomes a :class:`Lookup`; anything else is kept as sent."""
    return _to_lookup(value)


def to_datetime(value: Any) -> Any:
    """Converter: ISO-8601 text becomes an aware datetime (None if unparsable)."""
    return _to_datetime(value)


@attrs.define(slots=True)
class User(_Model):
    """A CRM user (``/users``)."""

    id: str | None = None
    email: str | None = None
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    status: str | None = None
    zuid: str | None = None
    role: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    profile: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    created_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    api_keys: ClassVar[Mapping[str, str]] = {"modified_time": "Modified_Time"}


@attrs.define(slots=True)
class Org(Entity):
    """The organisation (``/org``); ``zgid`` is the bulk-upload ``X-CRM-ORG`` header value."""

    id: str | None = None
    company_name: str | None = None
    primary_email: str | None = None
    domain_name: str | None = None
    zgid: str | None = None
    time_zone: str | None = None
    currency: str | None = None
    country_code: str | None = None
    type: str | None = None


def parent_of(data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """``(module, id)`` of a note's or attachment's parent, from either Parent_Id shape.

    v2-v4 send ``Parent_Id`` as an id string (or ``{name, id}``) beside ``se_module``/
    ``$se_module``; v6+ as ``{"module": {"api_name", "id"}, "name", "id"}``.
    """
    parent = data.get("Parent_Id")
    module = data.get("se_module") or data.get("$se_module")
    if isinstance(parent, Mapping):
        inner = parent.get("module")
        if isinstance(inner, Mapping) and inner.get("api_name"):
            module = inner["api_name"]
        parent = parent.get("id")
    return (
        None if module is None else str(module),
        None if parent is None else str(parent),
    )


@attrs.define(slots=True)
class Note(Entity):
    """A note (``/Notes``); ``parent_module``/``parent_id`` read from either Parent_Id shape."""

    id: str | None = None
    title: str | None = None
    content: str | None = None
    parent_module: str | None = None
    parent_id: str | None = None
    api_keys: ClassVar[Mapping[str, str]] = {"title": "Note_Title", "content": "Note_Content"}

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """Build from Zoho's JSON object, whichever ``Parent_Id`` shape it uses.

        Args:
            data: One note object of Zoho's answer.

        Returns:
            The note.
        """
        module, parent = parent_of(data)
        return cls(
            id=None if data.get("id") is None else str(data["id"]),
            title=data.get("Note_Title"),
            content=data.get("Note_Content"),
            parent_module=module,
            parent_id=parent,
            data=dict(data),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON object Zoho sent, with id/title/content changes written back.

        Returns:
            A new dict in Zoho's JSON shape.
        """
        out = dict(self.data)
        for key, value in (("id", self.id), ("Note_Title", self.title)):
            if value is not None or key in out:
                out[key] = value
        if self.content is not None or "Note_Content" in out:
            out["Note_Content"] = self.content
        return out


@attrs.define(slots=True)
class Attachment(_Model):
    """A file or link attached to a record (``/{module}/{id}/Attachments``)."""

    id: str | None = None
    file_name: str | None = None
    size: str | None = None
    link_url: str | None = None
    owner: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    api_keys: ClassVar[Mapping[str, str]] = {
        "file_name": "File_Name",
        "size": "Size",
        "link_url": "$link_url",
        "owner": "Owner",
        "created_time": "Created_Time",
    }


@attrs.define(slots=True)
class Tag(_Model):
    """A module tag (``/settings/tags``) or a tag on a record."""

    id: str | None = None
    name: str | None = None
    color_code: str | None = None
    created_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=_to_datetime)


@attrs.define(slots=True)
class ConvertResult:
    """The records a lead conversion created or used: Contact, Account and (optional) Deal."""

    contact_id: str | None = None
    account_id: str | None = None
    deal_id: str | None = None
    data: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ConvertResult:
        """From ``data[0]`` of a convert answer.

        Args:
            data: ``details.{Contacts,Accounts,Deals}`` objects (v3+), or the bare ids of v2
                (``{"Contacts": "id", "Deals": null, ...}``).

        Returns:
            The ids of the contact, account and deal (None for those not made or used).
        """
        details = data.get("details") if isinstance(data.get("details"), Mapping) else data

        def ref(key: str) -> str | None:
            value = details.get(key) if isinstance(details, Mapping) else None
            if isinstance(value, Mapping):
                value = value.get("id")
            return None if value is None else str(value)

        return cls(ref("Contacts"), ref("Accounts"), ref("Deals"), data=dict(data))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object Zoho sent.

        Returns:
            A copy of it.
        """
        return dict(self.data)


@attrs.define(slots=True)
class MassUpdateStatus(Entity):
    """Progress of a scheduled mass update (``/{module}/actions/mass_update?job_id=``)."""

    status: str | None = None
    total_count: int | None = None
    updated_count: int | None = None
    not_updated_count: int | None = None
    failed_count: int | None = None
    api_keys: ClassVar[Mapping[str, str]] = {
        "status": "Status",
        "total_count": "Total_Count",
        "updated_count": "Updated_Count",
        "not_updated_count": "Not_Updated_Count",
        "failed_count": "Failed_Count",
    }

    @property
    def done(self) -> bool:
        """True once Zoho reports the job ``COMPLETED``."""
        return self.status == "COMPLETED"


# -- metadata and settings entities ----------------------------------------------------------------


@attrs.define(slots=True)
class Module(_Model):
    """A CRM module (``/settings/modules``); v5+ reports ``status``, older versions ``visible``."""

    id: str | None = None
    api_name: str | None = None
    module_name: str | None = None
    singular_label: str | None = None
    plural_label: str | None = None
    status: str | None = None
    visible: bool | None = None
    api_supported: bool | None = None
    creatable: bool | None = None
    editable: bool | None = None
    deletable: bool | None = None
    viewable: bool | None = None
    generated_type: str | None = None
    modified_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    modified_time: datetime | None = attrs.field(default=None, converter=_to_datetime)

    @property
    def is_visible(self) -> bool:
        """Shown to users: ``status == "visible"`` (v5+) or ``visible`` (v2-v4)."""
        if self.status is not None:
            return self.status == "visible"
        return bool(self.visible)


@attrs.define(slots=True)
class Field(_Model):
    """A field of a module (``/settings/fields?module=``)."""

    id: str | None = None
    api_name: str | None = None
    field_label: str | None = None
    display_label: str | None = None
    data_type: str | None = None
    json_type: str | None = None
    length: int | None = None
    system_mandatory: bool | None = None
    read_only: bool | None = None
    custom_field: bool | None = None
    visible: bool | None = None
    pick_list_values: list[Any] | None = None
    lookup: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=_to_datetime)

    @property
    def lookup_module(self) -> str | None:
        """For lookup fields: the API name of the module looked up."""
        module = self.lookup.data.get("module") if self.lookup is not None else None
        name = module.get("api_name") if isinstance(module, Mapping) else None
        return None if name is None else str(name)


@attrs.define(slots=True)
class Layout(_Model):
    """A layout of a module (``/settings/layouts?module=``)."""

    id: str | None = None
    name: str | None = None
    display_label: str | None = None
    status: str | None = None
    visible: bool | None = None
    sections: list[Any] | None = None
    profiles: list[Any] | None = None
    created_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    modified_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=_to_datetime)


@attrs.define(slots=True)
class CustomView(_Model):
    """A custom view of a module (``/settings/custom_views?module=``); pass ``id`` as ``cvid``."""

    id: str | None = None
    name: str | None = None
    display_value: str | None = None
    system_name: str | None = None
    category: str | None = None
    default: bool | None = None
    system_defined: bool | None = None
    favorite: Any = None
    sort_order: str | None = None
    criteria: Any = None
    fields: list[Any] | None = None
    module: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    sort_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    created_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    modified_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    last_accessed_time: datetime | None = attrs.field(default=None, converter=_to_datetime)


@attrs.define(slots=True)
class RelatedList(_Model):
    """A related list of a module (``/settings/related_lists?module=``)."""

    id: str | None = None
    api_name: str | None = None
    name: str | None = None
    display_label: str | None = None
    type: str | None = None
    href: str | None = None
    action: str | None = None
    status: str | None = None
    visible: bool | None = None
    sequence_number: int | str | None = None
    module: Lookup | None = attrs.field(default=None, converter=_to_lookup)


@attrs.define(slots=True)
class Role(_Model):
    """A role (``/settings/roles``)."""

    id: str | None = None
    name: str | None = None
    display_label: str | None = None
    description: str | None = None
    share_with_peers: bool | None = None
    admin_user: bool | None = None
    reporting_to: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    forecast_manager: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    created_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    modified_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    api_keys: ClassVar[Mapping[str, str]] = {
        "created_by": "created_by__s",
        "modified_by": "modified_by__s",
        "created_time": "created_time__s",
        "modified_time": "modified_time__s",
    }


@attrs.define(slots=True)
class Profile(_Model):
    """A profile (``/settings/profiles``)."""

    id: str | None = None
    name: str | None = None
    display_label: str | None = None
    description: str | None = None
    default: bool | None = None
    custom: bool | None = None
    type: str | None = None
    category: bool | None = None
    permission_type: str | None = None
    created_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    modified_by: Lookup | None = attrs.field(default=None, converter=_to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=_to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=_to_datetime)


@attrs.define(slots=True)
class VariableGroup(_Model):
    """A group of org variables (``/settings/variable_groups``)."""

    id: str | None = None
    api_name: str | None = None
    name: str | None = None
    display_label: str | None = None
    description: str | None = None


@attrs.define(slots=True)
class Variable(_Model):
    """An org variable (``/settings/variables``): ``value`` typed by ``type``."""

    id: str | None = None
    api_name: str | None = None
    name: str | None = None
    description: str | None = None
    type: str | None = None
    value: Any = None
    read_only: bool | None = None
    source: str | None = None
    variable_group: Lookup | None = attrs.field(default=None, converter=_to_lookup)


@attrs.define(slots=True)
class Tax(_Model):
    """An org tax (``/org/taxes``)."""

    id: str | None = None
    name: str | None = None
    display_label: str | None = None
    value: float | int | None = None
    sequence_number: int | None = None

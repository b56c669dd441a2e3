"""State beyond module records: attachments, photos, relations, tags, jobs; multipart bodies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from python_multipart.multipart import MultipartParser, parse_options_header

from ._errors import ApiError
from ._state import Call, FakeState

__all__ = [
    "JUNCTIONS",
    "LOOKUP_RELATIONS",
    "Extras",
    "Upload",
    "extras",
    "form_parts",
    "parse_form",
    "record_or_400",
]

#: ``(parent module, related list) -> (child module, lookup field on the child)``.
LOOKUP_RELATIONS: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("Accounts", "Contacts"): ("Contacts", "Account_Name"),
    ("Accounts", "Deals"): ("Deals", "Account_Name"),
    ("Accounts", "Cases"): ("Cases", "Account_Name"),
    ("Accounts", "Quotes"): ("Quotes", "Account_Name"),
    ("Accounts", "Sales_Orders"): ("Sales_Orders", "Account_Name"),
    ("Accounts", "Invoices"): ("Invoices", "Account_Name"),
    ("Accounts", "Child_Accounts"): ("Accounts", "Parent_Account"),
    ("Contacts", "Deals"): ("Deals", "Contact_Name"),
    ("Vendors", "Products"): ("Products", "Vendor_Name"),
    ("Vendors", "Contacts"): ("Contacts", "Vendor_Name"),
    ("Vendors", "Purchase_Orders"): ("Purchase_Orders", "Vendor_Name"),
    ("Campaigns", "Deals"): ("Deals", "Campaign_Source"),
}
#: Many-to-many relations; the related list on each side is named after the other module.
JUNCTIONS: Final = frozenset(
    {
        frozenset({"Leads", "Products"}),
        frozenset({"Contacts", "Products"}),
        frozenset({"Accounts", "Products"}),
        frozenset({"Deals", "Products"}),
        frozenset({"Price_Books", "Products"}),
        frozenset({"Leads", "Campaigns"}),
        frozenset({"Contacts", "Campaigns"}),
    }
)


@dataclass(slots=True)
class Upload:
    """One file part of a multipart body."""

    filename: str
    content_type: str
    content: bytes


@dataclass
class Extras:
    """Per-fake state of the record side APIs (kept in memory, bytes included)."""

    #: attachment id -> {"parent": (module, id), "meta": {...}, "content": bytes | None}
    attachments: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (module, record id) -> (content type, file name, bytes)
    photos: dict[tuple[str, str], tuple[str, str, bytes]] = field(default_factory=dict)
    #: (module a, id a, module b, id b) with a < b -> relation fields (e.g. List_Price)
    junctions: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    #: module -> tag id -> tag JSON
    tags: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    #: mass update job id -> status JSON
    mass_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)


def _new_extras(state: FakeState) -> Extras:
    return Extras()


def extras(state: FakeState) -> Extras:
    """The extras of one fake (created on first use)."""
    return state.part(_new_extras)


def record_or_400(state: FakeState, module: str, record_id: str) -> dict[str, Any]:
    """The stored record, or 400 INVALID_DATA naming the id's place in the path."""
    record = state.module(module).records.get(record_id)
    if record is None:
        raise ApiError(
            400,
            "INVALID_DATA",
            "the id given seems to be invalid",
            {"resource_path_index": 1, "id": record_id},
        )
    return record


def parse_form(call: Call) -> tuple[dict[str, str], dict[str, Upload]]:
    """Form fields and files of a ``multipart/form-data`` body (400 if it is not one)."""
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for name, value in form_parts(call):
        if isinstance(value, Upload):
            files[name] = value
        else:
            fields[name] = value
    return fields, files


def form_parts(call: Call) -> list[tuple[str, str | Upload]]:
    """Every part of a ``multipart/form-data`` body in order, by name: text, or a file
    (400 if the body is not multipart)."""
    content_type, options = parse_options_header(call.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ApiError(
            400,
            "INVALID_DATA",
            "the request body must be multipart/form-data",
            {"header": "Content-Type"},
        )
    parts: list[dict[str, Any]] = []
    header_field = bytearray()
    header_value = bytearray()

    def on_part_begin() -> None:
        parts.append({"headers": {}, "data": bytearray()})

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1]["data"] += data[start:end]

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        parts[-1]["headers"][bytes(header_field).lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    callbacks: Mapping[str, Any] = {
        "on_part_begin": on_part_begin,
        "on_part_data": on_part_data,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    parser.write(call.body)
    parser.finalize()
    out: list[tuple[str, str | Upload]] = []
    for part in parts:
        _, disposition = parse_options_header(part["headers"].get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode()
        filename = disposition.get(b"filename")
        if filename is None:
            out.append((name, bytes(part["data"]).decode("utf-8", "replace")))
        else:
            part_type = part["headers"].get(b"content-type", b"application/octet-stream")
            out.append((name, Upload(filename.decode(), part_type.decode(), bytes(part["data"]))))
    return out

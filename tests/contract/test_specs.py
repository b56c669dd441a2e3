"""The specs load offline, patched, and the allow-list still describes real defects."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator
from referencing.exceptions import PointerToNowhere

from ._known_defects import KNOWN_DEFECTS, SPEC_PATCHES, KnownDefect
from ._oas import REMOTE_PREFIX, SpecBook, spec_dir


def test_every_remote_ref_is_rewritten_to_a_loaded_local_file(spec_book: SpecBook) -> None:
    assert REMOTE_PREFIX not in json.dumps(spec_book.docs)
    refs = {ref for doc in spec_book.docs.values() for ref in _refs(doc)}
    files = {ref.partition("#")[0] for ref in refs} - {""}
    assert files, "the specs have cross-file $refs"
    assert all(uri.startswith("file://") for uri in files), sorted(files)
    assert all(spec_book._retrieve(uri) for uri in files)


def test_records_spec_resolves_across_files(spec_book: SpecBook) -> None:
    # record.json's Success_Response.details.Created_By lives in users.json.
    file, node = spec_book.resolve(
        "record.json",
        spec_book.docs["record.json"]["components"]["schemas"]["Success_Response"]["properties"][
            "details"
        ]["properties"]["Created_By"],
    )
    assert file == "users.json"
    assert node["required"] == ["name", "id"]


#: Without the folder the spec_book fixture skips naming it (fails in CI); never an empty list.
SPEC_FILES = sorted(p.name for p in spec_dir().glob("*.json")) or ["<spec folder missing>"]


@pytest.mark.parametrize("name", SPEC_FILES)
def test_each_patched_file_is_a_valid_openapi_document(spec_book: SpecBook, name: str) -> None:
    errors = list(OpenAPIV30SpecValidator(spec_book.schema_path(name)).iter_errors())
    assert errors == [], f"{name}: {errors[:3]}"


def test_every_spec_patch_still_changes_something(spec_book: SpecBook) -> None:
    stale = [name for name, changed in spec_book.patched.items() if not changed]
    assert stale == [], f"Zoho fixed these spec defects; remove the patches: {stale}"


def test_notes_spec_has_a_dangling_ref_without_its_patch(spec_book: SpecBook) -> None:
    patches = {p.name: p.apply for p in SPEC_PATCHES if p.name != "notes-if-modified-since"}
    unpatched = SpecBook(spec_book.folder, patches)
    with pytest.raises(PointerToNowhere, match="If-Modified-Since"):
        list(OpenAPIV30SpecValidator(unpatched.schema_path("notes.json")).iter_errors())


@pytest.mark.parametrize("defect", KNOWN_DEFECTS, ids=lambda d: d.name)
def test_known_defects_are_still_in_the_spec(spec_book: SpecBook, defect: KnownDefect) -> None:
    assert defect.witness(spec_book.raw), (
        f"{defect.name} is no longer in Zoho's spec: delete its allow-list entry"
    )


def test_every_allow_list_entry_gives_its_reason() -> None:
    entries = [*SPEC_PATCHES, *KNOWN_DEFECTS]
    assert len({e.name for e in entries}) == len(entries)
    assert all(len(e.reason) > 40 for e in entries)


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []

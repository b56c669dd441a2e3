"""The default scopes cover every operation the SDK calls, as Zoho's specs name its scopes.

Each spec operation lists the scopes that authorize it (any one suffices; Zoho writes "or").
A granted scope covers a required one when both name the same scope, segment by segment and
case-insensitively (a ``{module_API_name}`` placeholder stands for any module), or when the
granted one is ``<family>.ALL`` and the required one lies under ``<family>``
(``ZohoCRM.settings.ALL`` covers ``ZohoCRM.settings.recycle_bin.READ``).
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from zcrm_async import DEFAULT_SCOPES

from ._oas import Operation, SpecBook
from ._scenario import ScenarioRun


def _segments(scope: str) -> list[str]:
    return scope.strip().lower().split(".")


def _same(granted: str, required: str) -> bool:
    return granted == required or required.startswith("{")


def covers(granted: str, required: str) -> bool:
    """Whether the scope ``granted`` authorizes what ``required`` names."""
    have, need = _segments(granted), _segments(required)
    if have[-1] == "all" and len(have) - 1 < len(need):
        family = have[:-1]
        if all(_same(g, r) for g, r in zip(family, need, strict=False)):
            return True
    return len(have) == len(need) and all(_same(g, r) for g, r in zip(have, need, strict=True))


def required_scopes(spec_book: SpecBook, op: Operation) -> list[str]:
    """The scopes the spec names for ``op``: its own, else its file's (as OpenAPI reads them).

    Empty names, a defect of some files, are dropped.
    """
    operation = spec_book.operation(op)
    security = operation.get("security", spec_book.docs[op.file].get("security", []))
    found: list[str] = []
    for requirement in security:
        for names in requirement.values():
            found.extend(name.strip() for name in names if name.strip())
    return found


def granted_by(scopes: Iterable[str], required: list[str]) -> bool:
    """Whether any of ``required`` is covered by one of ``scopes`` (no requirement: True)."""
    return not required or any(covers(g, r) for g in scopes for r in required)


@pytest.mark.parametrize(
    ("granted", "required", "expected"),
    [
        ("ZohoCRM.modules.ALL", "ZohoCRM.modules.ALL", True),
        ("ZohoCRM.modules.ALL", "ZohoCRM.modules.all", True),
        ("ZohoCRM.modules.ALL", "ZohoCRM.modules.notes.all", True),
        ("ZohoCRM.modules.ALL", "ZohoCRM.modules.{module_API_name}.READ", True),
        ("ZohoCRM.settings.ALL", "ZohoCRM.settings.recycle_bin.DELETE", True),
        ("ZohoCRM.share.ALL", "ZohoCRM.share.{module_api_name}.CREATE", True),
        ("ZohoCRM.mass_convert.leads.CREATE", "ZohoCRM.mass_convert.{module}.CREATE", True),
        ("ZohoCRM.modules.ALL", "ZohoCRM.mass_convert.{module_API_name}.CREATE", False),
        ("ZohoCRM.mass_convert.leads.READ", "ZohoCRM.mass_convert.{module}.CREATE", False),
        ("ZohoCRM.modules.leads.ALL", "ZohoCRM.modules.contacts.ALL", False),
        ("ZohoCRM.settings.READ", "ZohoCRM.settings.tags.all", False),
        ("ZohoCRM.files.READ", "ZohoCRM.files.CREATE", False),
        ("ZohoCRM.users.ALL", "ZohoCRM.users", False),
    ],
)
def test_what_a_granted_scope_covers(granted: str, required: str, expected: bool) -> None:
    assert covers(granted, required) is expected


def test_default_scopes_cover_every_operation_the_sdk_calls(
    spec_book: SpecBook, scenario: ScenarioRun
) -> None:
    uncovered: dict[str, list[str]] = {}
    checked = 0
    for exchange in scenario.exchanges:
        candidates = spec_book.operations_for(exchange.method, exchange.path)
        needs = [required_scopes(spec_book, op) for op in candidates]
        if not any(needs):
            continue
        checked += 1
        if not any(granted_by(DEFAULT_SCOPES, need) for need in needs):
            uncovered[f"{exchange.method} {exchange.path}"] = sorted({s for n in needs for s in n})
    assert checked > 200, "the scenario's requests should name their scopes in the specs"
    assert uncovered == {}, (
        "operations DEFAULT_SCOPES does not authorize (the scopes their spec asks for, any one):\n"
        + "\n".join(f"- {call}: {scopes}" for call, scopes in sorted(uncovered.items()))
    )


def test_the_check_sees_a_missing_scope_family(spec_book: SpecBook, scenario: ScenarioRun) -> None:
    without = [s for s in DEFAULT_SCOPES if not s.lower().startswith("zohocrm.mass_convert.")]
    convert = [e for e in scenario.exchanges if e.path.endswith("/Leads/actions/mass_convert")]
    assert convert, "the scenario converts leads in bulk"
    for exchange in convert:
        (op,) = spec_book.operations_for(exchange.method, exchange.path)
        need = required_scopes(spec_book, op)
        assert granted_by(DEFAULT_SCOPES, need)
        assert not granted_by(without, need), need

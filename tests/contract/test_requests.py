"""Every v8 request the SDK sends during the scenario matches Zoho's OpenAPI specs."""

from __future__ import annotations

import json
import re

import pytest

from ._known_defects import tolerated_by
from ._oas import Exchange, SpecBook, Violation
from ._scenario import ScenarioRun

#: A file Zoho's download host serves (``/v2/crm/{zgid}/backup/{job}/Data_001.zip``...).
DOWNLOAD_LINK = re.compile(r"/v\d+/crm/\d+/(auditlog|backup)/\d+/[^/]+")


def _report(violations: list[Violation]) -> str:
    return "\n".join(f"- {v}" for v in violations)


def test_the_scenario_exercises_every_manager_operation(scenario: ScenarioRun) -> None:
    missing = sorted(scenario.operations - scenario.called)
    assert missing == [], (
        "operations the contract scenario (tests/contract/_scenario.py) never calls, so their "
        f"requests are not checked against the spec: {missing}; steps skipped: {scenario.skipped}"
    )


def test_every_scenario_step_ran_without_error(scenario: ScenarioRun) -> None:
    assert scenario.errors == [], "steps of tests/contract/_scenario.py that raised"


def test_the_scenario_talks_to_the_v8_api(scenario: ScenarioRun) -> None:
    # Besides the API: the download host's links (exported audit logs, backups).
    paths = {e.path for e in scenario.exchanges if not DOWNLOAD_LINK.fullmatch(e.path)}
    assert len(scenario.exchanges) > 20
    assert all(p.startswith(("/crm/v8/", "/crm/bulk/v8/")) for p in paths), sorted(paths)


def test_every_v8_request_matches_the_spec(spec_book: SpecBook, scenario: ScenarioRun) -> None:
    failures = [
        violation
        for exchange in scenario.exchanges
        for violation in spec_book.check_request(exchange)
        if tolerated_by(violation) is None
    ]
    assert failures == [], "requests that break Zoho's v8 spec:\n" + _report(failures)


def _exchange(method: str, url: str, body: object = None, **headers: str) -> Exchange:
    content = b"" if body is None else json.dumps(body).encode()
    request_headers = {"authorization": "Zoho-oauthtoken 1000.x.y", **headers}
    if body is not None:
        request_headers["content-type"] = "application/json"
    return Exchange(method, url, request_headers, content, 200, {}, b"")


BROKEN_REQUESTS = [
    pytest.param(
        _exchange("GET", "https://www.zohoapis.com/crm/v8/Leads/1/Notes/2/extra"),
        "route",
        id="unknown-path",
    ),
    pytest.param(
        _exchange("PATCH", "https://www.zohoapis.com/crm/v8/Leads"), "route", id="wrong-method"
    ),
    pytest.param(
        _exchange("GET", "https://www.zohoapis.com/crm/v8/Leads?fields=Email&colour=blue"),
        "query",
        id="undeclared-query-param",
    ),
    pytest.param(
        _exchange("GET", "https://www.zohoapis.com/crm/v8/Leads/actions/count?criteria="),
        "query",
        id="empty-query-param",
    ),
    pytest.param(
        _exchange("GET", "https://www.zohoapis.com/crm/v8/Leads?fields=Email&per_page=many"),
        "query",
        id="mistyped-query-param",
    ),
    pytest.param(
        _exchange("GET", "https://www.zohoapis.com/crm/v8/settings/fields"),
        "query",
        id="missing-required-param",
    ),
    pytest.param(
        _exchange("POST", "https://www.zohoapis.com/crm/v8/Leads", {"data": {"Last_Name": "x"}}),
        "request-body",
        id="data-not-an-array",
    ),
    pytest.param(
        _exchange("POST", "https://www.zohoapis.com/crm/v8/Leads", {"data": [], "trigger": "x"}),
        "request-body",
        id="trigger-not-an-array",
    ),
    pytest.param(
        _exchange("DELETE", "https://www.zohoapis.com/crm/v8/Leads?ids=1", {"ids": ["1"]}),
        "request-body",
        id="body-on-an-operation-without-one",
    ),
]


@pytest.mark.parametrize(("exchange", "kind"), BROKEN_REQUESTS)
def test_the_request_check_catches_contract_breaks(
    spec_book: SpecBook, exchange: Exchange, kind: str
) -> None:
    violations = spec_book.check_request(exchange)
    assert [v.kind for v in violations if tolerated_by(v) is None] == [kind], _report(violations)


def test_a_well_formed_request_has_no_violation(spec_book: SpecBook) -> None:
    exchange = _exchange(
        "POST",
        "https://www.zohoapis.com/crm/v8/Leads/upsert",
        {"data": [{"Last_Name": "x"}], "duplicate_check_fields": ["Email"], "trigger": []},
    )
    assert spec_book.check_request(exchange) == []


def test_literal_templates_win_over_variables(spec_book: SpecBook) -> None:
    [op] = spec_book.operations_for("POST", "/crm/v8/Leads/upsert")
    assert (op.file, op.template) == ("record.json", "/crm/v8/{module_api_name}/upsert")
    [op] = spec_book.operations_for("GET", "/crm/v8/Leads/123/Attachments")
    assert op.file == "attachments.json"


def test_known_defects_only_excuse_their_own_operation(spec_book: SpecBook) -> None:
    # users.json lacks AllUsers in its type enum; the same value elsewhere is not excused.
    users = _exchange("GET", "https://www.zohoapis.com/crm/v8/users?type=AllUsers")
    [violation] = spec_book.check_request(users)
    assert tolerated_by(violation) is not None
    leads = _exchange("GET", "https://www.zohoapis.com/crm/v8/Leads?fields=Email&kind=AllUsers")
    assert all(tolerated_by(v) is None for v in spec_book.check_request(leads))

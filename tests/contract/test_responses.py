"""The fake's JSON answers match the response schemas of Zoho's v8 specs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ._known_defects import tolerated_by
from ._oas import Exchange, SpecBook, Violation
from ._scenario import ScenarioRun

RECORDS = "record.json"
MAIN_OPERATIONS = {
    ("record.json", "GET", "/crm/v8/{module_api_name}"),
    ("record.json", "POST", "/crm/v8/{module_api_name}"),
    ("record.json", "PUT", "/crm/v8/{module_api_name}"),
    ("record.json", "DELETE", "/crm/v8/{module_api_name}"),
    ("record.json", "POST", "/crm/v8/{module_api_name}/upsert"),
    ("record.json", "GET", "/crm/v8/{module_api_name}/search"),
    ("record.json", "GET", "/crm/v8/{module_api_name}/{id}"),
    ("users.json", "GET", "/crm/v8/users"),
    ("users.json", "GET", "/crm/v8/users/{user}"),
    ("org.json", "GET", "/crm/v8/org"),
}


def _report(violations: list[Violation]) -> str:
    return "\n".join(f"- {v}" for v in violations)


RECORD_LISTS = {"/crm/v8/{module_api_name}", "/crm/v8/{module_api_name}/search"}
RECORD_WRITES = {"/crm/v8/{module_api_name}", "/crm/v8/{module_api_name}/upsert"}


def _records_exchanges(
    spec_book: SpecBook, scenario: ScenarioRun, templates: set[str]
) -> list[Exchange]:
    """Exchanges with a JSON answer whose operation is one of record.json's ``templates``."""
    return [
        e
        for e in scenario.exchanges
        if e.response_json is not None
        and any(
            op.file == RECORDS and op.template in templates
            for op in spec_book.operations_for(e.method, e.path)
        )
    ]


def test_every_fake_answer_matches_the_spec(spec_book: SpecBook, scenario: ScenarioRun) -> None:
    failures = [
        violation
        for exchange in scenario.exchanges
        for violation in spec_book.check_response(exchange)
        if tolerated_by(violation) is None
    ]
    assert failures == [], "fake answers that break Zoho's v8 spec:\n" + _report(failures)


def test_the_main_endpoints_answers_are_checked(spec_book: SpecBook, scenario: ScenarioRun) -> None:
    seen = {
        (op.file, op.method.upper(), op.template)
        for e in scenario.exchanges
        if e.response_json is not None
        for op in spec_book.operations_for(e.method, e.path)
    }
    assert seen >= MAIN_OPERATIONS, sorted(MAIN_OPERATIONS - seen)
    statuses = {e.status for e in scenario.exchanges}
    assert {200, 201, 207, 400} <= statuses  # success, insert, partial and error envelopes


def _untolerated(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if tolerated_by(v) is None]


def test_write_results_match_success_response_or_api_exception(
    spec_book: SpecBook, scenario: ScenarioRun
) -> None:
    """Each per-record result against the component its status names (strict, no anyOf)."""
    checked: dict[str, int] = {"success": 0, "error": 0}
    for exchange in _records_exchanges(spec_book, scenario, RECORD_WRITES):
        if exchange.method == "GET":
            continue
        for index, item in enumerate(exchange.response_json.get("data", [])):
            status = "success" if item.get("status") == "success" else "error"
            component = "Success_Response" if status == "success" else "API_Exception"
            violations = spec_book.component_violations(
                RECORDS, component, item, exchange, f"$.data[{index}]"
            )
            assert _untolerated(violations) == [], _report(violations)
            assert {"status", "code", "message", "details"} <= set(item), item
            checked[status] += 1
    assert checked["success"] >= 5 and checked["error"] >= 2, checked


def test_list_answers_match_record_and_info(spec_book: SpecBook, scenario: ScenarioRun) -> None:
    lists = [
        e
        for e in _records_exchanges(spec_book, scenario, RECORD_LISTS)
        if e.method == "GET" and e.status == 200
    ]
    assert len(lists) >= 5
    for exchange in lists:
        body = exchange.response_json
        violations = spec_book.component_violations(
            RECORDS, "Info", body["info"], exchange, "$.info"
        )
        for index, record in enumerate(body["data"]):
            violations += spec_book.component_violations(
                RECORDS, "Record", record, exchange, f"$.data[{index}]"
            )
        assert _untolerated(violations) == [], _report(violations)


def test_error_answers_match_api_exception(spec_book: SpecBook, scenario: ScenarioRun) -> None:
    errors = [
        e
        for e in _records_exchanges(spec_book, scenario, RECORD_LISTS | RECORD_WRITES)
        if e.status >= 400 and "code" in e.response_json
    ]
    assert errors, "the scenario provokes error answers"
    for exchange in errors:
        violations = spec_book.component_violations(
            RECORDS, "API_Exception", exchange.response_json, exchange
        )
        assert _untolerated(violations) == [], _report(violations)
        assert {"status", "code", "message", "details"} <= set(exchange.response_json)


def _answer(method: str, path: str, status: int, body: Any) -> Exchange:
    return Exchange(
        method,
        f"https://www.zohoapis.com{path}",
        {},
        b"",
        status,
        {"content-type": "application/json"},
        json.dumps(body).encode(),
    )


BROKEN_ANSWERS = [
    pytest.param(
        _answer("GET", "/crm/v8/Leads", 200, {"data": {"id": "1"}, "info": {}}), id="data-object"
    ),
    pytest.param(
        _answer("GET", "/crm/v8/Leads", 200, {"data": [], "info": {"more_records": "no"}}),
        id="info-more-records-not-boolean",
    ),
    pytest.param(
        _answer("GET", "/crm/v8/Leads", 200, {"data": [{"id": 5}], "info": {}}),
        id="record-id-not-string",
    ),
    pytest.param(
        _answer(
            "POST",
            "/crm/v8/Leads",
            200,
            {
                "data": [
                    {"status": "success", "code": "OK", "message": "record added", "details": {}}
                ]
            },
        ),
        id="success-with-unknown-code",
    ),
    pytest.param(
        _answer(
            "GET",
            "/crm/v8/Leads",
            400,
            {"status": "error", "code": "NOT_A_ZOHO_CODE", "message": "x", "details": {}},
        ),
        id="unknown-error-code",
    ),
]


@pytest.mark.parametrize("exchange", BROKEN_ANSWERS)
def test_the_response_check_catches_broken_answers(spec_book: SpecBook, exchange: Exchange) -> None:
    violations = [v for v in spec_book.check_response(exchange) if v.kind == "response-body"]
    assert violations, f"{exchange} passed the response check"
    assert all(tolerated_by(v) is None for v in violations), _report(violations)

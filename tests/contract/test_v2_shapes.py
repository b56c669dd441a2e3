"""On API v2 the fake answers in v2's shapes (Zoho publishes no OpenAPI spec for v2).

The same scenario as the v8 contract runs on ``/crm/v2``; these checks pin the documented v2
differences: the short ``info``, no page tokens, the convert answer's bare ids, the notes'
``Parent_Id`` + ``$se_module``, tags named in a tagging answer, modules with ``visible`` (no
``status``), and the keys Zoho's classic v2 SDK reads without a default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._oas import Exchange
from ._scenario import ScenarioRun, run_scenario

V2_INFO = {"per_page", "count", "page", "more_records"}


@pytest.fixture(scope="module")
def v2(tmp_path_factory: pytest.TempPathFactory) -> ScenarioRun:
    run = run_scenario(Path(tmp_path_factory.mktemp("contract-v2")), "v2")
    assert run.errors == [], run.errors
    return run


def _answers(run: ScenarioRun, method: str, pattern: str) -> Iterator[tuple[Exchange, Any]]:
    for exchange in run.exchanges:
        path = re.sub(r"/\d{6,}", "/{id}", exchange.path)
        if exchange.method == method and re.fullmatch(pattern, path):
            body = exchange.response_json
            if body is not None:
                yield exchange, body


def test_the_scenario_talks_to_v2_only(v2: ScenarioRun) -> None:
    assert v2.exchanges and all(
        e.path.startswith(("/crm/v2/", "/crm/bulk/v2/")) for e in v2.exchanges
    )


def test_list_info_is_v2s_short_one(v2: ScenarioRun) -> None:
    lists = [
        body
        for _, body in _answers(
            v2, "GET", r"/crm/v2/(Leads|Notes|users|Leads/search|Leads/deleted)"
        )
        if "info" in body
    ]
    assert len(lists) >= 5
    assert all(set(body["info"]) == V2_INFO for body in lists), [b["info"] for b in lists]


def test_convert_answers_the_new_ids_bare(v2: ScenarioRun) -> None:
    [(_, body)] = list(_answers(v2, "POST", r"/crm/v2/Leads/\{id\}/actions/convert"))
    converted = body["data"][0]
    assert set(converted) == {"Contacts", "Accounts", "Deals"}
    assert all(isinstance(converted[k], str) and converted[k].isdigit() for k in converted)


def test_notes_name_their_parent_with_se_module(v2: ScenarioRun) -> None:
    notes = [n for _, body in _answers(v2, "GET", r"/crm/v2/Notes(/\{id\})?") for n in body["data"]]
    assert notes
    for note in notes:
        assert set(note["Parent_Id"]) == {"name", "id"} and note["$se_module"] == "Leads"


def test_a_tagging_answer_names_the_tags(v2: ScenarioRun) -> None:
    [(_, body)] = list(_answers(v2, "POST", r"/crm/v2/Leads/actions/add_tags"))
    assert all(isinstance(t, str) for item in body["data"] for t in item["details"]["tags"])


def test_modules_are_visible_without_a_status(v2: ScenarioRun) -> None:
    modules = [
        m for _, body in _answers(v2, "GET", r"/crm/v2/settings/modules") for m in body["modules"]
    ]
    assert modules and all(m["visible"] is True and "status" not in m for m in modules)


#: What zcrmsdk 2.0.14 indexes without a default (KeyError otherwise), by answer.
CLASSIC_SDK_READS = {
    "org": (
        "alias",
        "city",
        "country",
        "currency_locale",
        "employee_count",
        "fax",
        "mobile",
        "phone",
        "primary_zuid",
        "state",
        "street",
        "website",
        "zip",
        "license_details",
    ),
    "modules": (
        "viewable",
        "creatable",
        "convertable",
        "scoring_supported",
        "profiles",
        "modified_time",
        "modified_by",
        "module_name",
        "api_supported",
    ),
}


def test_org_and_modules_carry_what_the_classic_sdk_reads(v2: ScenarioRun) -> None:
    orgs = [body["org"][0] for _, body in _answers(v2, "GET", r"/crm/v2/org")]
    assert orgs and all(set(CLASSIC_SDK_READS["org"]) <= set(org) for org in orgs)
    for _, body in _answers(v2, "GET", r"/crm/v2/settings/modules(/\w+)?"):
        for module in body["modules"]:
            assert set(CLASSIC_SDK_READS["modules"]) <= set(module), module["api_name"]


def test_layouts_map_lead_conversion_to_objects(v2: ScenarioRun) -> None:
    layouts = [
        lay
        for exchange, body in _answers(v2, "GET", r"/crm/v2/settings/layouts(/\{id\})?")
        if ("module", "Leads") in exchange.query
        for lay in body["layouts"]
    ]
    assert layouts
    for layout in layouts:
        mapping = layout["convert_mapping"]
        assert set(mapping) == {"Contacts", "Deals", "Accounts"}
        assert all(isinstance(target, dict) and target["id"] for target in mapping.values())

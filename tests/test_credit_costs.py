"""What each call costs in API credits: Zoho's table, user overrides, a call's own ``credits=``."""

from __future__ import annotations

from typing import Any

import pytest

import zcrm_async as zc
from zcrm_async._http._options import RequestOptions


def cost(method: str, path: str, costs: zc.CreditCosts | None = None, **fields: Any) -> int:
    return (costs or zc.CreditCosts()).of(RequestOptions(method, path, **fields))


def records(count: int) -> dict[str, Any]:
    return {"data": [{"Last_Name": str(n)} for n in range(count)]}


def test_a_call_costs_one_credit_by_default() -> None:
    assert cost("GET", "Leads") == 1
    assert cost("GET", "Leads/1234") == 1
    assert cost("DELETE", "Leads", params={"ids": "1,2,3"}) == 1
    assert cost("GET", "/crm/bulk/v8/read/99") == 1


def test_converting_a_lead_costs_five() -> None:
    assert cost("POST", "Leads/1234/actions/convert", json={"data": [{}]}) == 5
    assert cost("POST", "Contacts/1234/actions/convert") == 1  # only leads convert


@pytest.mark.parametrize(("count", "credits"), [(1, 1), (10, 1), (11, 2), (25, 3), (100, 10)])
def test_record_writes_cost_one_credit_per_ten_records(count: int, credits: int) -> None:
    assert cost("POST", "Leads", json=records(count)) == credits
    assert cost("PUT", "Leads", json=records(count)) == credits
    assert cost("POST", "Leads/upsert", json=records(count)) == credits


@pytest.mark.parametrize(
    ("query", "credits"),
    [
        ("select Last_Name from Leads where id is not null", 1),  # LIMIT 200 by default
        ("select Last_Name from Leads where id is not null limit 200", 1),
        ("select Last_Name from Leads where id is not null LIMIT 201", 2),
        ("select Last_Name from Leads where id is not null limit 1000 offset 2000", 2),
        ("select Last_Name from Leads where id is not null limit 400, 2000", 3),
    ],
)
def test_coql_costs_by_its_limit(query: str, credits: int) -> None:
    assert cost("POST", "coql", json={"select_query": query}) == credits


def test_bulk_write_jobs_and_custom_modules_cost_five_hundred() -> None:
    assert cost("POST", "/crm/bulk/v8/write", json={"operation": "insert"}) == 500
    assert cost("POST", "https://www.zohoapis.eu/crm/bulk/v8/write") == 500
    assert cost("POST", "settings/modules", json={"modules": [{}]}) == 500
    assert cost("GET", "/crm/bulk/v8/write/77") == 1  # polling a job is an ordinary call


def test_users_replace_and_add_costs() -> None:
    mine = zc.CreditCosts().with_costs({"POST Leads/*/actions/convert": 3, "get leads": 2})
    assert cost("POST", "Leads/1/actions/convert", mine) == 3
    assert cost("GET", "leads", mine) == 2
    assert cost("POST", "Leads", mine, json=records(30)) == 3  # Zoho's rules still apply
    free = zc.CreditCosts(rules=(), default=0)
    assert cost("POST", "Leads/1/actions/convert", free) == 0


def test_a_call_names_its_own_cost() -> None:
    assert cost("POST", "Leads/1/actions/convert", credits=0) == 0
    assert cost("GET", "org", credits=12) == 12
    with pytest.raises(zc.InvalidArgumentError, match="credits must be a whole number"):
        cost("GET", "org", credits=-1)
    with pytest.raises(zc.InvalidArgumentError, match="credits must be a whole number"):
        cost("GET", "org", credits=1.5)


@pytest.mark.parametrize(
    ("costs", "message"),
    [
        ({"POST": 3}, "a method and a path pattern"),
        ({"GET Leads": -1}, "whole number >= 0"),
        ({"GET Leads": "2"}, "whole number >= 0"),
    ],
)
def test_bad_costs_are_refused_naming_the_key(costs: dict[str, Any], message: str) -> None:
    with pytest.raises(zc.InvalidArgumentError, match=message):
        zc.CreditCosts().with_costs(costs)
    with pytest.raises(zc.ConfigError, match=f"credit_costs.*{message}"):
        zc.Config(client_id="a", client_secret="b", redirect_uri="c", credit_costs=costs)

"""COQL: ``crm.coql`` paging, ``coql_value`` escaping, the fake's query subset and limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import leads, requests_to

pytestmark = pytest.mark.anyio

COQL_ROUTE = "POST /crm/{version}/coql"


# -- coql_value -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("O'Brien", "'O''Brien'"),
        ("''", "''''''"),
        ("plain", "'plain'"),
        (42, "42"),
        (-1.5, "-1.5"),
        (Decimal("10.50"), "10.50"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (date(2024, 2, 29), "'2024-02-29'"),
        (
            datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            "'2024-05-01T09:30:00+05:30'",
        ),
        (["a", "O'Neil", 3], "('a', 'O''Neil', 3)"),
        (("x",), "('x')"),
    ],
)
def test_coql_value_literals(value: Any, literal: str) -> None:
    assert zc.coql_value(value) == literal


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (datetime(2024, 5, 1), ValueError, "has no timezone"),
        ([], ValueError, "empty list"),
        ([[1]], ValueError, "cannot nest"),
        (float("nan"), ValueError, "no literal"),
        ({"a": 1}, TypeError, "no COQL literal for dict"),
    ],
)
def test_coql_value_refuses(value: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        zc.coql_value(value)


async def test_escaped_values_find_the_right_rows(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", [{"Last_Name": "O'Brien"}, {"Last_Name": "OBrien"}])
    value = zc.coql_value("O'Brien")
    query = f"select Last_Name from Leads where Last_Name = {value}"
    assert [r["Last_Name"] async for r in crm.coql(query)] == ["O'Brien"]
    names = zc.coql_value(["O'Brien", "nobody"])
    assert len(await crm.coql(f"select Last_Name from Leads where Last_Name in {names}")) == 1


# -- the client -----------------------------------------------------------------------------------


async def test_rows_are_records_and_pages_follow(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    ids = fake.add_records("Leads", leads(25))
    fake.stats.reset()
    query = crm.coql("select Last_Name, Email from Leads where Last_Name is not null", page_size=10)
    rows = await query.to_list()
    assert [r.id for r in rows] == ids
    assert isinstance(rows[0], zc.Record) and rows[0].module == "Leads"
    assert set(rows[0]) == {"Last_Name", "Email", "id"}
    assert requests_to(fake, COQL_ROUTE) == 3
    first = await crm.coql("select Last_Name from Leads where id is not null", page_size=10)
    assert len(first) == 10 and first.info.more_records is True


async def test_the_query_limit_is_a_cap_and_offset_a_start(
    any_crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    ids = fake.add_records("Leads", leads(30))
    base = "select Last_Name from Leads where Last_Name like 'Lead%' order by id"
    capped = [r.id async for r in any_crm.coql(f"{base} limit 12", page_size=5)]
    assert capped == ids[:12]
    window = [r.id async for r in any_crm.coql(f"{base} limit 7 offset 20", page_size=5)]
    assert window == ids[20:27]
    shorthand = [r.id async for r in any_crm.coql(f"{base} LIMIT 3, 4;")]
    assert shorthand == ids[3:7]
    past_the_end = [r.id async for r in any_crm.coql(f"{base} limit 10 offset 28")]
    assert past_the_end == ids[28:]


async def test_no_rows_is_an_empty_result(any_crm: zc.ZohoCRM) -> None:
    query = "select Last_Name from Leads where Last_Name = 'nobody'"
    assert (await any_crm.coql(query)).items == []
    assert await any_crm.coql(query).to_list() == []


async def test_client_side_errors(crm: zc.ZohoCRM, crm_v2: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    with pytest.raises(ValueError, match="COQL runs SELECT queries only"):
        crm.coql("delete from Leads where id = 1")
    with pytest.raises(ValueError, match="no FROM clause"):
        crm.coql("select Last_Name")
    with pytest.raises(ValueError, match=r"rows up to 100,001.*at most the first 100,000"):
        crm.coql("select Last_Name from Leads limit 2000 offset 98001")
    with pytest.raises(ValueError, match="at most the first 100,000"):
        crm.coql("select Last_Name from Leads limit 100000, 5")
    with pytest.raises(ValueError, match="at most the first 10,000"):
        crm_v2.coql("select Last_Name from Leads limit 10001")
    with pytest.raises(ValueError, match=r"page_size must be 1..200 on v2"):
        crm_v2.coql("select Last_Name from Leads", page_size=2000)
    with pytest.raises(ValueError, match="cannot read the LIMIT/OFFSET clause"):
        crm.coql("select Last_Name from Leads limit all")
    assert fake.stats.api_requests == 0


async def test_words_inside_strings_are_not_clauses(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", [{"Last_Name": "limit 5 offset 2"}, {"Last_Name": "x"}])
    query = "select Last_Name from Leads where Last_Name = 'limit 5 offset 2'"
    assert [r["Last_Name"] async for r in crm.coql(query)] == ["limit 5 offset 2"]


async def test_v2_pages_by_200_and_stops_at_its_ceiling(
    crm_v2: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.add_records("Leads", ({"Last_Name": f"L{i}"} for i in range(10_001)))
    fake.stats.reset()
    seen = 0
    with pytest.raises(zc.CoqlLimitError, match="more than 10,000 rows"):
        async for _ in crm_v2.coql("select Last_Name from Leads where id is not null"):
            seen += 1
    assert seen == 10_000
    assert requests_to(fake, COQL_ROUTE) == 50


# -- the fake -------------------------------------------------------------------------------------


@pytest.fixture
async def coql(fake: FakeZohoCRM) -> Any:
    token = fake.issue_tokens()["access_token"]
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:

        async def run(query: str, version: str = "v8") -> httpx.Response:
            return await http.post(
                f"/crm/{version}/coql",
                json={"select_query": query},
                headers={"Authorization": f"Zoho-oauthtoken {token}"},
            )

        yield run


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["Last_Name"] for row in response.json()["data"]]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("First_Name = 'ada'", ["Lead00001", "Lead00003"]),
        ("First_Name != 'Ada'", ["Lead00000", "Lead00002"]),
        ("Annual_Revenue > 100", ["Lead00002", "Lead00003"]),
        ("Annual_Revenue >= 100", ["Lead00001", "Lead00002", "Lead00003"]),
        ("Annual_Revenue < 100", ["Lead00000"]),
        ("Annual_Revenue <= 100", ["Lead00000", "Lead00001"]),
        ("Annual_Revenue between 100 and 200", ["Lead00001", "Lead00002"]),
        ("Annual_Revenue not between 100 and 200", ["Lead00000", "Lead00003"]),
        ("Email like '%2@example.com'", ["Lead00002"]),
        ("Email not like 'lead0%'", ["Lead00001", "Lead00002", "Lead00003"]),
        ("Last_Name in ('Lead00000', 'Lead00003')", ["Lead00000", "Lead00003"]),
        ("Last_Name not in ('Lead00000', 'Lead00003')", ["Lead00001", "Lead00002"]),
        ("Company is null", ["Lead00000", "Lead00003"]),
        ("Company is not null", ["Lead00001", "Lead00002"]),
        ("(First_Name = 'Ada' and Annual_Revenue > 100)", ["Lead00003"]),
        ("First_Name = 'Bob' or Annual_Revenue = 300", ["Lead00000", "Lead00002", "Lead00003"]),
        (
            "((First_Name = 'Bob' and Company is null) or (Annual_Revenue = 300))",
            ["Lead00000", "Lead00003"],
        ),
    ],
)
async def test_fake_where_operators(
    fake: FakeZohoCRM, coql: Any, where: str, expected: list[str]
) -> None:
    fake.add_records("Leads", leads(4))
    assert sorted(_names(await coql(f"select Last_Name from Leads where {where}"))) == expected


async def test_fake_order_limit_offset_and_info(fake: FakeZohoCRM, coql: Any) -> None:
    fake.add_records("Leads", leads(5))
    body = (await coql("select Last_Name from Leads order by Annual_Revenue desc limit 2")).json()
    assert [r["Last_Name"] for r in body["data"]] == ["Lead00004", "Lead00003"]
    assert body["info"] == {"count": 2, "more_records": True}
    tail = await coql("select Last_Name from Leads order by Last_Name limit 2 offset 4")
    assert _names(tail) == ["Lead00004"] and tail.json()["info"]["more_records"] is False
    assert _names(await coql("select Last_Name from Leads limit 1, 2")) == [
        "Lead00001",
        "Lead00002",
    ]
    empty = await coql("select Last_Name from Leads where Last_Name = 'x'")
    assert (empty.status_code, empty.content) == (204, b"")


async def test_fake_compares_ids_exactly(fake: FakeZohoCRM, coql: Any) -> None:
    ids = fake.add_records("Leads", leads(5))  # 19 digits, 1 apart: equal as floats
    after = await coql(f"select Last_Name from Leads where id > {ids[2]} order by id")
    assert [row["id"] for row in after.json()["data"]] == ids[3:]
    keyset = (
        f"select Last_Name from Leads where ((Modified_Time > '2000-01-01T00:00:00+00:00') or "
        f"((Modified_Time = '2000-01-01T00:00:00+00:00') and (id > {ids[0]}))) "
        "order by Modified_Time asc, id asc limit 2"
    )
    assert [row["id"] for row in (await coql(keyset)).json()["data"]] == ids[:2]


async def test_fake_lookup_columns(fake: FakeZohoCRM, coql: Any) -> None:
    [account] = fake.add_records("Accounts", [{"Account_Name": "Zylker"}])
    fake.add_records("Contacts", [{"Last_Name": "C1", "Account_Name": {"id": account}}])
    rows = (await coql(
        "select Last_Name, Account_Name, Account_Name.Account_Name from Contacts "
        "where Account_Name.Account_Name = 'Zylker'"
    )).json()["data"]  # fmt: skip
    assert rows[0]["Account_Name"] == {"id": account}
    assert rows[0]["Account_Name.Account_Name"] == "Zylker"


@pytest.mark.parametrize(
    ("query", "code", "detail"),
    [
        ("update Leads set Last_Name = 'x'", "SYNTAX_ERROR", {"near": "update"}),
        ("select Last_Name from Leads where", "SYNTAX_ERROR", {"near": "<end of query>"}),
        ("select Last_Name from Leads where A = 1", "INVALID_QUERY", {"column_name": "A"}),
        (
            "select Last_Name from Leads where Last_Name = 'a' and Email = 'b' and Phone = 'c'",
            "SYNTAX_ERROR",
            {"near": "and"},
        ),
        ("select Nickname from Leads", "INVALID_QUERY", {"column_name": "Nickname"}),
        (
            "select Last_Name from Leads where Annual_Revenue = 'lots'",
            "INVALID_QUERY",
            {"column_name": "Annual_Revenue"},
        ),
        ("select Last_Name from Nope", "INVALID_MODULE", {}),
        ("select Last_Name from Leads limit 2001", "LIMIT_EXCEEDED", {"limit": 2000}),
        ("select Last_Name from Leads limit 2000 offset 98001", "LIMIT_EXCEEDED", {}),
        ("select Last_Name from Leads where Last_Name = 'it''s", "SYNTAX_ERROR", {}),
    ],
)
async def test_fake_errors(coql: Any, query: str, code: str, detail: dict[str, Any]) -> None:
    response = await coql(query)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["status"]) == (code, "error")
    assert detail.items() <= body["details"].items()


async def test_fake_limits_by_version(fake: FakeZohoCRM, coql: Any) -> None:
    assert (await coql("select Last_Name from Leads limit 201", "v2")).json()["code"] == (
        "LIMIT_EXCEEDED"
    )
    assert (await coql("select Last_Name from Leads limit 200", "v2")).status_code == 204
    assert (await coql("select Last_Name from Leads limit 2000", "v7")).status_code == 204
    assert (await coql("select Last_Name from Leads limit 2001", "v7")).status_code == 400
    missing = await coql("   ")
    assert missing.json()["code"] == "MANDATORY_NOT_FOUND"


async def test_coql_needs_its_scope(fake: FakeZohoCRM) -> None:
    token = fake.issue_tokens(scopes=["ZohoCRM.modules.ALL"])["access_token"]
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        response = await http.post(
            "/crm/v8/coql",
            json={"select_query": "select Last_Name from Leads"},
            headers={"Authorization": f"Zoho-oauthtoken {token}"},
        )
    assert (response.status_code, response.json()["code"]) == (401, "OAUTH_SCOPE_MISMATCH")


def test_naive_now_is_refused_but_aware_is_fine() -> None:
    assert zc.coql_value(datetime(2024, 1, 1, tzinfo=UTC)) == "'2024-01-01T00:00:00+00:00'"

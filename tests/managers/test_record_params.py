"""Record reads with filters (ids, converted, approved, custom view, territory), get_many, and
the automation options of writes (trigger, lar_id, process, feature execution)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest

import zcrm_async as zc
from tests.contract._recording import RecordingTransport
from zcrm_async.testing import FakeZohoCRM

from .conftest import leads, requests_to

pytestmark = pytest.mark.anyio


@pytest.fixture
async def recorded(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> AsyncIterator[tuple[zc.ZohoCRM, RecordingTransport]]:
    """A client on the fake whose exchanges are kept."""
    transport = RecordingTransport(fake.transport())
    async with zc.ZohoCRM(fake.config(), transport=transport, retry=fast_retry) as client:
        await client.oauth.generate_access_token(fake.issue_grant_code())
        transport.exchanges.clear()
        yield client, transport


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# -- reads ----------------------------------------------------------------------------------------


async def test_list_by_ids_reads_only_those_records(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    ids = fake.add_records("Leads", leads(5))
    page = await crm.records("Leads").list(fields=["Last_Name"], ids=[ids[1], ids[3]])
    assert sorted(r.id for r in page.items) == sorted([ids[1], ids[3]])


async def test_list_by_more_than_100_ids_is_refused_naming_get_many(crm: zc.ZohoCRM) -> None:
    ids = [str(5725767000000000000 + n) for n in range(101)]
    with pytest.raises(zc.InvalidArgumentError, match=r"at most 100 ids.*get_many"):
        crm.records("Leads").list(fields=["Last_Name"], ids=ids)


async def test_get_many_reads_any_number_in_calls_of_100_in_input_order(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    ids = fake.add_records("Leads", leads(250))
    wanted = [*reversed(ids), "5725767000009999999", ids[0]]  # an unknown id and a repeat
    fake.stats.reset()
    records = await crm.records("Leads").get_many(wanted, fields=["Last_Name"])
    assert [r.id for r in records] == list(reversed(ids))  # found ones, in input order, once
    assert requests_to(fake, "GET /crm/{version}/{module}") == 3
    assert records[0]["Last_Name"] == "Lead00249"


async def test_get_many_refuses_bad_ids_before_any_request(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.stats.reset()
    with pytest.raises(zc.InvalidArgumentError, match="'abc' is not a Zoho id"):
        await crm.records("Leads").get_many(["123", "abc"], fields=["Last_Name"])
    with pytest.raises(zc.InvalidArgumentError, match="no record ids given"):
        await crm.records("Leads").get_many([], fields=["Last_Name"])
    assert fake.stats.api_requests == 0


async def _convert_one(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> tuple[str, str]:
    kept, converted = fake.add_records(
        "Leads", [{"Last_Name": "Kept"}, {"Last_Name": "Moved", "Company": "Moved Inc"}]
    )
    await crm.records("Leads").convert(converted)
    return kept, converted


async def test_converted_leads_are_listed_only_when_asked(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    kept, converted = await _convert_one(crm, fake)
    leads_ = crm.records("Leads")

    async def listed(**filters: object) -> set[str | None]:
        return {r.id async for r in leads_.list(fields=["Last_Name"], **filters)}  # type: ignore[arg-type]

    assert await listed() == {kept}  # Zoho's default: converted=false
    assert await listed(converted=False) == {kept}
    assert await listed(converted=True) == {converted}
    assert await listed(converted="both") == {kept, converted}
    # A record read by id is returned whatever its state, unless a filter excludes it.
    assert (await leads_.get(converted)).id == converted
    with pytest.raises(zc.EmptyResultError):
        await leads_.get(converted, converted=False)


async def test_approved_false_lists_the_records_awaiting_approval(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.add_records("Leads", leads(3))
    leads_ = crm.records("Leads")
    assert len(await leads_.list(fields=["Last_Name"], approved="both").to_list()) == 3
    assert await leads_.list(fields=["Last_Name"], approved=False).to_list() == []


async def test_filters_travel_as_zoho_query_parameters(
    recorded: tuple[zc.ZohoCRM, RecordingTransport],
) -> None:
    crm, transport = recorded
    await crm.records("Accounts").list(
        fields=["Account_Name"],
        converted="both",
        approved=True,
        territory_id=5725767000000600001,
        include_child=True,
        params={"uid": "5725767000000100005"},  # any other parameter, as a per-call option
    )
    query = _query(transport.exchanges[-1].url)
    assert query["converted"] == ["both"] and query["approved"] == ["true"]
    assert query["territory_id"] == ["5725767000000600001"]
    assert query["include_child"] == ["true"] and query["uid"] == ["5725767000000100005"]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"converted": "yes"}, "converted must be True, False or 'both'"),
        ({"approved": 1}, "approved must be True, False or 'both'"),
        ({"include_child": True}, "include_child needs territory_id"),
        ({"territory_id": "east"}, "territory_id 'east' is not a Zoho id"),
        ({"cvid": "all"}, "cvid 'all' is not a Zoho id"),
    ],
)
async def test_bad_filters_are_refused_naming_them(
    crm: zc.ZohoCRM, filters: dict[str, object], message: str
) -> None:
    with pytest.raises(zc.InvalidArgumentError, match=message):
        crm.records("Leads").list(fields=["Last_Name"], **filters)  # type: ignore[arg-type]
    with pytest.raises(zc.InvalidArgumentError, match=message):
        await crm.records("Leads").get("5725767000000000001", **filters)  # type: ignore[arg-type]


async def test_a_territory_lists_its_records_and_with_include_child_its_childrens(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    [root] = [t.id async for t in crm.territories.list() if t.reporting_to is None]
    [emea] = (await crm.territories.create([{"name": "EMEA", "reporting_to": {"id": root}}])).ids
    [iberia] = (
        await crm.territories.create([{"name": "Iberia", "reporting_to": {"id": emea}}])
    ).ids
    accounts = crm.records("Accounts")
    in_emea, in_iberia, nowhere = fake.add_records(
        "Accounts", [{"Account_Name": n} for n in ("London", "Madrid", "Elsewhere")]
    )
    await accounts.assign_territories(in_emea, emea)
    await accounts.assign_territories(in_iberia, iberia)

    async def listed(**filters: object) -> set[str | None]:
        pager = accounts.list(fields=["Account_Name"], **filters)  # type: ignore[arg-type]
        return {r.id async for r in pager}

    assert await listed(territory_id=emea) == {in_emea}
    assert await listed(territory_id=emea, include_child=True) == {in_emea, in_iberia}
    assert await listed(territory_id=iberia, include_child=True) == {in_iberia}
    assert nowhere not in await listed(territory_id=root, include_child=True)


async def test_a_territory_holding_no_record_lists_nothing(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.add_records("Accounts", [{"Account_Name": "Nowhere"}])
    accounts = crm.records("Accounts")
    found = await accounts.list(fields=["Account_Name"], territory_id="5725767000000600001")
    assert found.items == []


# -- writes ---------------------------------------------------------------------------------------


async def test_write_options_go_in_the_body_of_every_chunk(
    recorded: tuple[zc.ZohoCRM, RecordingTransport],
) -> None:
    crm, transport = recorded
    result = await crm.records("Leads").create(
        leads(150),
        trigger=["workflow"],
        lar_id=5725767000000700001,
        process=["review_process"],
        apply_feature_execution=["layout_rules"],
        skip_feature_execution=["cadences"],
    )
    assert len(result.succeeded) == 150
    bodies = [json.loads(e.request_body) for e in transport.exchanges if e.method == "POST"]
    assert len(bodies) == 2
    for body in bodies:
        assert body["trigger"] == ["workflow"] and body["lar_id"] == "5725767000000700001"
        assert body["process"] == ["review_process"]
        assert body["apply_feature_execution"] == [{"name": "layout_rules"}]
        assert body["skip_feature_execution"] == [{"name": "cadences"}]


async def test_options_left_out_are_not_sent_and_trigger_empty_runs_nothing(
    recorded: tuple[zc.ZohoCRM, RecordingTransport],
) -> None:
    crm, transport = recorded
    (created,) = await crm.records("Leads").create([{"Last_Name": "Quiet"}])
    await crm.records("Leads").update([{"id": created.id, "Company": "Q"}], trigger=[])
    create, update = (json.loads(e.request_body) for e in transport.exchanges)
    assert set(create) == {"data"}
    assert update["trigger"] == []


async def test_upsert_takes_write_options_with_its_duplicate_check_fields(
    recorded: tuple[zc.ZohoCRM, RecordingTransport],
) -> None:
    crm, transport = recorded
    await crm.records("Leads").upsert(
        [{"Last_Name": "Up", "Email": "up@example.com"}],
        duplicate_check_fields=["Email"],
        trigger=["approval"],
    )
    body = json.loads(transport.exchanges[-1].request_body)
    assert body["duplicate_check_fields"] == ["Email"] and body["trigger"] == ["approval"]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"trigger": "workflow"}, zc.InvalidArgumentTypeError, "trigger must be a list"),
        ({"process": ["ok", ""]}, zc.InvalidArgumentError, r"process\[1\]"),
        ({"lar_id": "rule-1"}, zc.InvalidArgumentError, "lar_id 'rule-1' is not a Zoho id"),
        ({"skip_feature_execution": "cadences"}, zc.InvalidArgumentTypeError, "skip_feature"),
        ({"colour": "blue"}, zc.InvalidArgumentTypeError, "unexpected keyword argument"),
    ],
)
async def test_bad_write_options_are_refused_before_any_request(
    crm: zc.ZohoCRM,
    fake: FakeZohoCRM,
    options: dict[str, object],
    error: type[Exception],
    message: str,
) -> None:
    fake.stats.reset()
    with pytest.raises(error, match=message):
        await crm.records("Leads").create([{"Last_Name": "X"}], **options)  # type: ignore[arg-type]
    assert fake.stats.api_requests == 0


async def test_the_fake_refuses_an_automation_zoho_does_not_have(crm: zc.ZohoCRM) -> None:
    with pytest.raises(zc.APIError) as caught:
        await crm.records("Leads").create([{"Last_Name": "X"}], trigger=["teleport"])
    assert caught.value.code == "INVALID_DATA" and caught.value.details["api_name"] == "trigger"


async def test_a_duplicate_check_fields_string_is_refused(crm: zc.ZohoCRM) -> None:
    with pytest.raises(zc.InvalidArgumentTypeError, match="duplicate_check_fields must be a list"):
        await crm.records("Leads").upsert([{"Last_Name": "X"}], duplicate_check_fields="Email")  # type: ignore[arg-type]

"""Insert, update, upsert and delete: overall statuses and per-record answers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from zcrm_async.testing import FakeZohoCRM

from .conftest import Api, leads

pytestmark = pytest.mark.anyio

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


async def test_insert_all_succeed_is_201(fake: FakeZohoCRM, api: Api) -> None:
    response = await api.post("/Leads", json={"data": leads(2), "trigger": ["workflow"]})
    assert response.status_code == 201
    entries = response.json()["data"]
    assert [e["code"] for e in entries] == ["SUCCESS", "SUCCESS"]
    entry = entries[0]
    assert entry["message"] == "record added" and entry["status"] == "success"
    details = entry["details"]
    assert set(details) >= {"Modified_Time", "Modified_By", "Created_Time", "id", "Created_By"}
    assert ISO.match(details["Created_Time"])
    assert re.fullmatch(r"\d{19}", details["id"])
    assert details["Created_By"]["name"] == "Admin User"
    stored = fake.records("Leads")[details["id"]]
    assert stored["Last_Name"] == "Lead00000"
    assert stored["Owner"] == {
        "name": "Admin User",
        "id": details["Created_By"]["id"],
        "email": "admin@example.com",
    }


async def test_insert_partial_failure_is_207(api: Api) -> None:
    data = [{"Last_Name": "Ok"}, {"First_Name": "No last name"}]
    response = await api.post("/Leads", json={"data": data})
    assert response.status_code == 207
    ok, failed = response.json()["data"]
    assert ok["code"] == "SUCCESS"
    assert failed == {
        "code": "MANDATORY_NOT_FOUND",
        "details": {"api_name": "Last_Name", "json_path": "$.data[1].Last_Name"},
        "message": "required field not found",
        "status": "error",
    }


async def test_insert_all_failed_is_400_with_data(api: Api) -> None:
    data = [
        {"Last_Name": "X", "No_of_Employees": "abc"},
        {"Last_Name": "X", "Email": "not-an-email"},
        {"Last_Name": "X" * 81},
        {"Last_Name": "X", "Shoe_Size": 42},
        {"Last_Name": "X", "Email_Opt_Out": "yes"},
        {"Last_Name": "X", "Owner": {"id": "1"}},
    ]
    response = await api.post("/Leads", json={"data": data})
    assert response.status_code == 400
    entries = response.json()["data"]
    assert all(e["code"] == "INVALID_DATA" and e["message"] == "invalid data" for e in entries)
    assert entries[0]["details"] == {
        "expected_data_type": "integer",
        "api_name": "No_of_Employees",
        "json_path": "$.data[0].No_of_Employees",
    }
    assert entries[1]["details"]["expected_data_type"] == "email"
    assert entries[2]["details"]["maximum_length"] == 80
    assert entries[3]["details"] == {"api_name": "Shoe_Size", "json_path": "$.data[3].Shoe_Size"}
    assert entries[4]["details"]["expected_data_type"] == "boolean"
    assert entries[5]["details"]["api_name"] == "Owner"


async def test_deals_mandatory_fields_and_lookups(api: Api) -> None:
    account = (await api.post("/Accounts", json={"data": [{"Account_Name": "Zylker"}]})).json()
    account_id = account["data"][0]["details"]["id"]
    deal = {
        "Deal_Name": "Big",
        "Stage": "Qualification",
        "Closing_Date": "2026-12-31",
        "Amount": 1000.5,
        "Account_Name": {"id": account_id},
    }
    created = await api.post("/Deals", json={"data": [deal]})
    assert created.status_code == 201
    deal_id = created.json()["data"][0]["details"]["id"]
    got = (await api.get(f"/Deals/{deal_id}")).json()["data"][0]
    assert got["Account_Name"] == {"name": "Zylker", "id": account_id}
    bad = await api.post("/Deals", json={"data": [{"Deal_Name": "x", "Stage": "Qualification"}]})
    assert bad.json()["data"][0]["details"]["api_name"] == "Closing_Date"
    wrong_date = {**deal, "Closing_Date": "31/12/2026"}
    answer = (await api.post("/Deals", json={"data": [wrong_date]})).json()["data"][0]
    assert answer["details"]["expected_data_type"] == "date"


async def test_duplicate_data_for_unique_fields(fake: FakeZohoCRM, api: Api) -> None:
    fake.set_unique_fields("Leads", ["Email"])
    first = await api.post("/Leads", json={"data": [{"Last_Name": "A", "Email": "a@x.com"}]})
    first_id = first.json()["data"][0]["details"]["id"]
    response = await api.post("/Leads", json={"data": [{"Last_Name": "B", "Email": "A@x.com"}]})
    assert response.status_code == 400
    entry = response.json()["data"][0]
    assert entry["code"] == "DUPLICATE_DATA" and entry["message"] == "duplicate data"
    assert entry["details"]["api_name"] == "Email"
    assert entry["details"]["json_path"] == "$.data[0].Email"
    assert entry["details"]["duplicate_record"]["id"] == first_id
    assert entry["details"]["duplicate_record"]["module"]["api_name"] == "Leads"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "MANDATORY_NOT_FOUND"),
        ({"data": []}, "MANDATORY_NOT_FOUND"),
        ({"data": {"Last_Name": "x"}}, "INVALID_DATA"),
        ({"data": [{"Last_Name": "x"}] * 101}, "LIMIT_EXCEEDED"),
    ],
)
async def test_bad_write_bodies(api: Api, body: dict[str, object], code: str) -> None:
    response = await api.post("/Leads", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["status"] == "error"


async def test_unparsable_body(api: Api) -> None:
    response = await api.post("/Leads", content=b"{nope")
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_DATA")


async def test_update(fake: FakeZohoCRM, api: Api) -> None:
    ids = fake.add_records("Leads", leads(2))
    data = [
        {"id": ids[0], "Company": "Zylker"},
        {"id": "5725767000000999999", "Company": "Ghost"},
        {"Company": "No id"},
    ]
    response = await api.put("/Leads", json={"data": data})
    assert response.status_code == 207
    ok, missing, no_id = response.json()["data"]
    assert ok["message"] == "record updated" and ok["details"]["id"] == ids[0]
    assert missing == {
        "code": "INVALID_DATA",
        "details": {"id": "5725767000000999999"},
        "message": "the id given seems to be invalid",
        "status": "error",
    }
    assert no_id["code"] == "MANDATORY_NOT_FOUND"
    assert no_id["details"] == {"api_name": "id", "json_path": "$.data[2].id"}
    assert fake.records("Leads")[ids[0]]["Company"] == "Zylker"
    assert fake.records("Leads")[ids[0]]["Last_Name"] == "Lead00000"  # partial update

    one = await api.put(f"/Leads/{ids[1]}", json={"data": [{"Company": "Acme"}]})
    assert one.status_code == 200
    assert fake.records("Leads")[ids[1]]["Company"] == "Acme"
    gone = await api.put("/Leads/5725767000000999999", json={"data": [{"Company": "x"}]})
    assert gone.status_code == 400


async def test_upsert(fake: FakeZohoCRM, api: Api) -> None:
    [existing] = fake.add_records("Leads", [{"Last_Name": "Old", "Email": "same@x.com"}])
    inserted = await api.post("/Leads/upsert", json={"data": [{"Last_Name": "New"}]})
    assert inserted.status_code == 201
    entry = inserted.json()["data"][0]
    assert (entry["action"], entry["duplicate_field"], entry["message"]) == (
        "insert",
        None,
        "record added",
    )
    data = [{"Last_Name": "Updated", "Email": "SAME@x.com"}, {"Last_Name": "Fresh"}]
    mixed = await api.post("/Leads/upsert", json={"data": data})
    assert mixed.status_code == 200
    update, insert = mixed.json()["data"]
    assert (update["action"], update["duplicate_field"]) == ("update", "Email")
    assert update["details"]["id"] == existing and update["message"] == "record updated"
    assert insert["action"] == "insert"
    assert fake.records("Leads")[existing]["Last_Name"] == "Updated"

    by_company: dict[str, Any] = {
        "data": [{"Last_Name": "C", "Company": "Zylker"}],
        "duplicate_check_fields": ["Company"],
    }
    await api.post("/Leads/upsert", json=by_company)
    again = await api.post("/Leads/upsert", json=by_company)
    assert again.json()["data"][0]["duplicate_field"] == "Company"
    accounts = await api.post("/Accounts/upsert", json={"data": [{"Account_Name": "A"}] * 2})
    assert [e["action"] for e in accounts.json()["data"]] == ["insert", "update"]


async def test_delete(fake: FakeZohoCRM, api: Api) -> None:
    ids = fake.add_records("Leads", leads(3))
    response = await api.delete(
        "/Leads", params={"ids": f"{ids[0]},{ids[1]}", "wf_trigger": "false"}
    )
    assert response.status_code == 200
    assert response.json()["data"][0] == {
        "code": "SUCCESS",
        "details": {"id": ids[0]},
        "message": "record deleted",
        "status": "success",
    }
    again = await api.delete("/Leads", params={"ids": f"{ids[0]},{ids[2]}"})
    assert again.status_code == 207
    assert again.json()["data"][0] == {
        "code": "INVALID_DATA",
        "details": {"id": ids[0]},
        "message": "record not deleted",
        "status": "error",
    }
    assert list(fake.records("Leads")) == []
    assert (await api.delete(f"/Leads/{ids[0]}")).status_code == 400
    missing = await api.delete("/Leads")
    assert missing.json()["code"] == "REQUIRED_PARAM_MISSING"
    assert missing.json()["details"] == {"param": "ids"}
    too_many = ",".join(str(5725767000000900000 + i) for i in range(101))
    assert (await api.delete("/Leads", params={"ids": too_many})).json()["code"] == "LIMIT_EXCEEDED"


async def test_add_records_refuses_invalid(fake: FakeZohoCRM) -> None:
    with pytest.raises(ValueError, match="MANDATORY_NOT_FOUND"):
        fake.add_records("Leads", [{"Email": "x@y.com"}])

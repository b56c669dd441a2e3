"""Zoho's classic v2 SDK (``zcrmsdk`` 2.0.14), unmodified, against a served fake.

    python tests/fidelity/v2_sdk.py URL GRANT_CODE WORK_FOLDER

Configured as its README says, with the fake's URL as ``apiBaseUrl`` and ``accounts_url`` and
the work folder as token file and log directory. The SDK has no COQL, bulk APIs, record count
or ``page_token`` (it lists with ``page``, from 0), and nothing in it calls the revoke URL it
builds, so those are not steps here. Only the token lifetime is turned through the fake's
control endpoints, to see a refresh without waiting an hour.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zcrmsdk
from _steps import V2_STEPS, main_args, run_steps
from zcrmsdk import (
    ZCRMJunctionRecord,
    ZCRMModule,
    ZCRMNote,
    ZCRMRecord,
    ZCRMRestClient,
    ZCRMTag,
    ZohoOAuth,
)

USER = "admin@example.com"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def knobs(ctx: dict[str, Any], **values: Any) -> None:
    requests.patch(f"{ctx['url']}/__fake__/knobs", json=values, timeout=30).raise_for_status()


def all_succeeded(response: Any) -> list[Any]:
    """The per-record results of a bulk call: every one a success."""
    results = response.bulk_entity_response
    bad = [(r.status, r.code, r.message, r.details) for r in results if r.status != "success"]
    assert results and not bad, bad
    return list(results)


def new_record(module: str, **values: Any) -> ZCRMRecord:
    record = ZCRMRecord.get_instance(module)
    for key, value in values.items():
        record.set_field_value(key, value)
    return record


def create(module: str, *records: ZCRMRecord) -> list[str]:
    results = all_succeeded(ZCRMModule.get_instance(module).create_records(list(records)))
    return [str(r.data.entity_id) for r in results]


# -- steps ------------------------------------------------------------------------------------


def tokens_grant(ctx: dict[str, Any]) -> None:
    url, work = ctx["url"], ctx["work"]
    knobs(ctx, token_lifetime=8)  # short, so "refresh after expiry" needs no long wait
    ZCRMRestClient.initialize(
        {
            "client_id": "1000.FAKECLIENTID",
            "client_secret": "fake-client-secret",
            "redirect_uri": "http://localhost:8000/callback",
            "currentUserEmail": USER,
            "apiBaseUrl": url,
            "apiVersion": "v2",
            "accounts_url": url,
            "token_persistence_path": work,
            "applicationLogFilePath": work,
        }
    )
    tokens = ZohoOAuth.get_client_instance().generate_access_token(ctx["grant"])
    knobs(ctx, token_lifetime=3600)
    ctx["issued"], ctx["access"] = time.monotonic(), tokens.accessToken
    assert tokens.userEmail == USER and tokens.refreshToken


def users_current(ctx: dict[str, Any]) -> None:
    users = ZCRMRestClient.get_instance().get_current_user().data
    assert [u.email for u in users] == [USER], [u.email for u in users]


def org_details(ctx: dict[str, Any]) -> None:
    the_org = ZCRMRestClient.get_instance().get_organization_details().data
    assert the_org.company_name and the_org.zgid, vars(the_org)


def modules_list_and_one(ctx: dict[str, Any]) -> None:
    modules = ZCRMRestClient.get_instance().get_all_modules().data
    assert "Leads" in {m.api_name for m in modules}
    leads = ZCRMRestClient.get_instance().get_module("Leads").data
    assert leads.api_name == "Leads" and leads.is_convertable, vars(leads)


def fields(ctx: dict[str, Any]) -> None:
    module = ZCRMModule.get_instance("Leads")
    found = module.get_all_fields().data
    assert {"Last_Name", "Email"} <= {f.api_name for f in found}
    one = module.get_field(found[0].id).data
    assert one.id == found[0].id


def layouts(ctx: dict[str, Any]) -> None:
    module = ZCRMModule.get_instance("Leads")
    found = module.get_all_layouts().data
    assert found and found[0].sections, "a layout with sections"
    assert module.get_layout(found[0].id).data.id == found[0].id


def records_create(ctx: dict[str, Any]) -> None:
    ctx["leads"] = create(
        "Leads",
        new_record("Leads", Last_Name="Fidelity", Email="fidelity@example.com", Company="Zylker"),
        new_record("Leads", Last_Name="Second", Email="second@example.com", Company="Zylker"),
        new_record("Leads", Last_Name="Third", Email="third@example.com", Company="Acme"),
    )


def records_get(ctx: dict[str, Any]) -> None:
    record = ZCRMRecord.get_instance("Leads", ctx["leads"][0])
    record.get()
    assert record.get_field_value("Last_Name") == "Fidelity"
    assert record.get_field_value("Email") == "fidelity@example.com"


def records_update(ctx: dict[str, Any]) -> None:
    record = ZCRMRecord.get_instance("Leads", ctx["leads"][0])
    record.set_field_value("Company", "Zylker Ltd")
    all_succeeded(ZCRMModule.get_instance("Leads").update_records([record]))


def records_upsert(ctx: dict[str, Any]) -> None:
    results = all_succeeded(
        ZCRMModule.get_instance("Leads").upsert_records(
            [
                new_record("Leads", Last_Name="Fidelity", Email="fidelity@example.com"),
                new_record("Leads", Last_Name="Fourth"),
            ],
            duplicate_check_fields=["Email"],
        )
    )
    assert str(results[0].data.entity_id) == ctx["leads"][0]


def records_list(ctx: dict[str, Any]) -> None:
    found = ZCRMModule.get_instance("Leads").get_records(per_page=200).data  # page=0 by default
    assert set(ctx["leads"]) <= {str(r.entity_id) for r in found}


def search_criteria(ctx: dict[str, Any]) -> None:
    found = ZCRMModule.get_instance("Leads").search_records_by_criteria(
        "(Last_Name:equals:Fidelity)"
    )
    assert [str(r.entity_id) for r in found.data] == [ctx["leads"][0]]


def search_email(ctx: dict[str, Any]) -> None:
    found = ZCRMModule.get_instance("Leads").search_records_by_email("second@example.com")
    assert [str(r.entity_id) for r in found.data] == [ctx["leads"][1]]


def search_word(ctx: dict[str, Any]) -> None:
    found = ZCRMModule.get_instance("Leads").search_records("Acme")
    assert ctx["leads"][2] in {str(r.entity_id) for r in found.data}


def records_mass_update(ctx: dict[str, Any]) -> None:
    module = ZCRMModule.get_instance("Leads")
    all_succeeded(module.mass_update_records(ctx["leads"][:2], "Company", "Mass Corp"))
    record = ZCRMRecord.get_instance("Leads", ctx["leads"][1])
    record.get()
    assert record.get_field_value("Company") == "Mass Corp"


def related_records(ctx: dict[str, Any]) -> None:
    [account_id] = create("Accounts", new_record("Accounts", Account_Name="Related Ltd"))
    [contact_id] = create("Contacts", new_record("Contacts", Last_Name="Related"))
    account = ZCRMRecord.get_instance("Accounts", account_id)
    junction = ZCRMJunctionRecord.get_instance("Contacts", contact_id)
    assert account.add_relation(junction).status == "success"
    related = account.get_relatedlist_records("Contacts").data
    assert [str(r.entity_id) for r in related] == [contact_id]
    assert account.remove_relation(junction).status == "success"


def convert_lead(ctx: dict[str, Any]) -> None:
    [lead_id] = create("Leads", new_record("Leads", Last_Name="Convert", Company="Convert Inc"))
    deal = new_record(
        "Deals", Deal_Name="Big deal", Stage="Qualification", Closing_Date="2030-01-01"
    )
    converted = ZCRMRecord.get_instance("Leads", lead_id).convert(deal)
    for module in ("Contacts", "Accounts", "Deals"):
        assert converted.get(module), converted


def notes(ctx: dict[str, Any]) -> None:
    record = ZCRMRecord.get_instance("Leads", ctx["leads"][0])
    note = ZCRMNote.get_instance(record)
    note.title, note.content = "Call", "First call"
    added = record.add_note(note)
    assert added.status == "success", (added.code, added.message, added.details)
    found = record.get_notes().data
    assert [n.content for n in found] == ["First call"], [vars(n) for n in found]
    assert found[0].parent_id == ctx["leads"][0] and found[0].parent_module == "Leads"


def tags(ctx: dict[str, Any]) -> None:
    module = ZCRMModule.get_instance("Leads")
    created = module.create_tags([ZCRMTag.get_instance(None, "Fidelity")])
    assert all(r.status == "success" for r in created.bulk_entity_response)
    tagged = ZCRMRecord.get_instance("Leads", ctx["leads"][0]).add_tags(["Fidelity"])
    assert tagged.status == "success", (tagged.code, tagged.message)
    record = ZCRMRecord.get_instance("Leads", ctx["leads"][0])
    record.get()
    # The SDK means to read a record's "Tag" into record.tag_list, but tests the value with
    # isinstance(value, array), array being array.array (Handler.py imports it from the array
    # module): a JSON list never is one, so tag_list stays empty whatever the answer, and the
    # list lands in field_data like any field. (Were it read, ZCRMTag.get_instance(tag["name"],
    # tag["id"]) would swap name and id: get_instance takes (tag_id, name).)
    assert record.tag_list == []
    tags_now = record.get_field_value("Tag")
    assert [t["name"] for t in tags_now] == ["Fidelity"], tags_now


def attachments(ctx: dict[str, Any]) -> None:
    record = ZCRMRecord.get_instance("Leads", ctx["leads"][0])
    path = Path(ctx["work"]) / "hello.txt"
    path.write_bytes(b"hello, fidelity")
    uploaded = record.upload_attachment(str(path))
    assert uploaded.status == "success", (uploaded.code, uploaded.message)
    found = record.get_attachments().data
    assert [a.file_name for a in found] == ["hello.txt"], [vars(a) for a in found]
    download = record.download_attachment(found[0].id)
    assert download.response.content == b"hello, fidelity" and download.file_name == "hello.txt"
    assert record.delete_attachment(found[0].id).status == "success"


def photo(ctx: dict[str, Any]) -> None:
    record = ZCRMRecord.get_instance("Leads", ctx["leads"][0])
    path = Path(ctx["work"]) / "face.png"
    path.write_bytes(PNG)
    uploaded = record.upload_photo(str(path))
    assert uploaded.status == "success", (uploaded.code, uploaded.message)
    assert record.download_photo().response.content == PNG
    assert record.delete_photo().status == "success"


def records_delete(ctx: dict[str, Any]) -> None:
    all_succeeded(ZCRMModule.get_instance("Leads").delete_records(ctx["leads"][1:3]))


def deleted_records(ctx: dict[str, Any]) -> None:
    found = ZCRMModule.get_instance("Leads").get_all_deleted_records().data  # page=0 by default
    assert set(ctx["leads"][1:3]) <= {str(r.id) for r in found}


def tokens_refresh_after_expiry(ctx: dict[str, Any]) -> None:
    # The first token lived 8 s; the SDK refreshes one with 5 s or less left.
    time.sleep(max(0.0, 3.5 - (time.monotonic() - ctx["issued"])))
    ZCRMRestClient.get_instance().get_organization_details()
    stored = ZohoOAuth.get_persistence_instance().get_oauthtokens(USER)
    assert stored.accessToken != ctx["access"], "the token was not refreshed"


STEPS = dict(
    zip(
        V2_STEPS,
        (
            tokens_grant,
            users_current,
            org_details,
            modules_list_and_one,
            fields,
            layouts,
            records_create,
            records_get,
            records_update,
            records_upsert,
            records_list,
            search_criteria,
            search_email,
            search_word,
            records_mass_update,
            related_records,
            convert_lead,
            notes,
            tags,
            attachments,
            photo,
            records_delete,
            deleted_records,
            tokens_refresh_after_expiry,
        ),
        strict=True,
    )
)


if __name__ == "__main__":
    url, grant, work = main_args()
    os.chdir(work)
    assert zcrmsdk.__name__ == "zcrmsdk"
    sys.exit(run_steps(V2_STEPS, STEPS, {"url": url, "grant": grant, "work": work}))

"""Zoho's official v8 SDK (``zohocrmsdk8-0`` 7.0.0), unmodified, against a served fake.

    python tests/fidelity/v8_sdk.py URL GRANT_CODE WORK_FOLDER

The SDK is configured as a user points it at any Zoho data centre: an ``Environment`` with the
fake's URL as API domain, token endpoint and upload host; a ``FileStore`` and the field-metadata
resources in the work folder. The fake holds 2,100 seeded Leads (``serve --seed Leads=2100``),
so listing them all needs ``page_token`` past 2,000. Only the token lifetime is turned through
the fake's control endpoints (``/__fake__/knobs``), to see a refresh without waiting an hour.
"""

from __future__ import annotations

import datetime
import io
import os
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _steps import V8_STEPS, main_args, run_steps
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore
from zohocrmsdk.src.com.zoho.api.logger import Logger
from zohocrmsdk.src.com.zoho.crm.api import (
    HeaderMap,
    ParameterMap,
    coql,
    org,
)
from zohocrmsdk.src.com.zoho.crm.api import attachments as att
from zohocrmsdk.src.com.zoho.crm.api import bulk_read as br
from zohocrmsdk.src.com.zoho.crm.api import bulk_write as bw
from zohocrmsdk.src.com.zoho.crm.api import convert_lead as cl
from zohocrmsdk.src.com.zoho.crm.api import fields as fl
from zohocrmsdk.src.com.zoho.crm.api import layouts as ly
from zohocrmsdk.src.com.zoho.crm.api import modules as md
from zohocrmsdk.src.com.zoho.crm.api import notes as nt
from zohocrmsdk.src.com.zoho.crm.api import record as rc
from zohocrmsdk.src.com.zoho.crm.api import related_records as rr
from zohocrmsdk.src.com.zoho.crm.api import tags as tg
from zohocrmsdk.src.com.zoho.crm.api import users as us
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig
from zohocrmsdk.src.com.zoho.crm.api.util import Choice, StreamWrapper

CLIENT_ID, CLIENT_SECRET = "1000.FAKECLIENTID", "fake-client-secret"
REDIRECT_URI = "http://localhost:8000/callback"
SEEDED_LEADS = 2100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def describe(obj: Any) -> str:
    """What an SDK object says, for failure messages (APIException: code, message, details)."""
    if obj is None:
        return "None"
    parts = []
    for name in ("get_status", "get_code", "get_message", "get_details"):
        getter = getattr(obj, name, None)
        if getter is not None:
            value = getter()
            shown = value.get_value() if hasattr(value, "get_value") else value
            parts.append(f"{name[4:]}={shown}")
    return f"{type(obj).__name__}({', '.join(parts)})"


def answer(response: Any, wrapper: type, statuses: tuple[int, ...] = (200,)) -> Any:
    """The response's object, which must be a ``wrapper`` answered with one of ``statuses``."""
    assert response is not None, "the SDK returned None (it swallowed an error; see its log)"
    obj = response.get_object()
    assert response.get_status_code() in statuses, (response.get_status_code(), describe(obj))
    assert isinstance(obj, wrapper), describe(obj)
    return obj


def successes(response: Any, wrapper: type, success: type, statuses: tuple[int, ...] = (200,)):
    """The per-item results of a write: every one a ``success``; their details."""
    items = answer(response, wrapper, statuses).get_data()
    bad = [describe(item) for item in items if not isinstance(item, success)]
    assert items and not bad, bad
    return [item.get_details() for item in items]


def params(kind: type, **values: Any) -> ParameterMap:
    found = ParameterMap()
    for name, value in values.items():
        found.add(getattr(kind, name), value)
    return found


def lead(last_name: str, **more: Any) -> rc.Record:
    record = rc.Record()
    record.add_key_value("Last_Name", last_name)
    for key, value in more.items():
        record.add_key_value(key, value)
    return record


def create(module: str, *records: rc.Record) -> list[str]:
    body = rc.BodyWrapper()
    body.set_data(list(records))
    details = successes(
        rc.RecordOperations(module).create_records(body),
        rc.ActionWrapper,
        rc.SuccessResponse,
        (201,),
    )
    return [str(d["id"]) for d in details]


def knobs(ctx: dict[str, Any], **values: Any) -> None:
    requests.patch(f"{ctx['url']}/__fake__/knobs", json=values, timeout=30).raise_for_status()


# -- steps ------------------------------------------------------------------------------------


def tokens_grant(ctx: dict[str, Any]) -> None:
    url, work = ctx["url"], Path(ctx["work"])
    # A short first token, so "refresh after expiry" needs no long wait; the fake's control
    # endpoint sets it back right after.
    knobs(ctx, token_lifetime=8)
    environment = DataCenter.Environment(url, f"{url}/oauth/v2/token", url)
    token = OAuthToken(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        grant_token=ctx["grant"],
        redirect_url=REDIRECT_URI,
    )
    Initializer.initialize(
        environment=environment,
        token=token,
        store=FileStore(str(work / "sdk_tokens.txt")),
        sdk_config=SDKConfig(auto_refresh_fields=False, pick_list_validation=False),
        resource_path=str(work),
        logger=Logger.get_instance(Logger.Levels.INFO, str(work / "sdk.log")),
    )
    knobs(ctx, token_lifetime=3600)
    ctx["token"] = token
    ctx["issued"] = time.monotonic()
    assert token.get_access_token() and token.get_refresh_token()


def users_current_and_by_id(ctx: dict[str, Any]) -> None:
    ops = us.UsersOperations()
    found = answer(ops.get_users(params(us.GetUsersParam, type="CurrentUser")), us.ResponseWrapper)
    me = found.get_users()[0]
    assert me.get_email() == "admin@example.com", me.get_email()
    one = answer(ops.get_user(me.get_id()), us.ResponseWrapper)
    assert one.get_users()[0].get_id() == me.get_id()


def org_details(ctx: dict[str, Any]) -> None:
    found = answer(org.OrgOperations().get_organization(), org.ResponseWrapper)
    the_org = found.get_org()[0]
    assert the_org.get_zgid() and the_org.get_company_name()
    ctx["zgid"] = str(the_org.get_zgid())


def modules_list_and_one(ctx: dict[str, Any]) -> None:
    ops = md.ModulesOperations()
    modules = answer(ops.get_modules(), md.ResponseWrapper).get_modules()
    assert "Leads" in {m.get_api_name() for m in modules}
    one = answer(ops.get_module_by_api_name("Leads"), md.ResponseWrapper).get_modules()[0]
    assert one.get_api_name() == "Leads"


def fields(ctx: dict[str, Any]) -> None:
    ops = fl.FieldsOperations()
    found = answer(ops.get_fields(params(fl.GetFieldsParam, module="Leads")), fl.ResponseWrapper)
    names = {f.get_api_name() for f in found.get_fields()}
    assert {"Last_Name", "Email"} <= names, names
    first = found.get_fields()[0]
    one = ops.get_field(first.get_id(), params(fl.GetFieldParam, module="Leads"))
    assert answer(one, fl.ResponseWrapper).get_fields()[0].get_id() == first.get_id()


def layouts(ctx: dict[str, Any]) -> None:
    ops = ly.LayoutsOperations()
    found = answer(ops.get_layouts(params(ly.GetLayoutsParam, module="Leads")), ly.ResponseWrapper)
    layout = found.get_layouts()[0]
    assert layout.get_sections(), "a layout has sections"
    one = ops.get_layout(layout.get_id(), params(ly.GetLayoutParam, module="Leads"))
    assert answer(one, ly.ResponseWrapper).get_layouts()[0].get_id() == layout.get_id()


def records_create(ctx: dict[str, Any]) -> None:
    ctx["leads"] = create(
        "Leads",
        lead("Fidelity", Email="fidelity@example.com", Company="Zylker"),
        lead("Second", Email="second@example.com", Company="Zylker"),
        lead("Third", Email="third@example.com", Company="Acme"),
    )


def records_get(ctx: dict[str, Any]) -> None:
    got = answer(rc.RecordOperations("Leads").get_record(int(ctx["leads"][0])), rc.ResponseWrapper)
    record = got.get_data()[0]
    assert record.get_key_value("Last_Name") == "Fidelity"
    assert record.get_key_value("Email") == "fidelity@example.com"


def records_update(ctx: dict[str, Any]) -> None:
    record = rc.Record()
    record.set_id(int(ctx["leads"][0]))
    record.add_key_value("Company", "Zylker Ltd")
    body = rc.BodyWrapper()
    body.set_data([record])
    successes(
        rc.RecordOperations("Leads").update_records(body), rc.ActionWrapper, rc.SuccessResponse
    )


def records_upsert(ctx: dict[str, Any]) -> None:
    body = rc.BodyWrapper()
    body.set_data([lead("Fidelity", Email="fidelity@example.com"), lead("Fourth")])
    body.set_duplicate_check_fields(["Email"])
    details = successes(
        rc.RecordOperations("Leads").upsert_records(body),
        rc.ActionWrapper,
        rc.SuccessResponse,
        (200, 201),
    )
    assert str(details[0]["id"]) == ctx["leads"][0]


def records_list_past_2000(ctx: dict[str, Any]) -> None:
    ops = rc.RecordOperations("Leads")
    seen: set[str] = set()
    page, token = 1, None
    while True:
        values: dict[str, Any] = {"fields": "Last_Name,Email", "per_page": 200}
        if token is None:
            values["page"] = page
        else:
            values["page_token"] = token
        found = answer(ops.get_records(params(rc.GetRecordsParam, **values)), rc.ResponseWrapper)
        seen |= {str(r.get_id()) for r in found.get_data()}
        info = found.get_info()
        if not info.get_more_records():
            break
        if page < 10 and token is None:
            page += 1
        else:
            token = info.get_next_page_token()
            assert token, "more records but no next_page_token"
    expected = SEEDED_LEADS + 4
    assert len(seen) == expected, (len(seen), expected)


def _search(**values: Any) -> list[Any]:
    ops = rc.RecordOperations("Leads")
    found = answer(ops.search_records(params(rc.SearchRecordsParam, **values)), rc.ResponseWrapper)
    return list(found.get_data())


def search_criteria(ctx: dict[str, Any]) -> None:
    found = _search(criteria="(Last_Name:equals:Fidelity)")
    assert [str(r.get_id()) for r in found] == [ctx["leads"][0]]


def search_email(ctx: dict[str, Any]) -> None:
    found = _search(email="second@example.com")
    assert [str(r.get_id()) for r in found] == [ctx["leads"][1]]


def search_word(ctx: dict[str, Any]) -> None:
    found = _search(word="Acme")
    assert ctx["leads"][2] in {str(r.get_id()) for r in found}


def records_count(ctx: dict[str, Any]) -> None:
    counted = answer(rc.RecordOperations("Leads").record_count(), rc.CountWrapper)
    assert counted.get_count() == SEEDED_LEADS + 4, counted.get_count()


def records_mass_update(ctx: dict[str, Any]) -> None:
    change = rc.Record()
    change.add_key_value("Company", "Mass Corp")
    body = rc.MassUpdateBodyWrapper()
    body.set_data([change])
    body.set_ids(list(ctx["leads"][:2]))
    answer(rc.RecordOperations("Leads").mass_update_records(body), rc.MassUpdateActionWrapper)
    got = answer(rc.RecordOperations("Leads").get_record(int(ctx["leads"][1])), rc.ResponseWrapper)
    assert got.get_data()[0].get_key_value("Company") == "Mass Corp"


def related_records(ctx: dict[str, Any]) -> None:
    account = rc.Record()
    account.add_key_value("Account_Name", "Related Ltd")
    [account_id] = create("Accounts", account)
    contact = rc.Record()
    contact.add_key_value("Last_Name", "Related")
    [contact_id] = create("Contacts", contact)
    ops = rr.RelatedRecordsOperations("Contacts", "Accounts")
    link = rc.Record()
    link.set_id(int(contact_id))
    body = rr.BodyWrapper()
    body.set_data([link])
    successes(
        ops.update_related_records(int(account_id), body), rr.ActionWrapper, rr.SuccessResponse
    )
    listed = ops.get_related_records(
        int(account_id), params(rr.GetRelatedRecordsParam, fields="Last_Name")
    )
    assert [str(r.get_id()) for r in answer(listed, rr.ResponseWrapper).get_data()] == [contact_id]
    delinked = ops.delink_records(int(account_id), params(rr.DelinkRecordsParam, ids=contact_id))
    successes(delinked, rr.ActionWrapper, rr.SuccessResponse)


def convert_lead(ctx: dict[str, Any]) -> None:
    [lead_id] = create("Leads", lead("Convert", Company="Convert Inc"))
    deal = rc.Record()
    deal.add_key_value("Deal_Name", "Big deal")
    deal.add_key_value("Stage", Choice("Qualification"))
    deal.add_key_value("Closing_Date", datetime.date(2030, 1, 1))
    converter = cl.LeadConverter()
    converter.set_overwrite(True)
    converter.set_deals(deal)
    body = cl.BodyWrapper()
    body.set_data([converter])
    results = answer(cl.ConvertLeadOperations(int(lead_id)).convert_lead(body), cl.ActionWrapper)
    [converted] = results.get_data()
    assert isinstance(converted, cl.SuccessResponse), describe(converted)
    details = converted.get_details()
    for module in ("Contacts", "Accounts", "Deals"):
        assert details.get(module) is not None and details[module].get_id(), (module, details)


def notes(ctx: dict[str, Any]) -> None:
    ops = nt.NotesOperations()
    note = nt.Note()
    note.set_note_title("Call")
    note.set_note_content("First call")
    parent = nt.ParentId()
    parent.set_id(int(ctx["leads"][0]))
    parent.set_module(_module("Leads"))
    note.set_parent_id(parent)
    body = nt.BodyWrapper()
    body.set_data([note])
    [created] = successes(ops.create_notes(body), nt.ActionWrapper, nt.SuccessResponse, (201,))
    note_id = created["id"]
    listed = ops.get_notes(params(nt.GetNotesParam, fields="Note_Title,Note_Content,Parent_Id"))
    assert str(note_id) in {str(n.get_id()) for n in answer(listed, nt.ResponseWrapper).get_data()}
    successes(ops.delete_note(int(note_id)), nt.ActionWrapper, nt.SuccessResponse)


def tags(ctx: dict[str, Any]) -> None:
    ops = tg.TagsOperations()
    tag = tg.Tag()
    tag.set_name("Fidelity")
    body = tg.BodyWrapper()
    body.set_tags([tag])
    made = answer(
        ops.create_tags(body, params(tg.CreateTagsParam, module="Leads")), tg.ActionWrapper, (201,)
    )
    assert all(isinstance(t, tg.SuccessResponse) for t in made.get_tags()), made.get_tags()
    add = tg.NewTagRequestWrapper()
    named = tg.Tag()
    named.set_name("Fidelity")
    add.set_tags([named])
    add.set_ids([int(ctx["leads"][0])])
    successes(
        ops.add_tags_to_multiple_records("Leads", add),
        tg.RecordActionWrapper,
        tg.RecordSuccessResponse,
    )
    got = answer(rc.RecordOperations("Leads").get_record(int(ctx["leads"][0])), rc.ResponseWrapper)
    assert [t.get_name() for t in got.get_data()[0].get_tag()] == ["Fidelity"]


def attachments(ctx: dict[str, Any]) -> None:
    ops = att.AttachmentsOperations()
    record_id = int(ctx["leads"][0])
    body = att.FileBodyWrapper()
    body.set_file(StreamWrapper(name="hello.txt", stream=io.BytesIO(b"hello, fidelity")))
    [uploaded] = successes(
        ops.upload_attachments(record_id, "Leads", body), att.ActionWrapper, att.SuccessResponse
    )
    listed = ops.get_attachments(
        record_id, "Leads", params(att.GetAttachmentsParam, fields="id,File_Name")
    )
    assert answer(listed, att.ResponseWrapper).get_data()
    download = answer(
        ops.get_attachment(int(uploaded["id"]), record_id, "Leads"), att.FileBodyWrapper
    )
    assert download.get_file().get_stream().content == b"hello, fidelity"
    successes(
        ops.delete_attachment(int(uploaded["id"]), record_id, "Leads"),
        att.ActionWrapper,
        att.SuccessResponse,
    )


def photo(ctx: dict[str, Any]) -> None:
    ops = rc.RecordOperations("Leads")
    record_id = int(ctx["leads"][0])
    body = rc.FileBodyWrapper()
    body.set_file(StreamWrapper(name="face.png", stream=io.BytesIO(PNG)))
    answer(ops.upload_photo(record_id, body), rc.SuccessResponse)
    got = answer(ops.get_photo(record_id), rc.FileBodyWrapper)
    assert got.get_file().get_stream().content == PNG
    answer(ops.delete_photo(record_id), rc.SuccessResponse)


def coql_query(ctx: dict[str, Any]) -> None:
    body = coql.BodyWrapper()
    body.set_select_query("select Last_Name, Email from Leads where Last_Name = 'Fidelity'")
    found = answer(coql.CoqlOperations().get_records(body), coql.ResponseWrapper)
    assert [r.get_key_value("Last_Name") for r in found.get_data()] == ["Fidelity"]


def bulk_read(ctx: dict[str, Any]) -> None:
    ops = br.BulkReadOperations()
    query = br.Query()
    query.set_module(_module("Leads"))
    query.set_fields(["Last_Name", "Email"])
    body = br.BodyWrapper()
    body.set_query(query)
    body.set_file_type("csv")
    [created] = successes(
        ops.create_bulk_read_job(body), br.ActionWrapper, br.SuccessResponse, (201,)
    )
    job_id = int(created["id"])
    for _ in range(50):
        job = answer(ops.get_bulk_read_job_details(job_id), br.ResponseWrapper).get_data()[0]
        if job.get_state().get_value() == "COMPLETED":
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the bulk read job never completed")
    result = answer(ops.download_result(job_id), br.FileBodyWrapper)
    with zipfile.ZipFile(io.BytesIO(result.get_file().get_stream().content)) as archive:
        [member] = archive.namelist()
        lines = archive.read(member).decode().splitlines()
    assert lines[0].split(",")[0].strip('"') == "id" and len(lines) > SEEDED_LEADS, len(lines)


def _module(api_name: str) -> Any:
    module = md.MinifiedModule()
    module.set_api_name(api_name)
    return module


def bulk_write(ctx: dict[str, Any]) -> None:
    ops = bw.BulkWriteOperations()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "leads.csv", "Last_Name,Email\nBulk One,bulk1@example.com\nBulk Two,bulk2@example.com\n"
        )
    buffer.seek(0)
    upload = bw.FileBodyWrapper()
    upload.set_file(StreamWrapper(name="leads.zip", stream=buffer))
    headers = HeaderMap()
    headers.add(bw.UploadFileHeader.feature, "bulk-write")
    headers.add(bw.UploadFileHeader.x_crm_org, ctx["zgid"])
    uploaded = answer(ops.upload_file(upload, headers), bw.SuccessResponse)
    file_id = uploaded.get_details()["file_id"]
    mapping = []
    for index, name in enumerate(("Last_Name", "Email")):
        field = bw.FieldMapping()
        field.set_api_name(name)
        field.set_index(index)
        mapping.append(field)
    resource = bw.Resource()
    resource.set_type(Choice("data"))
    resource.set_module(_module("Leads"))
    resource.set_file_id(str(file_id))
    resource.set_field_mappings(mapping)
    request = bw.RequestWrapper()
    request.set_operation(Choice("insert"))
    request.set_resource([resource])
    created = answer(ops.create_bulk_write_job(request), bw.SuccessResponse, (201,))
    job_id = str(created.get_details()["id"])
    for _ in range(50):
        job = answer(ops.get_bulk_write_job_details(job_id), bw.BulkWriteResponse)
        if job.get_status() == "COMPLETED":
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the bulk write job never completed")
    resources = job.get_resource()
    assert resources[0].get_file().get_added_count() == 2, describe(resources[0])


def records_delete(ctx: dict[str, Any]) -> None:
    ops = rc.RecordOperations("Leads")
    deleted = ops.delete_records(params(rc.DeleteRecordsParam, ids=",".join(ctx["leads"][1:3])))
    successes(deleted, rc.ActionWrapper, rc.SuccessResponse)


def deleted_records(ctx: dict[str, Any]) -> None:
    found = rc.RecordOperations("Leads").get_deleted_records(
        params(rc.GetDeletedRecordsParam, type="all")
    )
    ids = {str(r.get_id()) for r in answer(found, rc.DeletedRecordsWrapper).get_data()}
    assert set(ctx["leads"][1:3]) <= ids, ids


def tokens_refresh_after_expiry(ctx: dict[str, Any]) -> None:
    token: OAuthToken = ctx["token"]
    first = token.get_access_token()
    # The first token lived 8 s; the SDK refreshes one that has under 5 s left.
    time.sleep(max(0.0, 3.5 - (time.monotonic() - ctx["issued"])))
    answer(org.OrgOperations().get_organization(), org.ResponseWrapper)
    stored = FileStore(str(Path(ctx["work"]) / "sdk_tokens.txt")).get_tokens()
    assert stored and stored[0].get_access_token() != first, "the token was not refreshed"


def tokens_revoke(ctx: dict[str, Any]) -> None:
    # OAuthToken.revoke(id) looks the token up with FileStore.find_token, which never matches
    # by id (FileStore.check_condition compares user name, access, grant or refresh token), so
    # it logs "No tokens exist for the given user-id" and sends nothing, whatever the server.
    # The SDK's own revoke request, which it makes, is revoke_refresh_token:
    stored = FileStore(str(Path(ctx["work"]) / "sdk_tokens.txt")).get_tokens()
    revoke_url = f"{ctx['url']}/oauth/v2/token" + "/revoke"
    assert OAuthToken.revoke_refresh_token(stored[0].get_refresh_token(), revoke_url) is True
    refused = requests.post(
        f"{ctx['url']}/oauth/v2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": stored[0].get_refresh_token(),
        },
        timeout=30,
    ).json()
    assert refused == {"error": "invalid_code"}, refused


STEPS = dict(
    zip(
        V8_STEPS,
        (
            tokens_grant,
            users_current_and_by_id,
            org_details,
            modules_list_and_one,
            fields,
            layouts,
            records_create,
            records_get,
            records_update,
            records_upsert,
            records_list_past_2000,
            search_criteria,
            search_email,
            search_word,
            records_count,
            records_mass_update,
            related_records,
            convert_lead,
            notes,
            tags,
            attachments,
            photo,
            coql_query,
            bulk_read,
            bulk_write,
            records_delete,
            deleted_records,
            tokens_refresh_after_expiry,
            tokens_revoke,
        ),
        strict=True,
    )
)


if __name__ == "__main__":
    url, grant, work = main_args()
    os.chdir(work)
    sys.exit(run_steps(V8_STEPS, STEPS, {"url": url, "grant": grant, "work": work}))

"""The fake's file store, mail, timeline, audit log, backup and functions, by raw requests: the
answers Zoho documents for what the SDK itself never sends."""

from __future__ import annotations

from typing import Any

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


async def _error(call: Any) -> zc.APIError:
    with pytest.raises(zc.APIError) as info:
        await call
    return info.value


async def test_an_upload_takes_at_most_ten_files(crm: zc.ZohoCRM) -> None:
    files = [("file", (f"{i}.txt", b"x", "text/plain")) for i in range(11)]
    error = await _error(crm.request("POST", "files", files=files))
    assert (error.status_code, error.code, error.details["limit"]) == (400, "INVALID_DATA", 10)
    error = await _error(crm.request("POST", "files", files={"other": ("a", b"x")}))
    assert error.details == {"api_name": "file"}


async def test_a_file_over_20_mb_is_refused_on_its_own(
    crm: zc.ZohoCRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zcrm_async.testing._handlers_files as handlers

    monkeypatch.setattr(handlers, "MAX_FILE_BYTES", 10)  # 20 MB, scaled down
    files = [("file", ("small.txt", b"ok", "text/plain")), ("file", ("big.bin", b"x" * 11))]
    answer = await crm.request("POST", "files", files=files, raw=True)
    assert answer.status_code == 207
    small, big = answer.json()["data"]
    assert small["status"] == "success"
    assert (big["code"], big["details"]["name"]) == ("FILE_SIZE_MORE_THAN_ALLOWED_SIZE", "big.bin")


async def test_endpoints_zoho_added_later_are_not_there_before(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    [lead] = fake.add_records("Leads", [{"Last_Name": "Old"}])
    config = fake.config(api_version="v2")
    async with zc.ZohoCRM(config, transport=fake.transport(), retry=fast_retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        for method, path in (
            ("GET", "settings/email_templates"),
            ("POST", f"Leads/{lead}/actions/send_mail"),
            ("GET", f"Leads/{lead}/Emails"),
            ("GET", f"Leads/{lead}/__timeline"),
            ("GET", "settings/audit_log_export"),
            ("GET", "/crm/bulk/v2/backup"),
        ):
            error = await _error(crm.request(method, path))
            assert (error.status_code, error.code) == (404, "INVALID_URL_PATTERN"), path
        [uploaded] = await crm.files.upload(b"v2 has the file store")  # and functions
        assert uploaded.ok and (await crm.functions.execute("echo")).ok


async def test_send_mail_errors_name_the_key(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    [lead] = fake.add_records("Leads", [{"Last_Name": "Keys"}])
    sender = {"user_name": "Admin", "email": fake.user_email}
    path = f"Leads/{lead}/actions/send_mail"
    cases = [
        ({"to": [{"email": "a@example.com"}]}, "MANDATORY_NOT_FOUND", "$.data[0].from"),
        ({"from": sender}, "MANDATORY_NOT_FOUND", "$.data[0].to"),
        (
            {"from": sender, "to": [{"email": "x"}], "subject": "s", "content": "c"},
            "INVALID_DATA",
            "$.data[0].to[0].email",
        ),
        (
            {"from": sender, "to": [{"email": "a@example.com"}]},
            "MANDATORY_NOT_FOUND",
            "$.data[0].subject",
        ),
        (
            {"from": sender, "to": [{"email": "a@example.com"}], "template": {"id": "1"}},
            "INVALID_DATA",
            "$.data[0].template.id",
        ),
        (
            {
                "from": sender,
                "to": [{"email": "a@example.com"}],
                "subject": "s",
                "content": "c",
                "attachments": [{"id": "nope"}],
            },
            "INVALID_DATA",
            "$.data[0].attachments[0].id",
        ),
    ]
    for mail, code, where in cases:
        error = await _error(crm.request("POST", path, json={"data": [mail]}))
        assert (error.status_code, error.code, error.details["json_path"]) == (400, code, where)
    error = await _error(crm.request("POST", "Tasks/1/actions/send_mail", json={"data": [{}]}))
    assert error.code == "INVALID_MODULE"


async def test_a_records_emails_check_type_and_owner(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    [lead] = fake.add_records("Leads", [{"Last_Name": "Mails"}])
    assert (await crm.request("GET", f"Leads/{lead}/Emails", raw=True)).status_code == 204
    error = await _error(crm.request("GET", f"Leads/{lead}/Emails", params={"owner_id": "1"}))
    assert error.details == {"param": "owner_id"}  # only with type=user_emails
    error = await _error(
        crm.request("GET", f"Leads/{lead}/Emails", params={"type": "all_contacts_drafts"})
    )
    assert error.details == {"param": "type"}
    error = await _error(
        crm.request("GET", f"Leads/{lead}/Emails", params={"type": "all_contacts_sent_crm_emails"})
    )
    assert error.details == {"param": "type"}  # for Accounts only


async def test_functions_check_how_they_are_called(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    path = "functions/echo/actions/execute"
    error = await _error(crm.request("GET", path))
    assert (error.code, error.details) == ("REQUIRED_PARAM_MISSING", {"param": "auth_type"})
    error = await _error(crm.request("GET", path, params={"auth_type": "apikey"}))
    assert (error.status_code, error.code) == (401, "INVALID_API_KEY")
    error = await _error(
        crm.request("GET", path, params={"auth_type": "oauth", "arguments": "[1]"})
    )
    assert error.details["param"] == "arguments"
    answer = await crm.request(
        "GET", path, params={"auth_type": "oauth", "arguments": '{"a": 1}', "b": "2"}
    )
    assert answer["details"]["output"] == '{"b": "2", "a": 1}'  # query parameters are arguments


async def test_zfs_and_job_downloads_need_the_files_scope(fake: FakeZohoCRM) -> None:
    tokens = fake.issue_tokens(scopes=["ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"])
    store = zc.MemoryStore()
    await store.save(
        zc.OAuthTokens(fake.user_email, tokens["access_token"], tokens["refresh_token"], 2**45)
    )
    async with zc.ZohoCRM(fake.config(), store=store, transport=fake.transport()) as crm:
        error = await _error(crm.files.upload(b"x"))
        assert (error.status_code, error.code) == (401, "OAUTH_SCOPE_MISMATCH")

"""Every kind of call of the async client works without ``await``, with the same results and
the same exceptions."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import zcrm_async as zc
from zcrm_async.blocking import Blocking, ZohoCRM
from zcrm_async.testing import FakeZohoCRM

from .conftest import LOOP_THREAD


def test_coroutines_return_their_results(crm: ZohoCRM, fake: FakeZohoCRM) -> None:
    leads = crm.records("Leads")
    assert isinstance(leads, Blocking)
    result = leads.create([{"Last_Name": "Ada"}, {"Last_Name": "Grace"}])
    assert isinstance(result, zc.BulkResult)
    assert [outcome.ok for outcome in result] == [True, True]
    record = leads.get(str(result[0].id))
    assert isinstance(record, zc.Record)
    assert record["Last_Name"] == "Ada"
    assert leads.count() == 2 == len(fake.records("Leads"))
    assert crm.users.current().email == fake.user_email
    assert crm.org.get().company_name


def test_pagers_are_plain_iterators_and_their_first_page_a_method(
    crm: ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.add_records("Leads", ({"Last_Name": f"Lead {n:04}"} for n in range(450)))
    pager = crm.records("Leads").list(fields=["Last_Name"], per_page=200)
    names = [lead["Last_Name"] for lead in pager]
    assert sorted(names) == [f"Lead {n:04}" for n in range(450)]
    assert len([lead for lead in pager]) == 450  # each for loop starts again

    first = pager.first_page()
    assert isinstance(first, zc.Page)
    assert len(first.items) == 200 and first.info.more_records

    pages = [len(page.items) for page in pager.pages()]
    assert pages == [200, 200, 50]
    assert len(pager.to_list()) == 450


def test_search_and_coql_iterate(crm: ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", [{"Last_Name": "Smith"}, {"Last_Name": "Jones"}])
    found = list(crm.records("Leads").search(criteria="(Last_Name:equals:Smith)"))
    assert [lead["Last_Name"] for lead in found] == ["Smith"]
    query = crm.coql("select Last_Name from Leads where Last_Name is not null")
    assert sorted(row["Last_Name"] for row in query) == ["Jones", "Smith"]
    assert len(query.first_page().items) == 2


def test_a_pages_iterator_supports_next_and_close(crm: ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", ({"Last_Name": f"L{n}"} for n in range(5)))
    pages = crm.records("Leads").list(fields=["Last_Name"], per_page=2).pages()
    assert iter(pages) is pages
    assert len(next(pages).items) == 2
    assert len(next(pages).items) == 2
    pages.close()
    with pytest.raises(StopIteration):
        next(pages)


def test_streamed_download_is_a_plain_context_manager(
    crm: ZohoCRM, fake: FakeZohoCRM, tmp_path: Path
) -> None:
    [lead_id] = fake.add_records("Leads", [{"Last_Name": "Files"}])
    attachments = crm.records("Leads").attachments(lead_id)
    content = bytes(range(256)) * 1000  # several chunks
    uploaded = attachments.upload(content, filename="big.bin")
    with attachments.download(uploaded.id) as download:
        assert download.filename == "big.bin"
        assert download.size == len(content)
        chunks = list(download.iter_bytes())
    assert len(chunks) > 1
    assert b"".join(chunks) == content
    with attachments.download(uploaded.id) as download:
        saved = download.save(tmp_path / "copy.bin")
    assert Path(saved).read_bytes() == content


def test_errors_are_the_clients_own_exceptions(crm: ZohoCRM, fake: FakeZohoCRM) -> None:
    leads = crm.records("Leads")
    with pytest.raises(zc.EmptyResultError) as missing:
        leads.get("1234567890")
    assert missing.value.code == "RECORD_NOT_FOUND"
    fake.fail_next(403, code="NO_PERMISSION")
    with pytest.raises(zc.PermissionDeniedError) as refused:
        leads.count()
    assert refused.value.status_code == 403
    with pytest.raises(ValueError, match="per_page"):  # raised by the manager, on the loop
        leads.list(per_page=0)
    fake.fail_next(500, times=10)
    with pytest.raises(zc.ServerError):
        list(leads.list(fields=["Last_Name"]))


def test_bad_config_raises_config_error_and_leaves_no_thread() -> None:
    with pytest.raises(zc.ConfigError, match="client_id"):
        ZohoCRM({"client_secret": "x", "redirect_uri": "https://example.com/cb"})


def test_the_config_dictionary_works_as_for_the_async_client(fake: FakeZohoCRM) -> None:
    values = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "redirect_uri": fake.redirect_uri,
        "accounts_url": fake.base_url,
        "currentUserEmail": fake.user_email,  # the classic spelling
        "persistence": "memory",
        "allow_untrusted_hosts": "true",  # the fake's plain-http host
    }
    with ZohoCRM(values, transport=fake.transport()) as crm:
        assert crm.config.current_user_email == fake.user_email
        crm.oauth.generate_access_token(fake.issue_grant_code())
        assert crm.oauth.is_token_generated()


def test_as_user_views_share_the_loop(crm: ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_user("other@example.com")
    crm.oauth.generate_access_token_from_refresh_token(
        fake.issue_tokens(user_email="other@example.com")["refresh_token"], "other@example.com"
    )
    with crm.as_user("other@example.com") as other:
        assert other.user_email == "other@example.com"
        assert other.users.current().email == "other@example.com"
    assert crm.users.current().email == fake.user_email  # leaving the view closed nothing


def test_run_awaits_any_coroutine_on_the_loop(crm: ZohoCRM, fake: FakeZohoCRM) -> None:
    rows = ({"Last_Name": f"Up {n}", "Email": f"up{n}@example.com"} for n in range(150))
    result = crm.run(
        lambda c: zc.upsert_in_chunks(c.records("Leads"), rows, duplicate_check_fields=["Email"])
    )
    assert len(result.succeeded) == 150
    assert crm.run(lambda c: c.records("Leads").count()) == 150


def test_calling_the_facade_from_its_own_loop_is_refused(crm: ZohoCRM) -> None:
    async def reenter(_: zc.ZohoCRM) -> object:
        return crm.users.current()

    with pytest.raises(RuntimeError, match="its own event loop thread"):
        crm.run(reenter)


def test_work_runs_on_the_loop_thread_under_the_chosen_backend(fake: FakeZohoCRM) -> None:
    import sniffio

    async def where(_: zc.ZohoCRM) -> tuple[str, str]:
        return threading.current_thread().name, sniffio.current_async_library()

    for backend in ("asyncio", "trio"):
        with ZohoCRM(fake.config(), transport=fake.transport(), backend=backend) as crm:
            assert crm.run(where) == (LOOP_THREAD, backend)
            crm.oauth.generate_access_token(fake.issue_grant_code())
            assert crm.records("Leads").count() == 0


def test_an_unknown_backend_is_refused(fake: FakeZohoCRM) -> None:
    with pytest.raises(LookupError):
        ZohoCRM(fake.config(), transport=fake.transport(), backend="no-such-loop")


def test_plain_values_are_returned_unchanged_and_proxies_unwrapped(crm: ZohoCRM) -> None:
    assert isinstance(crm.config, zc.Config)
    assert crm.user_email == "admin@example.com"
    leads = crm.records("Leads")
    assert leads.module == "Leads"
    assert "get" in dir(leads) and "list" in dir(leads)
    assert repr(crm).startswith("blocking.ZohoCRM(")
    assert repr(leads) == "Blocking(RecordsManager(module='Leads'))"
    with pytest.raises(AttributeError):
        leads._session  # noqa: B018 - private names are not forwarded

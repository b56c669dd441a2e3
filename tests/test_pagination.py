"""Pagers resume from a saved position: page numbers first, Zoho's page tokens past 2,000."""

from __future__ import annotations

import json
from contextlib import aclosing

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


async def test_a_walk_resumes_from_a_saved_position(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    ids = fake.add_records("Leads", [{"Last_Name": f"L{i:04d}"} for i in range(2450)])
    pager = crm.records("Leads").list(fields=["Last_Name"], per_page=200, sort_by="id")
    seen: list[str | None] = []
    saved = None
    async with aclosing(pager.pages()) as pages:
        async for page in pages:
            seen.extend(record.id for record in page)
            if len(seen) == 2200:  # a position past 2,000 records: a page token
                saved = json.dumps(page.next_position.to_dict() if page.next_position else None)
                break
    assert saved is not None and "page_token" in saved
    position = zc.PagePosition.from_dict(json.loads(saved))
    async for page in (
        crm.records("Leads").list(fields=["Last_Name"], sort_by="id").pages(start=position)
    ):
        seen.extend(record.id for record in page)
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen)) == 2450


async def test_every_page_knows_where_it_is_and_where_the_next_starts(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(5)])
    pager = crm.records("Leads").list(fields=["Last_Name"], per_page=2)
    second = await pager.page(zc.PagePosition(page=2))
    assert second.position == zc.PagePosition(page=2) and len(second) == 2
    following = second.next_position  # v8 offers a page token from the first page on
    assert following is not None and following.page_token == second.info.next_page_token
    last = await pager.page(following)
    assert len(last) == 1 and last.next_position is None


async def test_without_page_tokens_the_next_page_is_numbered(fake: FakeZohoCRM) -> None:
    async with zc.ZohoCRM(fake.config(api_version="v2"), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(3)])
        first = await crm.records("Leads").list(per_page=2).page()
    assert first.position == zc.PagePosition(page=1)
    assert first.next_position == zc.PagePosition(page=2)


def test_a_position_is_a_page_or_a_token() -> None:
    with pytest.raises(zc.InvalidArgumentError):
        zc.PagePosition(page=2, page_token="abc")
    with pytest.raises(zc.InvalidArgumentError):
        zc.PagePosition(page=0)
    assert zc.PagePosition().params() == {"page": 1}
    assert zc.PagePosition(page_token="t").to_dict() == {"page_token": "t"}
    assert zc.PagePosition.from_dict({"page": 4}) == zc.PagePosition(page=4)


def test_the_old_module_name_still_imports_with_a_warning() -> None:
    import importlib
    import sys

    sys.modules.pop("zcrm_async.sync", None)
    with pytest.warns(DeprecationWarning, match="zcrm_async.pipelines"):
        old = importlib.import_module("zcrm_async.sync")
    from zcrm_async import pipelines

    assert old.upsert_in_chunks is pipelines.upsert_in_chunks
    assert zc.upsert_in_chunks is pipelines.upsert_in_chunks

"""Listings come out in Zoho's order whatever writes came before: the kept orders stay right.

The fake keeps each sort order (id, Created_Time, Modified_Time) up to date on every write
instead of sorting the module for every page; this checks, for random histories of inserts,
updates and deletes, that every page equals the same slice of a full sort of what is stored.
"""

from __future__ import annotations

import itertools
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zcrm_async.testing import FakeZohoCRM

Operation = tuple[str, int]
OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["insert", "update", "delete"]), st.integers(0, 1000)),
    min_size=1,
    max_size=40,
)


def _time(minute: int) -> str:
    return f"2030-01-01T{minute // 60:02d}:{minute % 60:02d}:00+00:00"


def _key(record: dict[str, Any], sort_by: str) -> tuple[str, int]:
    return ("" if sort_by == "id" else str(record[sort_by])), int(record["id"])


async def _apply(fake: FakeZohoCRM, http: httpx.AsyncClient, operations: list[Operation]) -> None:
    for kind, n in operations:
        stored = list(fake.records("Leads"))
        if kind == "insert" or not stored:
            rows = [{"Last_Name": f"L{n}-{i}"} for i in range(1 + n % 5)]
            answer = await http.post("/crm/v8/Leads", json={"data": rows})
        elif kind == "update":
            target = stored[n % len(stored)]
            answer = await http.put(
                "/crm/v8/Leads", json={"data": [{"id": target, "Company": f"C{n}"}]}
            )
        else:
            answer = await http.delete("/crm/v8/Leads", params={"ids": stored[n % len(stored)]})
        assert answer.status_code < 300, answer.text


async def _listed(http: httpx.AsyncClient, sort_by: str, sort_order: str) -> list[str]:
    ids: list[str] = []
    for page in itertools.count(1):
        params = {"fields": "Last_Name", "per_page": 3, "page": page}
        answer = await http.get(
            "/crm/v8/Leads", params={**params, "sort_by": sort_by, "sort_order": sort_order}
        )
        if answer.status_code == 204:
            return ids
        ids += [r["id"] for r in answer.json()["data"]]
        if not answer.json()["info"]["more_records"]:
            return ids
    raise AssertionError("unreachable")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_every_page_is_the_slice_of_a_full_sort(operations: list[Operation]) -> None:
    # Times that advance every few writes, so ties (broken by id) and moves both happen.
    ticks = itertools.count()

    async def run() -> None:
        fake = FakeZohoCRM()
        headers = {"Authorization": f"Zoho-oauthtoken {fake.issue_tokens()['access_token']}"}
        async with httpx.AsyncClient(
            transport=fake.transport(), base_url=fake.base_url, headers=headers
        ) as http:
            for field in ("Modified_Time", "Created_Time"):  # orders kept from the start, too
                await http.get("/crm/v8/Leads", params={"fields": "Last_Name", "sort_by": field})
            await _apply(fake, http, operations)
            stored = list(fake.records("Leads").values())
            for sort_by, sort_order in itertools.product(
                ("id", "Created_Time", "Modified_Time"), ("asc", "desc")
            ):
                expected = [
                    r["id"]
                    for r in sorted(
                        stored, key=lambda r: _key(r, sort_by), reverse=sort_order == "desc"
                    )
                ]
                assert await _listed(http, sort_by, sort_order) == expected, (sort_by, sort_order)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("zcrm_async.testing._store.now_iso", lambda: _time(next(ticks) // 4))
        anyio.run(run)

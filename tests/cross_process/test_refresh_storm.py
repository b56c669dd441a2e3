"""4 OS processes x 50 tasks share one store and an expired token: exactly one token mint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cross_process.storm import run_storm
from tests.stores.mysql_support import fresh_database_name, mysql_url, server_args

PROCESSES = 4
TASKS = 50


def _mysql_spec() -> dict[str, Any]:
    return {"kind": "mysql", **server_args(), "database": fresh_database_name()}


STORES = [
    pytest.param(lambda tmp: {"kind": "file", "path": str(tmp)}, id="file"),
    pytest.param(lambda tmp: {"kind": "sqlite", "path": str(tmp / "tokens.db")}, id="sqlite"),
    pytest.param(
        lambda tmp: _mysql_spec(),
        id="mysql",
        marks=[
            pytest.mark.mysql,
            pytest.mark.skipif(mysql_url() is None, reason="set ZCRM_TEST_MYSQL_URL"),
        ],
    ),
]


@pytest.mark.socket
@pytest.mark.timeout(120)
@pytest.mark.parametrize("make_spec", STORES)
def test_refresh_storm_across_processes_mints_exactly_one_token(
    make_spec: Any, tmp_path: Path
) -> None:
    result = run_storm(make_spec(tmp_path), tmp_path, processes=PROCESSES, tasks=TASKS)

    assert result.errors == []
    assert result.calls_ok == result.calls_expected == PROCESSES * TASKS
    assert all(report["emails"] == [result.user_email] for report in result.reports)
    assert result.mints == 1
    # Every process ended on the one minted token, and it is the one in the store.
    assert len(result.access_tokens) == 1
    assert result.stored_token in result.access_tokens
    # The workers really overlapped: each started before any other finished.
    starts = [report["started"] for report in result.reports]
    ends = [report["finished"] for report in result.reports]
    assert max(starts) < min(ends)

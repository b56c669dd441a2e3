"""The Bulk Read criteria builder: Zoho's JSON form, checked client-side."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from zcrm_async.bulk import EMPTY, BulkCriteria, all_of, any_of
from zcrm_async.bulk._criteria import criteria_json


def test_single_condition() -> None:
    assert BulkCriteria("Last_Name", "equal", "Patricia").to_json() == {
        "field": {"api_name": "Last_Name"},
        "comparator": "equal",
        "value": "Patricia",
    }


def test_nested_groups_and_flattening() -> None:
    a = BulkCriteria("Last_Name", "equal", "Boyle")
    b = BulkCriteria("Lead_Source", "in", ["Web Download", "Cold Call"])
    c = BulkCriteria("Email", "equal", None)
    d = BulkCriteria("Company", "starts_with", "Zylker")
    crit = a & (b | c) & d
    assert crit.to_json() == {
        "group_operator": "and",
        "group": [
            a.to_json(),
            {"group_operator": "or", "group": [b.to_json(), c.to_json()]},
            d.to_json(),
        ],
    }
    assert c.to_json()["value"] == EMPTY == "${EMPTY}"
    assert all_of(a, d) == a & d
    assert any_of(a, d).to_json()["group_operator"] == "or"


def test_dates_and_ranges() -> None:
    start = datetime(2021, 2, 22, 15, 39, 26, 123, tzinfo=UTC)
    crit = BulkCriteria("Modified_Time", "between", [start, datetime(2021, 7, 20, tzinfo=UTC)])
    assert crit.to_json()["value"] == ["2021-02-22T15:39:26+00:00", "2021-07-20T00:00:00+00:00"]
    assert BulkCriteria("Date_of_Birth", "less_than", date(2000, 1, 1)).to_json()["value"] == (
        "2000-01-01"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Last_Name", "equals", "x"), "unknown bulk read comparator 'equals'"),
        (("Last_Name", "in", "x"), "needs a list of values"),
        (("Created_Time", "between", [1, 2, 3]), "exactly two values"),
        (("Created_Time", "greater_than", datetime(2021, 1, 1)), "naive datetime"),
        (("", "equal", "x"), "field API name"),
    ],
)
def test_bad_conditions_are_refused(args: tuple[str, str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BulkCriteria(*args)


def test_raw_dict_is_checked() -> None:
    raw = {
        "group_operator": "or",
        "group": [
            {"field": {"api_name": "A"}, "comparator": "equal", "value": 1},
            {"field": {"api_name": "B"}, "comparator": "contains", "value": "x"},
        ],
    }
    assert criteria_json(raw) == raw
    bad = {**raw, "group_operator": "xor"}
    with pytest.raises(ValueError, match="group_operator must be 'and' or 'or'"):
        criteria_json(bad)
    with pytest.raises(ValueError, match="unknown bulk read comparator 'like'"):
        criteria_json({"field": {"api_name": "A"}, "comparator": "like", "value": 1})

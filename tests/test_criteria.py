"""The criteria builder: escaping (round trip through the fake's parser), joins, limits."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zcrm_async import Criteria, escape_value
from zcrm_async._criteria import check_criteria, criteria_param
from zcrm_async.testing._criteria import Condition, Group, parse_criteria
from zcrm_async.testing._metadata import STANDARD_MODULES

LEADS = STANDARD_MODULES["Leads"]
values = st.text(max_size=40)


def parsed(criteria: Criteria | str) -> Group:
    """The fake's parse, without the outer group a joined criteria is wrapped in."""
    group = parse_criteria(str(criteria), LEADS, version=(8, 0))
    while len(group.terms) == 1 and isinstance(group.terms[0], Group):
        group = group.terms[0]
    return group


@given(values)
def test_escaped_value_round_trips_through_the_fake_parser(value: str) -> None:
    group = parsed(Criteria("Last_Name", "equals", value))
    assert group.terms == (Condition("Last_Name", "equals", (value,)),)


@given(st.lists(values, min_size=1, max_size=100))
def test_in_values_round_trip(items: list[str]) -> None:
    group = parsed(Criteria("Last_Name", "in", items))
    assert group.terms == (Condition("Last_Name", "in", tuple(items)),)


@given(
    st.lists(
        st.tuples(st.sampled_from(["Email", "City", "Company"]), values), min_size=2, max_size=10
    )
)
def test_joined_conditions_round_trip(pairs: list[tuple[str, str]]) -> None:
    conditions = [Criteria(field, "starts_with", value) for field, value in pairs]
    group = parsed(Criteria.any_of(*conditions))
    assert group.joins == ("or",) * (len(pairs) - 1)
    assert [(c.api_name, c.values) for c in group.terms] == [(f, (v,)) for f, v in pairs]


def test_escaping_rules_of_the_reference() -> None:
    assert escape_value("Burns,B") == r"Burns\,B"
    assert escape_value("a (b)") == r"a \(b\)"
    assert escape_value("ends\\") == "ends\\\\"
    assert escape_value(True) == "true"
    assert escape_value(date(2024, 1, 2)) == "2024-01-02"
    assert escape_value(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05+00:00"


def test_and_or_nesting_renders_zoho_grammar() -> None:
    a = Criteria("Last_Name", "equals", "Smith")
    b = Criteria("No_of_Employees", "between", [1, 10])
    c = Criteria("City", "in", ["Paris", "Rome"])
    assert str(a & b) == "((Last_Name:equals:Smith)and(No_of_Employees:between:1,10))"
    assert str((a & b) | c) == (
        "(((Last_Name:equals:Smith)and(No_of_Employees:between:1,10))or(City:in:Paris,Rome))"
    )
    assert len((a & b) | c) == 3
    assert parsed((a & b) | c).joins == ("or",)


def test_eleven_conditions_is_a_clear_error() -> None:
    ten = Criteria.all_of(*(Criteria("Last_Name", "equals", str(i)) for i in range(10)))
    assert len(ten) == 10
    with pytest.raises(ValueError, match=r"11 conditions.*at most 10"):
        ten & Criteria("City", "equals", "x")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Last_Name", "contains", "x"), "operator 'contains'"),
        (("Last Name", "equals", "x"), "field 'Last Name'"),
        (("Last_Name", "in", list(range(101))), "1 to 100 values, got 101"),
        (("Last_Name", "between", [1]), "two values"),
        (("Last_Name", "equals", ["a", "b"]), "takes one value"),
        (("Created_Time", "greater_than", datetime(2024, 1, 1)), "no time zone"),
    ],
)
def test_bad_conditions_name_the_problem(args: tuple[str, str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Criteria(*args)  # type: ignore[arg-type]


def test_raw_string_with_unescaped_parentheses_names_the_value() -> None:
    with pytest.raises(ValueError, match=r"value 'Smith \(Jr\)' of field 'Last_Name'"):
        check_criteria("(Last_Name:equals:Smith (Jr))")
    assert check_criteria(r"(Last_Name:equals:Smith \(Jr\))") == r"(Last_Name:equals:Smith \(Jr\))"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("(Last_Name:equals:a)x", "expected 'and' or 'or'"),
        ("(Last_Name:equals:a", "unbalanced"),
        ("Last_Name:equals:a", "expected '\\('"),
        ("(Last_Name:like:a)", "operator 'like'"),
        ("(" + "and".join(f"(A:equals:{i})" for i in range(11)) + ")", "11 conditions"),
        ("(A:in:" + ",".join(map(str, range(101))) + ")", "at most 100 values, got 101"),
    ],
)
def test_raw_strings_checked_client_side(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_criteria(raw)


def test_v2_accepts_only_equals_and_starts_with() -> None:
    assert criteria_param("(Last_Name:starts_with:a)", "v2") == "(Last_Name:starts_with:a)"
    with pytest.raises(ValueError, match=r"v2 search accepts only.*greater_than"):
        criteria_param(Criteria("No_of_Employees", "greater_than", 5), "v2")
    assert criteria_param(Criteria("No_of_Employees", "greater_than", 5), "v2.1")

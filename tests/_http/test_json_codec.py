"""orjson (the ``fast`` extra) and the standard library give the same bytes and the same values.

Every value is encoded, and every body decoded, once with each; the outcomes must be equal:
the same bytes, the same decoded values (ints stay ints, however large), or the same error.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zcrm_async as zc
from zcrm_async._http._envelope import Answer, decode_json, encode_json, use_orjson
from zcrm_async.testing import FakeZohoCRM

pytest.importorskip("orjson")  # the dev and testing extras install it


class Colour(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    LARGE = 3


class Kind(enum.StrEnum):
    LEAD = "lead"


@pytest.fixture(autouse=True)
def _restore_codec() -> Iterator[None]:
    before = use_orjson(True)
    yield
    use_orjson(before)


def _outcome(function: Callable[[Any], Any], value: Any) -> Any:
    """What ``function(value)`` gives: its result's repr (1 and 1.0 differ), or its error."""
    try:
        return ("ok", repr(function(value)))
    except Exception as error:  # the error is part of the behaviour compared
        return ("error", type(error), str(error))


def _both(function: Callable[[Any], Any], value: Any) -> tuple[Any, Any]:
    use_orjson(True)
    fast = _outcome(function, value)
    use_orjson(False)
    slow = _outcome(function, value)
    return fast, slow


floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [1e-4, 9.99e-5, 1.5e-05, 1e16, 1e22, 5e-324, -0.0, 0.1 + 0.2, 1.7976931348623157e308]
)
texts = st.text() | st.sampled_from(
    ["\ud800", "a\udfffb", "\x00\x1f\x7f", "\u2028\u2029", '"\\/', "Müller 名前 😀", "\ufeff"]
)
odd = st.sampled_from(
    [
        Decimal("0.92"),
        dt.date(2026, 12, 7),
        dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC),
        uuid.UUID(int=7),
        Colour.RED,
        Size.LARGE,
        Kind.LEAD,
        b"bytes",
        {1: "int key"},
        {None: "none key"},
        {1.5: "float key"},
        {True: "bool key"},
    ]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | floats
    | texts
)
values = st.recursive(
    scalars | odd,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(texts, inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_both_encoders_give_the_same_bytes_or_the_same_error(value: Any) -> None:
    fast, slow = _both(encode_json, value)
    assert fast == slow


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_both_decoders_give_the_same_values(value: Any) -> None:
    try:  # any JSON the standard library writes, NaN and huge ints included
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):
        return
    fast, slow = _both(decode_json, body)
    assert fast == slow


@settings(max_examples=300)
@given(st.binary(max_size=60) | st.text(max_size=40).map(str.encode))
def test_both_decoders_refuse_the_same_bodies(body: bytes) -> None:
    fast, slow = _both(decode_json, body)
    assert fast == slow


@pytest.mark.parametrize(
    "body",
    [
        b"123456789012345678901234567890",
        b'{"id": -9223372036854775809}',
        b"[18446744073709551616, 18446744073709551615]",
        b"[1,2,123456789012345678901]",
        b"[-1234567890123456789,-12345678901234567890]",
        b"[" + b",".join([b"1234567890123456789"] * 300) + b",12345678901234567890]",
        b'{"ids":"' + b",".join([b"1234567890123456789"] * 300) + b'","n":1e5}',
        b"[NaN, Infinity, -Infinity]",
        b"1e400",
        b'"\\ud800"',
        b"\xef\xbb\xbf{}",
        '{"a": "é"}'.encode("utf-16"),
        b'{"a":1,"a":2}',
        b"[" * 2000 + b"]" * 2000,
        b"  {}  ",
        b"{}x",
    ],
)
def test_bodies_orjson_reads_differently_are_read_as_the_standard_library_does(
    body: bytes,
) -> None:
    fast, slow = _both(decode_json, body)
    assert fast == slow


def test_records_with_non_json_values_are_refused_alike() -> None:
    for value in (Decimal("1.5"), dt.date(2026, 1, 2), uuid.uuid4(), Colour.RED, math.nan):
        fast, slow = _both(encode_json, {"data": [{"Amount": value}]})
        assert fast == slow and fast[0] == "error"


def test_the_standard_library_is_forced_by_the_environment() -> None:
    code = "from zcrm_async._http._envelope import use_orjson; print(use_orjson(False))"
    env = {**os.environ, "ZCRM_ASYNC_JSON": "stdlib"}
    forced = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    env.pop("ZCRM_ASYNC_JSON")
    default = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert (forced.stdout.strip(), default.stdout.strip()) == ("False", "True")


def test_an_answer_that_is_not_json_reads_as_text_with_either() -> None:
    request = httpx.Request("GET", "https://www.zohoapis.com/crm/v8/Leads")
    for enabled in (True, False):
        use_orjson(enabled)
        answer = Answer(httpx.Response(502, content=b"<html>bad gateway</html>", request=request))
        assert answer.json_or_text() == "<html>bad gateway</html>"
        with pytest.raises(zc.UnexpectedResponseError):
            answer.json()


@pytest.mark.anyio
@pytest.mark.parametrize("fast", [True, False], ids=["orjson", "stdlib"])
async def test_a_write_and_a_read_through_the_fake_with_either(fast: bool) -> None:
    use_orjson(fast)
    fake = FakeZohoCRM()
    async with zc.ZohoCRM(fake.config(), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        leads = crm.records("Leads")
        rows = [{"Last_Name": f"Østergård {i}", "Annual_Revenue": 1e-5 * i} for i in range(150)]
        written = await leads.create(rows)
        assert written.failed == [] and len(set(written.ids)) == 150
        got = await leads.get(written.ids[149] or "")
    assert got["Last_Name"] == "Østergård 149"
    assert got["Annual_Revenue"] == pytest.approx(1e-5 * 149)


def test_orjson_is_refused_when_it_is_not_installed() -> None:
    code = (
        "import sys; sys.modules['orjson'] = None\n"
        "from zcrm_async._http._envelope import encode_json, use_orjson\n"
        "assert encode_json({'a': 1.5}) == b'{\"a\":1.5}'\n"
        "try:\n    use_orjson(True)\nexcept ValueError as e:\n    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.startswith("InvalidArgumentError orjson is not installed"), out.stderr

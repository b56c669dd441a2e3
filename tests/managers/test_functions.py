"""REST API functions: arguments in, output out, with OAuth or an API key that is never logged."""

from __future__ import annotations

import logging

import httpx
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM, FunctionCall, FunctionReply

from .conftest import make_client

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("version", ["v2", "v8"])
async def test_arguments_in_output_out(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, version: str
) -> None:
    async with await make_client(fake, fast_retry, version) as crm:
        posted = await crm.functions.execute("add", {"a": 2, "b": 3.5})
        assert posted.ok and posted.output == "5.5" and posted.output_type == "decimal"
        echoed = await crm.functions.execute("echo", {"name": "Ada", "n": 1}, method="GET")
        assert echoed.output_type == "map" and echoed.json() == {"name": "Ada", "n": 1}
    [first, second] = fake.functions.executions
    assert (first.method, first.auth_type, first.arguments) == ("POST", "oauth", {"a": 2, "b": 3.5})
    assert (second.method, second.arguments) == ("GET", {"name": "Ada", "n": 1})


async def test_a_function_that_shapes_its_answer(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    result = await crm.functions.execute("respond", {"x": 1}, body={"payload": [1, 2]})
    assert (result.status_code, result.code, result.output) == (201, None, {"received": {"x": 1}})
    assert result.ok and result.content_type == "application/json"
    [call] = fake.functions.executions
    assert call.body == {"payload": [1, 2]} and call.arguments == {"x": 1}

    def text(call: FunctionCall) -> FunctionReply:
        return FunctionReply(202, f"hello {call.arguments['who']}", "text/plain")

    fake.functions.register("greet", text)
    greeted = await crm.functions.execute("greet", {"who": "Ada"})
    assert (greeted.status_code, greeted.output) == (202, "hello Ada")


async def test_a_failing_function_raises_with_its_answer(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    with pytest.raises(zc.APIError) as error:
        await crm.functions.execute("fail", {"reason": "no stock"})
    assert error.value.status_code == 400 and "no stock" in str(error.value.body)
    with pytest.raises(zc.APIError) as unknown:
        await crm.functions.execute("no_such_function")
    assert unknown.value.code == "INVALID_DATA"


async def test_an_execution_is_never_repeated(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    fake.fail_next(500, path="/functions/", times=2)
    before = fake.stats.api_requests
    with pytest.raises(zc.ServerError):
        await crm.functions.execute("echo", {"x": 1}, method="GET")  # even a GET
    assert fake.stats.api_requests - before == 1  # a GET elsewhere is retried on a 500
    assert fake.functions.executions == []


class Recording(httpx.AsyncBaseTransport):
    def __init__(self, fake: FakeZohoCRM) -> None:
        self.inner = fake.transport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


async def test_an_api_key_replaces_the_token_and_is_never_logged(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    key = fake.functions.api_key
    transport = Recording(fake)
    caplog.set_level(logging.DEBUG)
    async with zc.ZohoCRM(fake.config(), transport=transport, retry=fast_retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        result = await crm.functions.execute("echo", {"x": 1}, method="GET", api_key=key)
        assert result.json() == {"x": 1}
        with pytest.raises(zc.AuthenticationError) as wrong:
            await crm.functions.execute("echo", api_key=key[:-4] + "0000")
    call = transport.requests[-2]
    assert call.url.params["auth_type"] == "apikey" and call.url.params["zapikey"] == key
    assert "authorization" not in call.headers  # no OAuth token beside the key
    assert fake.functions.executions[0].auth_type == "apikey"
    wrong_key = key[:-4] + "0000"
    assert wrong_key not in str(wrong.value) and wrong_key not in repr(wrong.value)
    assert wrong.value.response is not None
    assert wrong_key not in str(wrong.value.response.request.url)
    logged = "\n".join(f"{r.name}: {r.getMessage()}" for r in caplog.records)
    assert "execute" in logged and any(r.name.startswith("httpx") for r in caplog.records)
    assert key not in logged and wrong_key not in logged


async def test_bad_arguments_are_refused_first(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    functions = crm.functions
    with pytest.raises(zc.InvalidArgumentError, match="function name"):
        await functions.execute("../users")
    with pytest.raises(zc.InvalidArgumentError, match="method"):
        await functions.execute("echo", method="PUT")  # type: ignore[arg-type]
    with pytest.raises(zc.InvalidArgumentError, match="body= is sent with method='POST'"):
        await functions.execute("echo", method="GET", body={"x": 1})
    with pytest.raises(zc.InvalidArgumentError, match="cannot be sent as JSON"):
        await functions.execute("echo", {"when": object()})
    with pytest.raises(zc.InvalidArgumentTypeError, match="arguments must be a dict"):
        await functions.execute("echo", ["x"])  # type: ignore[arg-type]
    with pytest.raises(zc.InvalidArgumentError, match="api_key"):
        await functions.execute("echo", api_key="short")
    assert fake.functions.executions == []

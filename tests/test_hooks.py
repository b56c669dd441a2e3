"""Hooks see every step of the request path, without ids or secrets, and cannot break a call."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import anyio
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


class Recorder(zc.Hooks):
    """Keeps every event, by kind (each hook method appends its event)."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [event for event in self.events if isinstance(event, kind)]


def _keep(self: Recorder, event: object) -> None:
    self.events.append(event)


for _name in [name for name in vars(zc.Hooks) if not name.startswith("_")]:
    setattr(Recorder, _name, _keep)


@pytest.fixture
def hooks() -> Recorder:
    return Recorder()


@pytest.fixture
async def observed(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, hooks: Recorder
) -> AsyncIterator[zc.ZohoCRM]:
    async with zc.ZohoCRM(
        fake.config(), transport=fake.transport(), retry=fast_retry, hooks=hooks
    ) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        yield crm


async def test_a_call_is_one_request_one_response_one_finish(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, hooks: Recorder
) -> None:
    (lead,) = fake.add_records("Leads", [{"Last_Name": "Hooked"}])
    hooks.events.clear()
    await observed.records("Leads").get(lead)
    sent, received, finished = hooks.events
    assert isinstance(sent, zc.RequestSent) and isinstance(received, zc.ResponseReceived)
    assert isinstance(finished, zc.CallFinished)
    assert sent.call_id == received.call_id == finished.call_id
    assert (sent.method, sent.path_template, sent.attempt) == ("GET", "/crm/v8/Leads/{id}", 1)
    assert sent.host == "fake-zoho.test" and sent.target == "crm"
    assert (received.status_code, received.error_code) == (200, None)
    assert (finished.status_code, finished.attempts, finished.error) == (200, 1, None)
    assert finished.duration >= 0 and finished.started > 0
    assert 0 <= sent.elapsed <= received.elapsed
    assert lead not in repr(hooks.events)  # ids are templated away


async def test_retries_and_429s_are_reported_with_reason_and_delay(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, hooks: Recorder
) -> None:
    hooks.events.clear()
    fake.fail_next(503)
    fake.fail_next(429, retry_after=0.01)
    await observed.org.get()
    retries = hooks.of(zc.Retrying)
    assert [r.reason for r in retries] == ["HTTP 503", "HTTP 429"]
    assert retries[1].delay == pytest.approx(0.01) and [r.attempt for r in retries] == [1, 2]
    (limited,) = hooks.of(zc.RateLimited)
    assert (limited.attempt, limited.retry_after) == (2, pytest.approx(0.01))
    codes = [(r.status_code, r.error_code) for r in hooks.of(zc.ResponseReceived)]
    assert codes == [(503, "SERVICE_UNAVAILABLE"), (429, "TOO_MANY_REQUESTS"), (200, None)]
    (finished,) = hooks.of(zc.CallFinished)
    assert (finished.attempts, finished.status_code, finished.error) == (3, 200, None)


async def test_a_failed_call_finishes_with_zohos_code_and_the_error(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, hooks: Recorder
) -> None:
    hooks.events.clear()
    fake.fail_next(403, code="NO_PERMISSION")
    with pytest.raises(zc.PermissionDeniedError):
        await observed.org.get()
    (finished,) = hooks.of(zc.CallFinished)
    assert (finished.status_code, finished.error_code) == (403, "NO_PERMISSION")
    assert finished.error == "PermissionDeniedError" and finished.path_template == "/crm/v8/org"


async def test_a_network_failure_finishes_without_a_status(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, hooks: Recorder
) -> None:
    hooks.events.clear()
    fake.drop_next(method="POST")
    with pytest.raises(zc.TransportError):
        await observed.request("POST", "Leads", json={"data": [{"Last_Name": "Maybe"}]})
    (finished,) = hooks.of(zc.CallFinished)
    assert (finished.status_code, finished.error, finished.attempts) == (
        None,
        "TransportError",
        1,
    )


async def test_token_refreshes_are_reported_without_tokens(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, hooks: Recorder
) -> None:
    grant = hooks.of(zc.TokenRefreshed)
    assert [e.grant_type for e in grant] == ["authorization_code"]
    hooks.events.clear()
    fake.expire_access_tokens()
    await observed.org.get()  # 401 INVALID_TOKEN: refreshed, replayed
    (refreshed,) = hooks.of(zc.TokenRefreshed)
    assert refreshed.grant_type == "refresh_token" and refreshed.user_email == fake.user_email
    assert refreshed.accounts_host == "fake-zoho.test"
    tokens = await observed.tokens.get(fake.user_email)
    assert tokens.access_token not in repr(hooks.events)
    assert tokens.refresh_token not in repr(hooks.events)
    statuses = [r.status_code for r in hooks.of(zc.ResponseReceived)]
    assert statuses[0] == 401 and statuses[-1] == 200


async def test_the_limiter_reports_cuts_and_regrowth(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, hooks: Recorder
) -> None:
    async with zc.ZohoCRM(
        fake.config(max_concurrency=4), transport=fake.transport(), retry=fast_retry, hooks=hooks
    ) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.fail_next(429, retry_after=0.001, times=3)  # 429s in a row: congestion
        await crm.org.get()
        fake.fail_next(429, retry_after=0.001)  # the fourth of five calls: a cluster
        await crm.org.get()
        for _ in range(10):
            await crm.org.get()
    changes = [(c.kind, c.before, c.after) for c in hooks.of(zc.LimiterChanged)]
    assert changes[0] == ("cut", 4, 2)
    assert ("regrow", 2, 3) in changes and changes[-1][2] == 4


async def test_several_hooks_and_a_failing_one(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(zc.Hooks):
        def response_received(self, event: zc.ResponseReceived) -> None:
            raise RuntimeError("observer bug")

    recorder = Recorder()
    async with zc.ZohoCRM(
        fake.config(), transport=fake.transport(), retry=fast_retry, hooks=[Broken(), recorder]
    ) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        with caplog.at_level(logging.WARNING, logger="zcrm_async"):
            assert (await crm.org.get()).zgid
    assert "Broken.response_received failed" in caplog.text
    assert recorder.of(zc.ResponseReceived)  # the next hook still ran


async def test_hooks_must_be_hooks(fake: FakeZohoCRM) -> None:
    with pytest.raises(zc.InvalidArgumentTypeError, match="Hooks"):
        zc.ZohoCRM(fake.config(), hooks=[print])  # type: ignore[list-item]


async def test_views_share_the_hooks(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, hooks: Recorder
) -> None:
    hooks.events.clear()
    async with anyio.create_task_group() as group:
        group.start_soon(observed.with_options(timeout=5).org.get)
        group.start_soon(observed.as_user(fake.user_email).org.get)
    assert len(hooks.of(zc.CallFinished)) == 2


async def test_external_values_and_query_strings_never_reach_an_event(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, hooks: Recorder
) -> None:
    fake.add_field("Leads", "External_Lead_ID", "external")
    fake.add_records("Leads", [{"Last_Name": "Odd", "External_Lead_ID": "shop/42 #1"}])
    hooks.events.clear()
    leads = observed.records("Leads").by_external("External_Lead_ID")
    await leads.get("shop/42 #1", fields=["Last_Name"])
    templates = {event.path_template for event in hooks.events}  # type: ignore[attr-defined]
    assert templates == {"/crm/v8/Leads/{id}"}
    assert "shop" not in repr(hooks.events) and "Last_Name" not in repr(hooks.events)


@pytest.mark.parametrize(
    ("path", "external", "template"),
    [
        ("/crm/v8/Leads/5725767000000524157/Notes", None, "/crm/v8/Leads/{id}/Notes"),
        ("/crm/v8/Leads?ids=1,2&fields=Email#top", None, "/crm/v8/Leads"),
        (
            "https://download.example.com/crm/bulk/v8/read/42/result",
            None,
            "/crm/bulk/v8/read/{id}/result",
        ),
        (
            "/crm/v8/Leads/ERP-7/Notes/N%2F1",
            "Leads.Ext_ID,Notes.Ext_Note",
            "/crm/v8/Leads/{id}/Notes/{id}",
        ),
        ("/crm/v8/Leads/ERP-7/Notes", "Leads.Ext_ID", "/crm/v8/Leads/{id}/Notes"),
        ("/crm/v8/Leads", "Leads.Ext_ID", "/crm/v8/Leads"),
    ],
)
def test_path_templates(path: str, external: str | None, template: str) -> None:
    from zcrm_async._hooks import path_template

    assert path_template(path, external) == template

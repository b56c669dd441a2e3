"""Threads sharing one facade; closing while calls are in flight; forgetting to close."""

from __future__ import annotations

import gc
import logging
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest

import zcrm_async as zc
from tests._signals import default_ctrl_c
from zcrm_async.blocking import ClientClosedError, ZohoCRM
from zcrm_async.blocking._pump import READ_AHEAD
from zcrm_async.stores import MemoryStore
from zcrm_async.testing import FakeZohoCRM

from .conftest import loop_threads

#: Far above what each step takes (milliseconds), far below "hangs".
BOUND = 10.0


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``work`` in a plain thread; its result or exception lands in the dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.005)


def test_threads_share_one_facade_concurrently(crm: ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.latency = 0.02
    fake.stats.reset()

    def work(worker: int) -> list[str]:
        leads = crm.records("Leads")
        ids = [str(leads.create([{"Last_Name": f"W{worker}-{n}"}])[0].id) for n in range(5)]
        return sorted(leads.get(record_id)["Last_Name"] for record_id in ids)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for worker, names in enumerate(results):
        assert names == [f"W{worker}-{n}" for n in range(5)]
    assert crm.records("Leads").count() == 40
    assert fake.stats.max_in_flight > 1  # the threads' calls overlapped on the loop


def test_threads_iterate_the_same_module_at_once(crm: ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", ({"Last_Name": f"L{n:04}"} for n in range(1000)))

    def names(_: int) -> list[str]:
        return sorted(lead["Last_Name"] for lead in crm.records("Leads").list(fields=["Last_Name"]))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(names, range(4)))
    assert all(result == [f"L{n:04}" for n in range(1000)] for result in results)


def test_leaving_a_loop_early_stops_reading(crm: ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", ({"Last_Name": f"L{n}"} for n in range(2000)))
    fake.stats.reset()
    for _ in crm.records("Leads").list(fields=["Last_Name"], per_page=100):
        break
    time.sleep(0.2)  # a reader still running would go on fetching pages meanwhile
    pages = fake.stats.by_route["GET /crm/{version}/{module}"]
    # The page in hand, READ_AHEAD items read ahead and the page being fetched; never all 20.
    assert 1 <= pages <= 2 + READ_AHEAD // 100


def test_close_cancels_calls_in_flight_within_a_bound(fake: FakeZohoCRM) -> None:
    crm = ZohoCRM(fake.config(), transport=fake.transport())
    crm.oauth.generate_access_token(fake.issue_grant_code())
    fake.slow_next(3600, path="/users")
    thread, outcome = in_thread(lambda: crm.users.current())
    wait_for(lambda: fake.stats.in_flight == 1)
    started = time.monotonic()
    crm.close()
    thread.join(BOUND)
    assert time.monotonic() - started < BOUND
    assert isinstance(outcome.get("error"), ClientClosedError), outcome
    assert "in flight" in str(outcome["error"])
    with pytest.raises(ClientClosedError, match="closed"):
        crm.users.current()
    crm.close()  # again: nothing to do


def test_close_interrupts_a_thread_that_is_iterating(fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", ({"Last_Name": f"L{n}"} for n in range(1000)))
    crm = ZohoCRM(fake.config(), transport=fake.transport())
    crm.oauth.generate_access_token(fake.issue_grant_code())
    seen: list[str] = []

    def iterate() -> None:
        for lead in crm.records("Leads").list(fields=["Last_Name"], per_page=100):
            if not seen:  # from now on every page hangs: at most three of ten came before
                fake.slow_next(3600, times=100)
            seen.append(lead["Last_Name"])

    thread, outcome = in_thread(iterate)
    wait_for(lambda: fake.stats.in_flight == 1 and len(seen) > 0)
    crm.close()
    thread.join(BOUND)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), ClientClosedError), outcome
    assert 0 < len(seen) < 1000


def test_close_is_bounded_when_the_client_hangs_closing(
    fake: FakeZohoCRM, caplog: pytest.LogCaptureFixture
) -> None:
    class HangingStore(MemoryStore):
        async def aclose(self) -> None:
            with anyio.CancelScope(shield=True):
                await anyio.sleep(1.5)  # longer than close waits

    crm = ZohoCRM(fake.config(), transport=fake.transport(), store=HangingStore())
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="zcrm_async.blocking"):
        crm.close(timeout=0.2)
    assert time.monotonic() - started < 1.0  # gave up waiting; did not sit out the 1.5 s
    assert "stopped waiting" in caplog.text
    # The loop thread is a daemon: it ends once the store is done (the autouse fixture checks).


def test_an_exiting_with_block_after_close_raises_nothing_more(
    crm: ZohoCRM, fake: FakeZohoCRM
) -> None:
    [lead_id] = fake.add_records("Leads", [{"Last_Name": "Files"}])
    attachments = crm.records("Leads").attachments(lead_id)
    uploaded = attachments.upload(b"payload", filename="p.txt")
    with attachments.download(uploaded.id) as download:
        crm.close()  # the context is left by closing
        with pytest.raises(ClientClosedError):
            list(download.iter_bytes())


def test_a_forgotten_facade_is_closed_when_collected(fake: FakeZohoCRM) -> None:
    before = len(loop_threads())
    leads = ZohoCRM(fake.config(), transport=fake.transport()).records("Leads")
    assert len(loop_threads()) == before + 1
    assert leads.module == "Leads"  # the manager keeps the loop alive while it is used
    del leads
    gc.collect()
    wait_for(lambda: len(loop_threads()) == before)


def run_python(code: str, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=default_ctrl_c,
        **options,
    )


def test_a_forgotten_close_does_not_hold_the_interpreter_at_exit() -> None:
    started = time.monotonic()
    done = run_python(
        """
        import threading, time
        from zcrm_async.blocking import ZohoCRM
        from zcrm_async.testing import FakeZohoCRM

        fake = FakeZohoCRM()
        crm = ZohoCRM(fake.config(), transport=fake.transport())
        crm.oauth.generate_access_token(fake.issue_grant_code())
        print("count", crm.records("Leads").count())
        fake.slow_next(3600)
        threading.Thread(target=crm.users.current, daemon=True).start()  # in flight at exit
        while fake.stats.in_flight == 0:
            time.sleep(0.01)
        print("leaving without close", flush=True)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "count 0" in done.stdout and "leaving without close" in done.stdout
    assert time.monotonic() - started < 30  # the exit waited for nothing unbounded


def test_ctrl_c_during_a_call_cancels_it_and_the_facade_goes_on() -> None:
    done = run_python(
        """
        import os, signal, threading, time
        from zcrm_async.blocking import ZohoCRM
        from zcrm_async.testing import FakeZohoCRM

        fake = FakeZohoCRM()
        with ZohoCRM(fake.config(), transport=fake.transport()) as crm:
            crm.oauth.generate_access_token(fake.issue_grant_code())
            fake.slow_next(3600, path="/users")

            def interrupt():
                while fake.stats.in_flight == 0:
                    time.sleep(0.01)
                os.kill(os.getpid(), signal.SIGINT)

            threading.Thread(target=interrupt).start()
            try:
                crm.users.current()
            except KeyboardInterrupt:
                print("interrupted", flush=True)
            deadline = time.monotonic() + 10
            while fake.stats.in_flight and time.monotonic() < deadline:
                time.sleep(0.01)
            print("in flight after", fake.stats.in_flight)
            print("then", crm.users.current().email)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "interrupted" in done.stdout
    assert "in flight after 0" in done.stdout  # the slow request was cancelled, not left
    assert "then admin@example.com" in done.stdout


@pytest.mark.socket
def test_on_a_real_socket_from_several_threads() -> None:
    fake = FakeZohoCRM()
    fake.add_records("Leads", ({"Last_Name": f"S{n:03}"} for n in range(300)))
    with fake.serve_in_thread() as url, ZohoCRM(fake.config()) as crm:
        assert crm.config.accounts_url == url
        crm.oauth.generate_access_token(fake.issue_grant_code())

        def read(_: int) -> tuple[int, list[str]]:
            names = [lead["Last_Name"] for lead in crm.records("Leads").list(fields=["Last_Name"])]
            return crm.records("Leads").count(), sorted(names)

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(read, range(4)))
        assert results == [(300, [f"S{n:03}" for n in range(300)])] * 4
        with pytest.raises(zc.EmptyResultError):
            crm.records("Leads").get("999")
    assert fake.stats.api_requests > 8

"""``python -m zcrm_async.testing serve``: its options, and control from another process."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests._served import served_fake

pytestmark = pytest.mark.socket


def test_help_lists_the_options() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "zcrm_async.testing", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    for option in (
        "--redirect-uri",
        "--seed",
        "--latency",
        "--token-lifetime",
        "--concurrency-limit",
        "--credit-allowance",
        "--credits-header-from",
        "--port",
        "/__fake__/",
    ):
        assert option in shown, option


def test_a_bad_seed_is_refused_before_serving() -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "zcrm_async.testing", "serve", "--seed", "Leads"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "MODULE=N" in refused.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "zcrm_async.testing", "serve", "--seed", "Nope=3"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 2 and "unknown module 'Nope'" in unknown.stderr


def test_serve_options_and_control_from_another_process() -> None:
    options = (
        "--seed=Leads=2100",
        "--redirect-uri=http://localhost:9123/done",
        "--latency=0.01",
        "--token-lifetime=120",
        "--concurrency-limit=4",
    )
    with served_fake(*options) as served, httpx.Client(base_url=served.url, timeout=30) as http:
        assert "/__fake__" in served.banner
        knobs = http.get("/__fake__/knobs").json()
        assert (knobs["latency"], knobs["max_concurrency"], knobs["token_lifetime"]) == (
            0.01,
            4,
            120.0,
        )
        assert http.get("/__fake__/records/Leads").json()["count"] == 2100
        # A web login comes back to the redirect URI given on the command line.
        login = http.get(
            "/oauth/v2/auth",
            params={
                "client_id": "1000.FAKECLIENTID",
                "response_type": "code",
                "redirect_uri": "http://localhost:9123/done",
                "scope": "ZohoCRM.modules.ALL",
            },
        )
        location = urlsplit(login.headers["location"])
        assert (login.status_code, location.netloc, location.path) == (
            302,
            "localhost:9123",
            "/done",
        )
        tokens = http.post(
            "/oauth/v2/token",
            data={
                "grant_type": "authorization_code",
                "client_id": "1000.FAKECLIENTID",
                "client_secret": "fake-client-secret",
                "redirect_uri": "http://localhost:9123/done",
                "code": parse_qs(location.query)["code"][0],
            },
        ).json()
        assert tokens["expires_in"] == 120 and tokens["api_domain"] == served.url
        # The printed grant code is one more; a second user gets theirs over HTTP.
        other = http.post("/__fake__/grant-codes", json={"user_email": "b@example.com"}).json()
        assert other["code"] != served.grant_code
        stats = http.get("/__fake__/stats").json()
        assert stats["api_requests"] == 0 and stats["token_mints"] == 1

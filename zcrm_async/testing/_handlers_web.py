"""The accounts server's consent page for web-based clients: ``GET /oauth/v2/auth``.

A real browser would see Zoho's sign-in and consent screens; the fake skips them. Who signs in
is the ``X-Fake-Zoho-User`` header (default: the fake's admin), ``X-Fake-Zoho-Consent: deny``
declines, and ``X-Fake-Zoho-DC: eu`` makes the user live in another data centre, so the
redirect names that centre's ``location`` and ``accounts-server``.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from .._datacenters import DATA_CENTERS
from ._runtime import Runtime

__all__ = ["CONSENT_HEADER", "DC_HEADER", "USER_HEADER", "authorize"]

USER_HEADER: Final = "X-Fake-Zoho-User"
CONSENT_HEADER: Final = "X-Fake-Zoho-Consent"
DC_HEADER: Final = "X-Fake-Zoho-DC"


def _redirect(redirect_uri: str, params: dict[str, str]) -> Response:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)


async def authorize(runtime: Runtime, request: Request) -> Response:
    """Issue a grant code and redirect to ``redirect_uri`` with code, location, accounts-server.

    A wrong client or an unregistered redirect URI gets an error page, never a redirect (an
    authorization server must not send codes to an unknown address); the other failures are
    redirected as ``?error=...`` like Zoho does.
    """
    query = request.query_params
    state, oauth = runtime.state, runtime.state.oauth
    with state.lock:
        runtime.stats.by_route["GET /oauth/v2/auth"] += 1
        if query.get("client_id") != oauth.client_id:
            return PlainTextResponse("invalid_client: unknown client_id", status_code=400)
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri != oauth.redirect_uri:
            return PlainTextResponse(
                "invalid_redirect_uri: not the URI registered for this client", status_code=400
            )
        echo = {"state": query["state"]} if "state" in query else {}
        if query.get("response_type") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type", **echo})
        scopes = [s.strip() for s in query.get("scope", "").split(",") if s.strip()]
        if not scopes:
            return _redirect(redirect_uri, {"error": "invalid_scope", **echo})
        if request.headers.get(CONSENT_HEADER, "").lower() == "deny":
            return _redirect(redirect_uri, {"error": "access_denied", **echo})
        dc_code = request.headers.get(DC_HEADER, "us").lower()
        if dc_code not in DATA_CENTERS:
            return PlainTextResponse(f"unknown data centre {dc_code!r}", status_code=400)
        email = request.headers.get(USER_HEADER) or str(state.directory.org["primary_email"])
        if state.directory.by_email(email) is None:
            state.directory.add_user(email)
        code = oauth.issue_grant_code(scopes, email)
        # A user of the fake's own centre is sent back to the fake itself.
        accounts = oauth.api_domain if dc_code == "us" else DATA_CENTERS[dc_code].accounts_url
    return _redirect(
        redirect_uri, {"code": code, "location": dc_code, "accounts-server": accounts, **echo}
    )

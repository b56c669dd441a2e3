"""The starlette app: HTTP <-> state, auth checks, envelopes, latency, concurrency and faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any, Final
from urllib.parse import parse_qsl, unquote

import anyio
import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ._control import Control
from ._control_http import CONTROL_PREFIX, control_routes
from ._credits import CREDITS_HEADER, call_cost
from ._errors import ApiError, OAuthError
from ._faults import Fault, default_error
from ._handlers import API_ROUTES, BULK_ROUTES, DOWNLOAD_ROUTES
from ._handlers_web import authorize
from ._json import decode_body, dumps
from ._routes import ApiRoute, RouteTable
from ._runtime import Runtime
from ._state import Call, Reply
from ._throttle import is_heavy
from ._watch import collect_notifications, deliver, watch_of

__all__ = ["build_app"]

API_VERSIONS: Final = frozenset({"v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8"})
_ALL_METHODS: Final = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_AUTH_PREFIX: Final = "Zoho-oauthtoken "
_API_ROUTES: Final = RouteTable(API_ROUTES)
_BULK_ROUTES: Final = RouteTable(BULK_ROUTES)
_DOWNLOAD_ROUTES: Final = RouteTable(DOWNLOAD_ROUTES)
#: Answers Zoho gives before doing any work, which cost no credits.
_NOT_CHARGED: Final = frozenset({401, 429})
#: The 429 of an org whose API credits for the day are spent (the concurrency limit's code).
_CREDITS_SPENT: Final = (
    "TOO_MANY_REQUESTS",
    "the API credits of the organization for the last 24 hours are used up; "
    "try again once they free up",
)
_MALFORMED_PAGE: Final = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Zoho CRM is temporarily unavailable</h1></body></html>"
)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, ApiError(status, code, message).envelope(), headers or {})


def _render(reply: Reply) -> Response:
    if reply.body is None:  # 204 / 304: an empty body
        return Response(status_code=reply.status, headers=reply.headers)
    if isinstance(reply.body, bytes):  # a file download: sent in chunks, as a server streams
        return StreamingResponse(
            _chunks(reply.body),
            status_code=reply.status,
            headers={**reply.headers, "Content-Length": str(len(reply.body))},
        )
    return Response(
        dumps(reply.body),
        status_code=reply.status,
        headers=reply.headers,
        media_type="application/json",
    )


async def _chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


class _DroppedResponse(Response):
    """Sends headers and part of the body, then the connection breaks."""

    def __init__(self, over_socket: bool) -> None:
        super().__init__(status_code=200, media_type="application/json")
        self.raw_headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
        self.over_socket = over_socket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": b'{"data":[', "more_body": True})
        if not self.over_socket:
            raise httpx.RemoteProtocolError("fake: connection dropped")
        # Over a socket, returning mid-body makes uvicorn close the connection.


def _with_credits(rt: Runtime, response: Response) -> Response:
    """``response`` with ``X-API-CREDITS-REMAINING`` once enough of the allowance is used
    (under the state lock)."""
    allowance, share = rt.knobs.credit_allowance, rt.knobs.credits_header_from
    if allowance is None or share is None:
        return response
    spent = rt.credits.spent(rt.state.now())
    if spent >= share * allowance:
        response.headers[CREDITS_HEADER] = str(max(0, allowance - spent))
    return response


def _fault_response(fault: Fault, over_socket: bool) -> Response:
    if fault.kind == "drop":
        return _DroppedResponse(over_socket)
    if fault.kind == "malformed":
        return HTMLResponse(_MALFORMED_PAGE, status_code=200)
    code, message = default_error(fault.status)
    headers = {}
    if fault.retry_after is not None:
        seconds = fault.retry_after
        headers["Retry-After"] = str(int(seconds)) if seconds == int(seconds) else str(seconds)
    return _render(_error(fault.status, fault.code or code, fault.message or message, headers))


class _Endpoints:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    # -- accounts server -------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        params = await _oauth_params(request)
        rt = self.rt
        with rt.state.lock:
            rt.stats.token_requests += 1
            rt.stats.by_route["POST /oauth/v2/token"] += 1
            try:
                answer = rt.state.oauth.exchange(params)
                rt.stats.token_mints += 1
            except OAuthError as error:  # Zoho answers these with HTTP 200
                answer = error.body
        return JSONResponse(answer)

    async def revoke(self, request: Request) -> Response:
        params = await _oauth_params(request)
        with self.rt.state.lock:
            self.rt.stats.by_route["POST /oauth/v2/token/revoke"] += 1
            revoked = self.rt.state.oauth.revoke(params.get("token", ""))
        if revoked:
            return JSONResponse({"status": "success"})
        return JSONResponse({"status": "failure", "error": "invalid_token"}, status_code=400)

    async def user_info(self, request: Request) -> Response:
        # Not in the CRM docs; the error shape here is the fake's choice.
        state = self.rt.state
        with state.lock:
            self.rt.stats.by_route["GET /oauth/user/info"] += 1
            access = state.oauth.authenticate(_bearer(request) or "")
            user = state.directory.by_email(access.user_email) if access else None
            if access is None or user is None:
                return JSONResponse({"error": "invalid_token"}, status_code=401)
            if "AaaServer.profile.Read".lower() not in {s.lower() for s in access.scopes}:
                return JSONResponse({"error": "invalid_scope"}, status_code=401)
            return JSONResponse(
                {
                    "First_Name": user["first_name"],
                    "Last_Name": user["last_name"],
                    "Display_Name": user["full_name"],
                    "Email": user["email"],
                    "ZUID": int(user["zuid"]),
                }
            )

    # -- CRM API ---------------------------------------------------------------------------------

    async def api(self, request: Request) -> Response:
        rt, method, path = self.rt, request.method, request.scope["path"]
        knobs = rt.knobs
        heavy_limit = knobs.heavy_max_concurrency
        body = await request.body()
        # Decoded once here, for the heavy-call check and the handler alike.
        payload = decode_body(body)
        heavy = heavy_limit is not None and is_heavy(method, path, payload)
        with rt.state.lock:
            rt.stats.api_requests += 1
            limit = knobs.max_concurrency
            if (
                (limit is not None and rt.stats.in_flight >= limit)
                or (heavy and heavy_limit is not None and rt.heavy_in_flight >= heavy_limit)
                or (knobs.fail_429_rate > 0 and rt.rng.random() < knobs.fail_429_rate)
            ):
                rt.stats.throttled += 1
                return _with_credits(rt, _render(_error(429, *default_error(429))))
            charge = rt.credits.charge(
                call_cost(method, path, payload), rt.state.now(), knobs.credit_allowance
            )
            if charge is None:  # the day's credits are spent: refused, and free
                rt.stats.throttled += 1
                return _with_credits(rt, _render(_error(429, *_CREDITS_SPENT)))
            rt.stats.in_flight += 1
            rt.heavy_in_flight += heavy
            rt.stats.max_in_flight = max(rt.stats.max_in_flight, rt.stats.in_flight)
            slow = rt.faults.take(method, path, slow=True)
            fault = rt.faults.take(method, path, slow=False)
        try:
            if slow is not None:  # a slow Zoho: the work itself is late
                await anyio.sleep(slow.seconds)
            if fault is not None:
                response = _fault_response(fault, rt.over_socket)
            else:
                with rt.state.lock:
                    dispatch = partial(self._dispatch, request, body, payload)
                    reply, outgoing = collect_notifications(
                        rt.state, dispatch, rt.state.oauth.api_domain
                    )
                response = _render(reply)
                if outgoing:  # delivered once the answer is sent, as Zoho does
                    response.background = BackgroundTask(deliver, watch_of(rt.state), outgoing)
            with rt.state.lock:
                if response.status_code in _NOT_CHARGED:  # refused before any work
                    rt.credits.refund(charge)
                response = _with_credits(rt, response)
            # The latency comes after the work. The work runs on this one thread, so calls that
            # arrive together queue for it; each then waits out its own latency, and the calls
            # drift apart. Were the latency first, a batch would wake at once and stay in
            # lock-step, the fake's CPU time adding to every call's latency.
            if knobs.latency > 0:
                await anyio.sleep(knobs.latency)
            return response
        finally:
            with rt.state.lock:
                rt.stats.in_flight -= 1
                rt.heavy_in_flight -= heavy

    def _dispatch(self, request: Request, body: bytes, payload: Any) -> Reply:
        """Route, authenticate and run one CRM API call (under the state lock)."""
        parts = _segments(request)
        routes, prefix = _API_ROUTES, "/crm/{version}"
        if parts[1:2] == ["bulk"]:  # /crm/bulk/{version}/...: Zoho's bulk APIs
            parts, routes, prefix = parts[1:], _BULK_ROUTES, "/crm/bulk/{version}"
        elif parts[1:2] == ["crm"]:  # /{version}/crm/...: files on the download host
            parts, routes, prefix = ["crm", *parts[:1], *parts[2:]], _DOWNLOAD_ROUTES, "/{v}/crm"
        segments, version = parts[2:], parts[1:2]
        route, params = routes.match(segments)
        template = f"{prefix}{route.template}" if route else "<unmatched>"
        self.rt.stats.by_route[f"{request.method} {template}"] += 1
        try:
            if not version or version[0] not in API_VERSIONS:
                raise _url_pattern()
            user = self._authenticate(request, route)
            if route is None:
                raise _url_pattern()
            handler = route.methods.get(request.method)
            if handler is None:
                raise ApiError(
                    400,
                    "INVALID_REQUEST_METHOD",
                    "The http request method type is not a valid one",
                )
            call = Call(
                method=request.method,
                version=version[0],
                path=params,
                query=dict(request.query_params),
                headers=request.headers,
                body=body,
                user=user,
                payload=payload,
            )
            return handler(self.rt.state, call)
        except ApiError as error:
            return Reply(error.status, error.envelope())

    def _authenticate(self, request: Request, route: ApiRoute | None) -> dict[str, Any]:
        query = request.query_params
        if route is not None and route.api_key is not None and query.get("auth_type") == "apikey":
            user = route.api_key(self.rt.state, query.get("zapikey", ""))
            if user is None:
                raise ApiError(401, "INVALID_API_KEY", "the API key given seems to be invalid")
            return user
        token = _bearer(request)
        if token is None:
            raise ApiError(401, "AUTHENTICATION_FAILURE", "Authentication failed")
        state = self.rt.state
        access = state.oauth.authenticate(token)
        user = state.directory.by_email(access.user_email) if access else None
        if access is None or user is None:
            raise ApiError(401, "INVALID_TOKEN", "invalid oauth token")
        if route is not None and not _has_scope(access.scopes, route.scope):
            raise ApiError(401, "OAUTH_SCOPE_MISMATCH", "Unauthorized")
        return user


def _segments(request: Request) -> list[str]:
    """The path's segments, each decoded on its own: an escaped ``/`` (``%2F``) in an
    external id stays inside its segment."""
    raw = request.scope.get("raw_path")
    if not isinstance(raw, bytes):
        return request.url.path.strip("/").split("/")
    return [unquote(part) for part in raw.decode("latin-1").strip("/").split("/")]


def _url_pattern() -> ApiError:
    return ApiError(
        404, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"
    )


def _has_scope(scopes: tuple[str, ...], family: str) -> bool:
    """``ZohoCRM.modules.ALL`` or e.g. ``ZohoCRM.modules.leads.READ`` grant ``ZohoCRM.modules``."""
    prefix = family.lower() + "."
    return any(s.lower().startswith(prefix) or s.lower() == "zohocrm.all" for s in scopes)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.startswith(_AUTH_PREFIX) or not header[len(_AUTH_PREFIX) :].strip():
        return None
    return header[len(_AUTH_PREFIX) :].strip()


async def _oauth_params(request: Request) -> dict[str, str]:
    """Token-endpoint parameters from the query string and/or a form body."""
    params = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        body = (await request.body()).decode("utf-8", "replace")
        params.update(parse_qsl(body, keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        form: FormData = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


class _CountingApp:
    """Counts every HTTP request (but the control endpoints') before handing it to starlette."""

    def __init__(self, runtime: Runtime, app: ASGIApp) -> None:
        self.rt = runtime
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(CONTROL_PREFIX):
            with self.rt.state.lock:
                self.rt.stats.requests += 1
        await self.app(scope, receive, send)


def build_app(runtime: Runtime) -> ASGIApp:
    """The ASGI app serving the accounts server, the CRM API and the control endpoints."""
    endpoints = _Endpoints(runtime)
    routes = [
        *control_routes(Control(runtime)),
        Route("/oauth/v2/auth", partial(authorize, runtime), methods=["GET"]),
        Route("/oauth/v2/token", endpoints.token, methods=["POST"]),
        Route("/oauth/v2/token/revoke", endpoints.revoke, methods=["POST"]),
        Route("/oauth/user/info", endpoints.user_info, methods=["GET"]),
        Route("/crm/{rest:path}", endpoints.api, methods=_ALL_METHODS),
        # The download host's files (exported audit logs, backups), served here too.
        Route("/{version}/crm/{rest:path}", endpoints.api, methods=_ALL_METHODS),
    ]
    return _CountingApp(runtime, Starlette(routes=routes))

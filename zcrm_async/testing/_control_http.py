"""The control endpoints under ``/__fake__/``: the fake's knobs for any process or language.

They need no token and are not counted as API traffic. Bodies and answers are JSON; a bad
request gets 400 ``{"error": "<what is wrong and what to send>"}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._control import DEFAULT_SCOPES, Control
from ._faults import FAULT_KINDS, Fault
from ._json import decode_body

__all__ = ["CONTROL_PREFIX", "control_routes"]

CONTROL_PREFIX: Final = "/__fake__"
_FAULT_KEYS: Final = frozenset(
    {"kind", "times", "path", "method", "status", "code", "message", "retry_after", "seconds"}
)

Endpoint = Callable[[Request], Awaitable[Response]]


class _BadRequest(Exception):
    pass


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    body = decode_body(raw)
    if not isinstance(body, dict):
        raise _BadRequest("the body must be a JSON object")
    return body


def _user_and_scopes(body: dict[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    email = body.get("user_email")
    scopes = body.get("scopes", DEFAULT_SCOPES)
    if email is not None and not isinstance(email, str):
        raise _BadRequest("user_email must be a string (an e-mail address)")
    if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) for s in scopes):
        raise _BadRequest('scopes must be a list of scope names, e.g. ["ZohoCRM.modules.ALL"]')
    return email, tuple(scopes)


def _fault(body: dict[str, Any]) -> Fault:
    unknown = sorted(set(body) - _FAULT_KEYS)
    if unknown:
        raise _BadRequest(f"unknown key(s) {', '.join(unknown)}; known: {sorted(_FAULT_KEYS)}")
    kind = body.get("kind", "fail")
    if kind not in FAULT_KINDS:
        raise _BadRequest(f"kind must be one of {', '.join(FAULT_KINDS)}, got {kind!r}")
    try:
        return Fault(
            kind=kind,
            times=int(body.get("times", 1)),
            path=body.get("path"),
            method=body.get("method"),
            status=int(body.get("status", 500)),
            code=body.get("code"),
            message=body.get("message"),
            retry_after=None if body.get("retry_after") is None else float(body["retry_after"]),
            seconds=float(body.get("seconds", 0.0)),
        )
    except (TypeError, ValueError) as error:
        raise _BadRequest(
            f"times, status, retry_after and seconds must be numbers: {error}"
        ) from None


class _ControlEndpoints:
    def __init__(self, control: Control) -> None:
        self.control = control

    async def index(self, request: Request) -> Response:
        table = self.table()
        return JSONResponse(
            {"endpoints": [f"{' '.join(m)} {CONTROL_PREFIX}{p}" for p, m, _ in table]}
        )

    async def grant_codes(self, request: Request) -> Response:
        email, scopes = _user_and_scopes(await _body(request))
        code = self.control.issue_grant_code(scopes, email)
        return JSONResponse(
            {"code": code, "user_email": self.control.ensure_user(email)}, status_code=201
        )

    async def tokens(self, request: Request) -> Response:
        email, scopes = _user_and_scopes(await _body(request))
        return JSONResponse(self.control.issue_tokens(email, scopes), status_code=201)

    async def expire_tokens(self, request: Request) -> Response:
        return JSONResponse({"expired": self.control.expire_access_tokens()})

    async def knobs(self, request: Request) -> Response:
        if request.method == "PATCH":
            return JSONResponse(self.control.set_knobs(await _body(request)))
        return JSONResponse(self.control.knobs())

    async def faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.control.clear_faults()
            return Response(status_code=204)
        self.control.add_fault(_fault(await _body(request)))
        return Response(status_code=201)

    async def records(self, request: Request) -> Response:
        module = request.path_params["module"]
        if request.method == "GET":
            records = self.control.records(module)
            return JSONResponse({"count": len(records), "records": list(records.values())})
        body = await _body(request)
        owner = body.get("owner_email")
        if "count" in body:
            count = body["count"]
            if isinstance(count, bool) or not isinstance(count, int):
                raise _BadRequest("count must be a whole number of records to generate")
            ids = self.control.seed(module, count, owner)
        elif isinstance(body.get("records"), list):
            ids = self.control.add_records(module, body["records"], owner)
        else:
            raise _BadRequest('send {"count": N} to generate records or {"records": [{...}]}')
        return JSONResponse({"ids": ids}, status_code=201)

    async def stats(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.control.rt.stats.reset()
            return Response(status_code=204)
        return JSONResponse(self.control.stats())

    async def credits(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.control.reset_credits()
            return Response(status_code=204)
        return JSONResponse(attrs.asdict(self.control.credits()))

    async def reset(self, request: Request) -> Response:
        self.control.reset()
        return Response(status_code=204)

    def table(self) -> list[tuple[str, list[str], Endpoint]]:
        return [
            ("", ["GET"], self.index),
            ("/grant-codes", ["POST"], self.grant_codes),
            ("/tokens", ["POST"], self.tokens),
            ("/tokens/expire", ["POST"], self.expire_tokens),
            ("/knobs", ["GET", "PATCH"], self.knobs),
            ("/faults", ["POST", "DELETE"], self.faults),
            ("/records/{module}", ["GET", "POST"], self.records),
            ("/stats", ["GET", "DELETE"], self.stats),
            ("/credits", ["GET", "DELETE"], self.credits),
            ("/reset", ["POST"], self.reset),
        ]


def _guarded(endpoint: Endpoint) -> Endpoint:
    async def call(request: Request) -> Response:
        try:
            return await endpoint(request)
        except (_BadRequest, ValueError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)

    return call


def control_routes(control: Control) -> list[Route]:
    """The ``/__fake__/...`` routes acting on ``control``."""
    endpoints = _ControlEndpoints(control)
    return [
        Route(CONTROL_PREFIX + path, _guarded(endpoint), methods=methods)
        for path, methods, endpoint in endpoints.table()
    ]

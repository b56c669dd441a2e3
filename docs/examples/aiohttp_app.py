"""An aiohttp service on zcrm_async, the FastAPI example's twin: people log in with Zoho, then
list and create leads as themselves.

::

    pip install "zcrm_async[aiohttp,testing]"
    python docs/examples/aiohttp_app.py          # then open http://localhost:8000/

With no settings it runs offline against a FakeZohoCRM started with the app on a port of its
own; its consent page signs you in as its admin user at once. ``PORT`` (default 8000),
``ZOHO_ACCOUNT=real`` (your account, from the ``ZCRM_*`` variables; register the redirect URI
``http://localhost:8000/zoho/callback``) and ``APP_SECRET_KEY`` (required with a real account)
work as in the FastAPI example.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from html import escape

from aiohttp import web

import zcrm_async as zc
from zcrm_async.integrations.aiohttp import ZohoLogin, crm_context

PORT = int(os.environ.get("PORT", "8000"))
CALLBACK_PATH = "/zoho/callback"
SAMPLE_LEADS = [
    {"Last_Name": "Lovelace", "First_Name": "Ada", "Company": "Analytical Engines"},
    {"Last_Name": "Hopper", "First_Name": "Grace", "Company": "Compilers Inc"},
]

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


async def with_fake_zoho(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: a FakeZohoCRM on a socket (for the consent page) and the client."""
    from zcrm_async.testing import FakeZohoCRM

    fake = FakeZohoCRM(redirect_uri=f"http://localhost:{PORT}{CALLBACK_PATH}")
    fake.add_records("Leads", SAMPLE_LEADS)
    with fake.serve_in_thread():  # starts before the app serves: blocking briefly is harmless
        async with asynccontextmanager(crm_context(fake.config()))(app):
            yield


def create_app(zoho: CleanupContext, *, secret_key: str) -> web.Application:
    """The app; ``zoho`` puts the client on it while it runs (see ``crm_context``)."""
    login = ZohoLogin(
        secret_key,
        callback_path=CALLBACK_PATH,
        after_login="/",
        scopes=["ZohoCRM.modules.ALL", "ZohoCRM.users.READ", "AaaServer.profile.Read"],
    )

    async def home(request: web.Request) -> web.Response:
        user = login.user_email(request)
        if user is None:  # logging out lands here too
            body = f'<a href="{login.flow.login_path}">Log in with Zoho</a>'
        else:
            body = (
                f'Signed in as {escape(user)}. <a href="/leads">Your leads</a> '
                f'<form method="post" action="{login.flow.logout_path}">'
                "<button>Log out</button></form>"
            )
        return web.Response(
            text=f"<!doctype html><h1>Leads</h1><p>{body}</p>", content_type="text/html"
        )

    async def list_leads(request: web.Request) -> web.Response:
        crm = login.user_crm(request)
        page = await crm.records("Leads").list(fields=["Last_Name", "Email", "Company"])
        return web.json_response(
            [{"id": lead.id, "name": lead["Last_Name"]} for lead in page.items]
        )

    async def create_lead(request: web.Request) -> web.Response:
        crm = login.user_crm(request)
        lead = await request.json()
        if not isinstance(lead, dict) or not isinstance(lead.get("last_name"), str):
            raise web.HTTPBadRequest(text='send {"last_name": "...", "email": ..., "company": ...}')
        record = {
            "Last_Name": lead["last_name"],
            "Email": lead.get("email"),
            "Company": lead.get("company"),
        }
        outcome = (await crm.records("Leads").create([record]))[0]
        if not outcome.ok:  # Zoho refused this record: say why, as Zoho did
            return web.json_response({"code": outcome.code, "details": outcome.details}, status=422)
        created = await crm.records("Leads").get(str(outcome.id))
        return web.json_response({"id": created.id, "owner": created["Owner"]["email"]}, status=201)

    app = web.Application()
    app.cleanup_ctx.append(zoho)
    login.setup(app)  # GET /zoho/login, GET /zoho/callback, POST /zoho/logout
    app.router.add_get("/", home)
    app.router.add_get("/leads", list_leads)
    app.router.add_post("/leads", create_lead)
    return app


def app_from_env() -> web.Application:
    """The app as the environment describes it (see the module's docstring)."""
    account = os.environ.get("ZOHO_ACCOUNT", "fake")
    key = os.environ.get("APP_SECRET_KEY")
    if account == "fake":
        return create_app(with_fake_zoho, secret_key=key or secrets.token_urlsafe(32))
    if account != "real":
        raise SystemExit(f"ZOHO_ACCOUNT must be 'fake' or 'real', got {account!r}")
    if not key:
        raise SystemExit("ZOHO_ACCOUNT=real needs APP_SECRET_KEY: 32+ random characters")
    return create_app(crm_context(zc.Config.from_env()), secret_key=key)


if __name__ == "__main__":
    web.run_app(app_from_env(), host="127.0.0.1", port=PORT)

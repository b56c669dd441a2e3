"""A FastAPI service on zcrm_async: people log in with Zoho, then list and create leads as
themselves.

From the repository root (or with this file's folder as the working directory, then
``uvicorn fastapi_app:app``)::

    pip install "zcrm_async[fastapi,testing]"
    uvicorn docs.examples.fastapi_app:app          # then open http://localhost:8000/

With no settings it runs offline: a FakeZohoCRM starts with the app, on a port of its own, and
its consent page signs you in as its admin user at once. The environment chooses otherwise:

* ``PORT``: the port the app is reached on (default 8000). It is part of the redirect URI, so
  give uvicorn the same: ``PORT=9000 uvicorn docs.examples.fastapi_app:app --port 9000``.
* ``ZOHO_ACCOUNT=real``: your Zoho account instead of the fake, configured by ``ZCRM_*``
  variables (``ZCRM_CLIENT_ID``, ``ZCRM_CLIENT_SECRET``, ``ZCRM_DATA_CENTER``...; the client's
  registered redirect URI must be ``ZCRM_REDIRECT_URI=http://localhost:8000/zoho/callback``).
* ``APP_SECRET_KEY``: signs the session cookies; required with a real account (a random key
  per start does for the fake: sessions end when the app stops).

One ZohoCRM serves every request (one connection pool, one limiter); each request acts as the
logged-in user through ``crm.as_user(email)``; each user's tokens are persisted in the token
store (SQLite by default for a real account), so they survive restarts and serve background
jobs too.
"""

import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from html import escape
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

import zcrm_async as zc
from zcrm_async.integrations.fastapi import ZohoLogin, crm_lifespan

PORT = int(os.environ.get("PORT", "8000"))
CALLBACK_PATH = "/zoho/callback"
SAMPLE_LEADS = [
    {"Last_Name": "Lovelace", "First_Name": "Ada", "Company": "Analytical Engines"},
    {"Last_Name": "Hopper", "First_Name": "Grace", "Company": "Compilers Inc"},
]

#: Where Zoho is: an async context manager that yields the client's Config while the app runs.
ZohoAccount = Callable[[], AbstractAsyncContextManager[zc.Config]]


@asynccontextmanager
async def fake_zoho() -> AsyncIterator[zc.Config]:
    """A FakeZohoCRM on a socket of its own (the browser visits its consent page)."""
    from zcrm_async.testing import FakeZohoCRM

    fake = FakeZohoCRM(redirect_uri=f"http://localhost:{PORT}{CALLBACK_PATH}")
    fake.add_records("Leads", SAMPLE_LEADS)
    with ExitStack() as stack:  # starting and stopping the server block: off the event loop
        url = await anyio.to_thread.run_sync(stack.enter_context, fake.serve_in_thread())
        print(f"Zoho is a FakeZohoCRM at {url}; open http://localhost:{PORT}/", flush=True)
        try:
            yield fake.config()
        finally:
            await anyio.to_thread.run_sync(stack.close)


@asynccontextmanager
async def real_zoho() -> AsyncIterator[zc.Config]:
    """Your Zoho account, from the ZCRM_* environment variables."""
    yield zc.Config.from_env()


class NewLead(BaseModel):
    last_name: str
    email: str | None = None
    company: str | None = None


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Leads</title></head>
<body><h1>Leads</h1>{body}</body></html>"""


def create_app(zoho: ZohoAccount, *, secret_key: str, **client_options: Any) -> FastAPI:
    """The app; ``client_options`` go to ZohoCRM (tests pass ``transport=``)."""
    login = ZohoLogin(
        secret_key,
        callback_path=CALLBACK_PATH,
        after_login="/",
        scopes=["ZohoCRM.modules.ALL", "ZohoCRM.users.READ", "AaaServer.profile.Read"],
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with zoho() as config, crm_lifespan(config, **client_options)(app):
            yield

    app = FastAPI(title="Leads", lifespan=lifespan)
    app.include_router(login.router)  # GET /zoho/login, GET /zoho/callback, POST /zoho/logout
    UserCRM = Annotated[zc.ZohoCRM, Depends(login.user_crm)]

    @app.get("/", response_class=HTMLResponse)
    async def home(user: Annotated[str | None, Depends(login.user_email)]) -> str:
        if user is None:
            body = f'<p><a href="{login.flow.login_path}">Log in with Zoho</a></p>'
        else:  # logging out lands here too
            body = (
                f"<p>Signed in as {escape(user)}.</p>"
                '<p><a href="/leads">Your leads</a> (JSON; POST a lead there to create one)</p>'
                f'<form method="post" action="{login.flow.logout_path}">'
                "<button>Log out</button></form>"
            )
        return PAGE.format(body=body)

    @app.get("/leads")
    async def list_leads(crm: UserCRM) -> list[dict[str, Any]]:
        page = await crm.records("Leads").list(fields=["Last_Name", "Email", "Company"])
        return [{"id": lead.id, "name": lead["Last_Name"]} for lead in page.items]

    @app.post("/leads", status_code=201)
    async def create_lead(lead: NewLead, crm: UserCRM) -> dict[str, Any]:
        record = {"Last_Name": lead.last_name, "Email": lead.email, "Company": lead.company}
        result = await crm.records("Leads").create([record])
        outcome = result[0]
        if not outcome.ok:  # Zoho refused this record: say why, as Zoho did
            raise HTTPException(422, detail={"code": outcome.code, "details": outcome.details})
        created = await crm.records("Leads").get(str(outcome.id))
        return {"id": created.id, "owner": created["Owner"]["email"]}

    return app


def app_from_env() -> FastAPI:
    """The app as the environment describes it (see the module's docstring)."""
    account = os.environ.get("ZOHO_ACCOUNT", "fake")
    if account == "fake":
        key = os.environ.get("APP_SECRET_KEY") or secrets.token_urlsafe(32)
        return create_app(fake_zoho, secret_key=key)
    if account == "real":
        key = os.environ.get("APP_SECRET_KEY")
        if not key:
            raise SystemExit("ZOHO_ACCOUNT=real needs APP_SECRET_KEY: 32+ random characters")
        return create_app(real_zoho, secret_key=key)
    raise SystemExit(f"ZOHO_ACCOUNT must be 'fake' or 'real', got {account!r}")


app = app_from_env()

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=PORT)

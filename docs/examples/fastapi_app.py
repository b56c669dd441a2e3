"""A FastAPI service on zcrm_async: people log in with Zoho, then list and create leads as
themselves.

    export ZCRM_CLIENT_ID=... ZCRM_CLIENT_SECRET=... \
           ZCRM_REDIRECT_URI=http://localhost:8000/zoho/callback APP_SECRET_KEY=...
    python fastapi_app.py            # then open http://localhost:8000/

One ZohoCRM serves every request (one connection pool, one limiter); each request acts as the
logged-in user through ``crm.as_user(email)``; each user's tokens are persisted in the token
store (SQLite by default), so they survive restarts and serve background jobs too.
"""

import os
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel

import zcrm_async as zc
from zcrm_async.integrations.fastapi import ZohoLogin, crm_lifespan


class NewLead(BaseModel):
    last_name: str
    email: str | None = None
    company: str | None = None


def create_app(config: zc.Config, *, secret_key: str, **client_options: Any) -> FastAPI:
    """The app; ``client_options`` go to ZohoCRM (tests pass ``transport=``)."""
    login = ZohoLogin(
        secret_key,
        callback_path=urlsplit(config.redirect_uri).path,
        after_login="/leads",
        scopes=["ZohoCRM.modules.ALL", "ZohoCRM.users.READ", "AaaServer.profile.Read"],
    )
    app = FastAPI(title="Leads", lifespan=crm_lifespan(config, **client_options))
    app.include_router(login.router)
    UserCRM = Annotated[zc.ZohoCRM, Depends(login.user_crm)]

    @app.get("/")
    async def home(user: Annotated[str | None, Depends(login.user_email)]) -> dict[str, Any]:
        if user is None:
            return {"login": login.flow.login_path}
        return {"user": user, "leads": "/leads"}

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


if __name__ == "__main__":
    import uvicorn

    application = create_app(zc.Config.from_env(), secret_key=os.environ["APP_SECRET_KEY"])
    uvicorn.run(application, host="127.0.0.1", port=8000)

"""``python -m zcrm_async demo``: the SDK end to end, offline, against the fake Zoho CRM."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio

from ._client import ZohoCRM
from ._config import Config

__all__ = ["run_demo"]


def _say(step: str, text: str) -> None:
    print(f"[{step:>7}] {text}")


async def demo(sqlite_path: Path) -> None:
    """Run the classic SDKs' steps: generate tokens, persist them, call the API, survive expiry."""
    from .testing import FakeZohoCRM  # the fake needs the 'testing' extra

    fake = FakeZohoCRM()
    config = Config(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        redirect_uri=fake.redirect_uri,
        accounts_url=fake.base_url,
        sqlite_path=str(sqlite_path),
        allow_untrusted_hosts=True,  # the in-process fake answers on plain http
    )
    _say("setup", f"fake Zoho CRM in-process at {fake.base_url}; tokens go to {sqlite_path}")
    async with ZohoCRM(config, transport=fake.transport()) as crm:
        grant = fake.issue_grant_code()
        tokens = await crm.oauth.generate_access_token(grant)
        _say("oauth", f"grant token exchanged for {tokens.user_email} (user looked up from Zoho)")
        generated = await crm.oauth.is_token_generated()
        _say("oauth", f"is_token_generated() -> {generated}; api_domain {tokens.api_domain}")

        me = await crm.users.current()
        org = await crm.org.get()
        _say(
            "users",
            f"current user: {me.full_name} <{me.email}>, role {me.role.name if me.role else None}",
        )
        _say("org", f"org: {org.company_name} (zgid {org.zgid})")

        leads = crm.records("Leads")
        created = await leads.create(
            [
                {"Last_Name": "Lovelace", "First_Name": "Ada", "Email": "ada@example.com"},
                {"Last_Name": "Hopper", "First_Name": "Grace", "Company": "Navy"},
                {"First_Name": "Nameless"},  # no Last_Name: Zoho rejects this one record
            ]
        )
        for result in created:
            outcome = f"id {result.id}" if result.ok else f"{result.code} {result.details}"
            _say("create", f"record #{result.index}: {result.status} {outcome}")

        first_id = created[0].id
        assert first_id is not None
        lead = await leads.get(first_id)
        _say("read", f"{lead.id}: {lead['First_Name']} {lead['Last_Name']} <{lead['Email']}>")

        updated = await leads.update([{"id": first_id, "Company": "Analytical Engines Ltd"}])
        lead = await leads.get(first_id)
        _say("update", f"{updated[0].message}: Company is now {lead['Company']!r}")

        names = [r["Last_Name"] async for r in leads.list(fields=["Last_Name", "Email"])]
        _say("list", f"{len(names)} leads: {', '.join(names)}")

        fake.expire_access_tokens()
        mints_before = fake.stats.token_mints
        count = await leads.count()
        _say(
            "refresh",
            f"access token expired server-side; the next call refreshed it "
            f"({fake.stats.token_mints - mints_before} mint) and counted {count} leads",
        )

        deleted = await leads.delete([r.id for r in created if r.ok and r.id])
        _say("delete", f"{len(deleted.succeeded)} deleted; {await leads.count()} leads left")
    _say("done", f"{fake.stats.requests} HTTP requests, {fake.stats.token_mints} token mints")


def run_demo(sqlite_path: str | None = None) -> None:
    """Run :func:`demo` (in a temporary folder unless ``sqlite_path`` is given)."""
    if sqlite_path:
        anyio.run(demo, Path(sqlite_path))
        return
    with tempfile.TemporaryDirectory(prefix="zcrm_demo_") as folder:
        anyio.run(demo, Path(folder) / "tokens.sqlite3")

"""Scenario steps for record options and extras and for notifications: read filters and write
options, external ids, rich text, related counts, locks, sharing, contact roles and channels.

Rich text (v6 on) and related counts (v8) are not served before their versions: the steps
call them on v8 only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING

import zcrm_async as zc

if TYPE_CHECKING:
    from ._scenario import Context

__all__ = ["STEPS"]


async def contact_roles(ctx: Context) -> None:
    roles = ctx.crm.contact_roles
    existing = await roles.list()
    await roles.get(existing[0].id)
    made = await roles.create(
        [{"name": "Champion", "sequence_number": 20}, {"name": "Sponsor"}, {"name": "Ally"}]
    )
    await roles.create([{"name": ""}])  # MANDATORY_NOT_FOUND: a 400 with the role's error
    champion, sponsor, ally = made.ids
    await roles.update([{"id": champion, "sequence_number": 21}, {"id": ally, "name": "Allies"}])
    await roles.update([{"id": champion, "name": "Champion (renamed)"}])  # /Contacts/roles/{id}
    await roles.delete([sponsor])  # /Contacts/roles/{id}
    await roles.delete([champion, ally])


async def external_ids(ctx: Context) -> None:
    ctx.fake.add_field("Leads", "External_Lead_ID", "external")
    ctx.fake.add_field("Products", "External_Product_ID", "external")
    leads = ctx.crm.records("Leads").by_external("External_Lead_ID")
    await leads.create([{"Last_Name": "Outside", "External_Lead_ID": "ERP-1"}])
    await leads.get("ERP-1", fields=["Last_Name", "External_Lead_ID"])
    await leads.update("ERP-1", {"Company": "Outside Ltd"})
    await leads.update_many([{"External_Lead_ID": "ERP-1", "Phone": "+1 555 0101"}])
    await leads.upsert(
        [
            {"Last_Name": "Outside", "External_Lead_ID": "ERP-1"},
            {"Last_Name": "Inside", "External_Lead_ID": "ERP-2"},
        ]
    )
    await ctx.crm.records("Products").create(
        [
            {"Product_Name": "Gadget", "External_Product_ID": "P-1"},
            {"Product_Name": "Gizmo", "External_Product_ID": "P-2"},
        ]
    )
    by_product = {"related_field": "External_Product_ID"}
    await leads.add_related("ERP-1", "Products", ["P-1", "P-2"], **by_product)
    [r async for r in leads.related("ERP-1", "Products", fields=["Product_Name"])]
    await leads.remove_related("ERP-1", "Products", ["P-1"], **by_product)
    await leads.add_related("ERP-1", "Products", ["P-1"], **by_product)
    await leads.remove_related("ERP-1", "Products", ["P-1", "P-2"], **by_product)
    await leads.delete(["ERP-2"])
    await leads.delete(["ERP-1", "ERP-404"])


async def notifications(ctx: Context) -> None:
    watch = ctx.crm.notifications
    url = "https://hooks.example.com/zoho/notifications?source=contract"
    await watch.enable(
        4001,
        ["Leads.all", "Contacts.create"],
        url,
        token="contract-token",
        expiry=timedelta(hours=2),
    )
    [c async for c in watch.list()]
    [c async for c in watch.list(channel_id=4001, module="Leads")]
    await watch.update_info(4001, expiry=timedelta(hours=3), return_affected_field_values=True)
    await watch.remove_events(4001, ["Contacts.create"])
    await watch.update(4001, ["Deals.edit"], url, token="contract-token")
    async with watch.keep_alive(
        4002,
        ["Leads.create"],
        url,
        token="kept",
        lifetime=timedelta(minutes=5),
        renew_before=timedelta(minutes=1),
    ):
        pass
    await watch.disable([4001])
    await watch.disable([4999])  # NOT_SUBSCRIBED: the channel's error in the answer


async def record_extras(ctx: Context) -> None:
    crm = ctx.crm
    leads = crm.records("Leads")
    lead = ctx.ids["leads"][0]
    locks = leads.locks(lead)
    locked = await locks.lock(reason="contract check")
    await leads.update([{"id": lead, "Company": "Locked Ltd"}])  # RECORD_LOCKED
    [lock async for lock in locks.list()]
    await locks.get(locked.id)
    await locks.update(locked.id, reason="contract check, still")
    await locks.unlock(locked.id)
    ctx.fake.add_user("sharer@example.com")
    sharing = leads.sharing(lead)
    [someone, *_] = await sharing.shareable_users()
    await sharing.share([someone.id], permission="read_write")
    await sharing.list()
    await sharing.update([someone.id], permission="full_access", notify=False)
    await sharing.revoke()
    if ctx.crm.config.api_version == "v8":  # both arrived after v2
        ctx.fake.add_field("Leads", "Long_Notes", "rich_text")
        await leads.update([{"id": lead, "Long_Notes": "<p>A <b>long</b> story</p>"}])
        await leads.rich_text(lead)
        await leads.rich_text(lead, fields=["Long_Notes"])
        await leads.rich_text_many(ctx.ids["leads"], fields=["Long_Notes"])
        await leads.related_count(lead, ["Notes", "Attachments", "Products"])
        with suppress(zc.APIError):  # an error item among the counts
            await leads.related_count(lead, ["Notes", "No_Such_List"])


async def record_options(ctx: Context) -> None:
    leads = ctx.crm.records("Leads")
    ids = ctx.ids["leads"]
    await leads.list(fields=["Last_Name"], ids=ids, converted="both", approved=True)
    await leads.list(fields=["Last_Name"], converted=False, territory_id="5725767000000600001")
    await leads.get(ids[0], fields=["Last_Name"], converted="both", approved="both")
    await leads.get_many(ids, fields=["Last_Name", "Email"])
    await leads.create(
        [{"Last_Name": "Options"}],
        trigger=["workflow", "approval"],
        lar_id="5725767000000700001",
        process=["review_process"],
        apply_feature_execution=["layout_rules"],
        skip_feature_execution=["cadences"],
    )
    await leads.update([{"id": ids[0], "Company": "Options Ltd"}], trigger=[])
    await leads.upsert(
        [{"Last_Name": "Contract", "Email": "contract@example.com"}],
        duplicate_check_fields=["Email"],
        skip_feature_execution=["cadences"],
    )


STEPS: tuple[tuple[str, Callable[[Context], Awaitable[None]]], ...] = (
    ("records: read filters and write options", record_options),
    ("records: external ids", external_ids),
    ("records: rich text, counts, locks, sharing", record_extras),
    ("contact roles", contact_roles),
    ("notifications", notifications),
)

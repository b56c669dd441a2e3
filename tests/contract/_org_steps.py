"""Scenario steps for the org's set-up and clean-up: currencies, pipelines, territories, user
groups, ownership, mass delete, the recycle bin, merge and mass convert.

On API versions before v4 the endpoints Zoho added in v4 (user groups, mass change owner, mass
delete, mass convert) must answer ``API_NOT_SUPPORTED``; the steps check that instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import zcrm_async as zc

if TYPE_CHECKING:
    from ._scenario import Context

__all__ = ["ORG_STEPS"]

T = TypeVar("T")

_POLL = zc.PollPolicy(interval=0.001, max_interval=0.005, timeout=10.0)


def _v4(ctx: Context) -> bool:
    major = ctx.crm.config.api_version.lstrip("v").partition(".")[0]
    return int(major) >= 4


async def _since_v4(ctx: Context, call: Callable[[], Awaitable[T]]) -> T | None:
    """``await call()`` on v4+; before v4, the call must fail with ``API_NOT_SUPPORTED``."""
    if _v4(ctx):
        return await call()
    try:
        await call()
    except zc.APIError as error:
        assert error.code == "API_NOT_SUPPORTED", error
        return None
    raise AssertionError("an endpoint Zoho added in v4 answered on an older version")


async def _currencies(ctx: Context) -> None:
    currencies = ctx.crm.currencies
    offered = await currencies.available()
    assert any(c.iso_code == "EUR" for c in offered)
    assert await currencies.list() == []
    made = await currencies.enable({"iso_code": "USD", "name": "US Dollar", "symbol": "$"})
    base = await currencies.base()
    assert base.id == made.id and base.rate == 1
    created = await currencies.create(
        [
            {
                "iso_code": "EUR",
                "exchange_rate": Decimal("0.92"),
                "format": {"decimal_places": "2"},
            },
            {"iso_code": "GBP", "exchange_rate": 0.79},
            {"iso_code": "EUR", "exchange_rate": 1},  # DUPLICATE_DATA: a 207 answer
        ]
    )
    assert [r.ok for r in created] == [True, True, False]
    eur, gbp = created.ids[0], created.ids[1]
    await currencies.get(eur or "")
    await currencies.update([{"id": eur, "exchange_rate": Decimal("0.93")}])
    await currencies.update([{"id": eur, "symbol": "EUR"}, {"id": gbp, "is_active": False}])
    await currencies.set_rate(gbp or "", "0.8")
    await currencies.update_base({"symbol": "US$"})
    assert len(await currencies.list()) == 3


async def _pipelines(ctx: Context) -> None:
    crm = ctx.crm
    [layout] = await crm.modules.layouts("Deals")
    pipelines = crm.pipelines
    [standard] = await pipelines.list(layout.id or "")
    await pipelines.get(layout.id or "", standard.id or "")
    stages = {s.display_value: s.id for s in standard.stages}
    made = await pipelines.create(
        layout.id or "",
        [
            {
                "display_value": "Enterprise",
                "maps": [
                    {"display_value": "Qualification", "sequence_number": 1},
                    {"display_value": "Closed Won", "sequence_number": 2},
                ],
            },
            {"display_value": "Spare", "maps": [{"display_value": "Qualification"}]},
        ],
    )
    enterprise, spare = made.ids
    await pipelines.update(layout.id or "", [{"id": spare, "display_value": "Spare 2"}])
    await pipelines.update(
        layout.id or "",
        [{"id": spare, "display_value": "Spare"}, {"id": enterprise, "default": False}],
    )
    await pipelines.transfer(
        layout.id or "",
        standard.id or "",
        enterprise or "",
        {stages["Qualification"] or "": stages["Qualification"] or ""},
    )
    await pipelines.delete(layout.id or "", spare or "")


async def _territories(ctx: Context) -> None:
    crm = ctx.crm
    territories = crm.territories
    [root] = [t async for t in territories.list()]
    await territories.get(root.id or "")
    made = await territories.create(
        [
            {"name": "EMEA", "reporting_to": {"id": root.id}, "permission_type": "read_only"},
            {"name": "APAC", "reporting_to": {"id": root.id}},
            {"name": "Iberia", "reporting_to": {"id": root.id}},
            {"name": "Nordics", "reporting_to": {"id": root.id}},
        ]
    )
    emea, apac, iberia, nordics = (i or "" for i in made.ids)
    ctx.ids["territory"] = emea
    [t async for t in territories.children(root.id or "")]
    await territories.update([{"id": emea, "description": "Europe, Middle East, Africa"}])
    await territories.update(
        [
            {"id": iberia, "reporting_to": {"id": emea}},
            {"id": nordics, "manager": {"id": ctx.ids["user"]}},
        ]
    )
    me = ctx.ids["user"]
    other = ctx.fake.add_user("terry.territory@example.com")["id"]
    await territories.add_users(emea, me)
    await territories.add_users(emea, [me, other])
    await territories.users(emea)
    await territories.user(emea, me)
    await territories.remove_users(emea, other)
    await territories.remove_users(emea, [other, me])
    await territories.assign_to_user(me, [emea, apac])
    await territories.of_user(me)
    await territories.of_user_one(me, emea)
    await territories.remove_from_user(me, apac)
    await territories.assign_to_user(me, nordics)
    await territories.remove_from_user(me, [apac, nordics])  # apac already out: a 207 answer
    await territories.associated_users_count()
    accounts = crm.records("Accounts")
    made_accounts = await accounts.create(
        [{"Account_Name": "Terra 1"}, {"Account_Name": "Terra 2"}]
    )
    first, second = (i or "" for i in made_accounts.ids)
    await accounts.assign_territories(first, [emea, apac])
    await accounts.assign_territories([first, second], nordics)
    await accounts.remove_territories(first, apac)
    await accounts.remove_territories([first, second], nordics)
    await territories.transfer_and_delete({nordics: emea})
    spare = await territories.create(
        [{"name": f"Spare {n}", "reporting_to": {"id": root.id}} for n in range(4)]
    )
    one, two, three, four = (i or "" for i in spare.ids)
    await territories.transfer_and_delete({one: emea, two: emea}, delete_previous_forecasts=True)
    await territories.delete(three)
    await territories.delete([four, apac])
    await territories.deleted()


async def _user_groups(ctx: Context) -> None:
    groups = ctx.crm.user_groups
    me = ctx.ids["user"]

    async def run() -> None:
        made = await groups.create(
            [
                {
                    "name": "Deal desk",
                    "description": "Approves discounts",
                    "sources": [
                        {"type": "users", "source": {"id": me}},
                        {"type": "roles", "source": {"id": ctx.ids["role"]}, "subordinates": True},
                        {"type": "territories", "source": {"id": ctx.ids["territory"]}},
                    ],
                },
                {"name": "Spare desk", "sources": [{"type": "users", "source": {"id": me}}]},
            ]
        )
        desk, spare = (i or "" for i in made.ids)
        [g async for g in groups.list()]
        await groups.get(desk)
        await groups.update([{"id": desk, "description": "Approves discounts (EMEA)"}])
        await groups.update([{"id": desk, "name": "Deal desk"}, {"id": spare, "name": "Spare"}])
        [s async for s in groups.sources(desk)]
        await groups.sources_count(desk)
        await groups.associations(desk)
        await groups.associated_users_count()
        await groups.grouped_counts(desk)
        [g async for g in groups.of_user(me)]
        deleted = await groups.delete(spare)
        await groups.deletion_status(deleted.details["job_id"])

    await _since_v4(ctx, run)


async def _ownership(ctx: Context) -> None:
    crm = ctx.crm
    leads = crm.records("Leads")
    owner = ctx.fake.add_user("olive.owner@example.com")["id"]
    made = await leads.create([{"Last_Name": "Owned 1"}, {"Last_Name": "Owned 2"}])
    first, second = (i or "" for i in made.ids)
    await leads.change_owner(first, owner, notify=True, related_modules=["Tasks"])
    await leads.change_owner([first, second], ctx.ids["user"])
    views = await crm.modules.custom_views("Leads")
    mine = next(v.id for v in views if v.system_name == "MYVIEWS")

    async def mass() -> None:
        job = await leads.mass_change_owner(
            owner, cvid=mine or "", territory_id=ctx.ids["territory"]
        )
        await leads.mass_change_owner_status(job)
        await leads.wait_for_job("mass_change_owner", job, poll=_POLL)

    await _since_v4(ctx, mass)


async def _cleanup(ctx: Context) -> None:
    crm = ctx.crm
    vendors = crm.records("Vendors")
    made = await vendors.create([{"Vendor_Name": f"Vendor {n}"} for n in range(6)])
    ids: list[Any] = made.ids

    async def mass() -> None:
        await vendors.mass_delete(ids=ids[:2])
        views = await crm.modules.custom_views("Vendors")
        everything = next(v.id for v in views if v.system_name == "ALLVIEWS")
        job = await vendors.mass_delete(cvid=everything or "")
        await vendors.mass_delete_status(job)

    if await _since_v4(ctx, mass) is None and not _v4(ctx):
        await vendors.delete(ids)
    bin_ = crm.recycle_bin
    listed = [
        r async for r in bin_.list(module="Vendors", sort_by="display_name", sort_order="asc")
    ]
    assert len(listed) == 6
    [
        r
        async for r in bin_.list(
            filters={
                "field": {"api_name": "display_name"},
                "comparator": "contains",
                "value": "Vendor",
            }
        )
    ]
    await bin_.get(ids[0])
    await bin_.restore(ids[0])
    await bin_.restore(ids[1:3])
    await bin_.delete(ids[3])
    await bin_.delete(ids[4:])
    await bin_.empty()
    leads = crm.records("Leads")
    twins = await leads.create(
        [
            {"Last_Name": "Twin", "Email": "twin.one@example.com"},
            {"Last_Name": "Twin", "Email": "twin.two@example.com", "Phone": "+1 555 0111"},
        ]
    )
    master, duplicate = (i or "" for i in twins.ids)
    merged = await leads.merge(master, duplicate, take={"Phone": duplicate})
    await leads.merge_status(master, merged.details["job_id"])
    await leads.merge_status(master)
    converting = await leads.create(
        [{"Last_Name": f"Mass {n}", "Company": f"Mass Co {n}"} for n in range(3)]
    )

    async def convert() -> None:
        job = await leads.mass_convert(
            converting.ids,  # type: ignore[arg-type]
            deal={"Deal_Name": "Mass deal", "Stage": "Qualification", "Closing_Date": "2030-01-01"},
            move_attachments_to="Contacts",
        )
        await leads.mass_convert_status(job)

    await _since_v4(ctx, convert)


ORG_STEPS: tuple[tuple[str, Callable[[Context], Awaitable[None]]], ...] = (
    ("currencies", _currencies),
    ("pipelines", _pipelines),
    ("territories", _territories),
    ("user groups", _user_groups),
    ("ownership", _ownership),
    ("clean-up", _cleanup),
)

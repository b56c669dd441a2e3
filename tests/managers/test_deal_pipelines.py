"""``crm.pipelines``: the pipelines of the Deals layout, stages, transfer, delete
(managers/pipelines.py)."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM
from zcrm_async.testing._metadata import DEAL_STAGES

pytestmark = pytest.mark.anyio

#: The Deals Stage picklist of the fake, in order: the default pipeline holds every value.
STAGES = DEAL_STAGES


async def _layout(crm: zc.ZohoCRM) -> str:
    [layout] = await crm.modules.layouts("Deals")
    return layout.id or ""


async def test_the_layout_starts_with_a_default_pipeline_of_every_stage(
    any_crm: zc.ZohoCRM,
) -> None:
    layout = await _layout(any_crm)
    [standard] = await any_crm.pipelines.list(layout)
    assert (standard.display_value, standard.default) == ("Standard", True)
    assert [s.display_value for s in standard.stages] == list(STAGES)
    assert [s.sequence_number for s in standard.stages] == list(range(1, 8))
    won = standard.stages[5]
    assert won.forecast_type == "Closed Won" and isinstance(won.forecast_category, zc.Lookup)
    assert (await any_crm.pipelines.get(layout, standard.id or "")).to_dict() == standard.to_dict()
    with pytest.raises(zc.EmptyResultError):
        await any_crm.pipelines.get(layout, "5725767000000999999")


async def test_create_update_and_per_item_errors(any_crm: zc.ZohoCRM) -> None:
    layout = await _layout(any_crm)
    made = await any_crm.pipelines.create(
        layout,
        [
            {
                "display_value": "Enterprise",
                "maps": [
                    {"display_value": "Qualification", "sequence_number": 1},
                    {"display_value": "Closed Won", "sequence_number": 2},
                ],
            },
            {"display_value": "standard", "maps": [{"display_value": "Qualification"}]},
            {"display_value": "Odd", "maps": [{"display_value": "Not a stage"}]},
            {"display_value": "No stages"},
        ],
    )
    assert [r.ok for r in made] == [True, False, False, False]
    assert [r.code for r in made.failed] == [
        "DUPLICATE_DATA",
        "INVALID_DATA",
        "MANDATORY_NOT_FOUND",
    ]
    enterprise = made.ids[0] or ""
    [renamed] = await any_crm.pipelines.update(
        layout, [{"id": enterprise, "display_value": "Enterprise deals", "default": True}]
    )
    assert renamed.ok
    pipelines = {p.display_value: p for p in await any_crm.pipelines.list(layout)}
    assert pipelines["Enterprise deals"].default is True
    assert pipelines["Standard"].default is False  # one default per layout
    assert [s.display_value for s in pipelines["Enterprise deals"].stages] == [
        "Qualification",
        "Closed Won",
    ]


async def test_transfer_moves_deals_then_the_emptied_pipeline_can_go(
    fake: FakeZohoCRM, any_crm: zc.ZohoCRM
) -> None:
    layout = await _layout(any_crm)
    [standard] = await any_crm.pipelines.list(layout)
    stage_ids = {s.display_value: s.id or "" for s in standard.stages}
    made = await any_crm.pipelines.create(
        layout,
        [
            {
                "display_value": "Renewals",
                "maps": [{"display_value": "Negotiation/Review"}, {"display_value": "Closed Won"}],
            }
        ],
    )
    renewals = made.ids[0] or ""
    deals = await any_crm.records("Deals").create(
        [
            {"Deal_Name": "Early", "Stage": "Qualification", "Closing_Date": "2030-01-01"},
            {"Deal_Name": "Late", "Stage": "Proposal/Price Quote", "Closing_Date": "2030-01-01"},
        ]
    )
    moved = await any_crm.pipelines.transfer(
        layout,
        standard.id or "",
        renewals,
        {stage_ids["Qualification"]: stage_ids["Negotiation/Review"]},
    )
    assert moved.ok and moved.details["job_id"]
    stored = fake.records("Deals")
    assert stored[deals.ids[0] or ""]["Stage"] == "Negotiation/Review"
    assert stored[deals.ids[1] or ""]["Stage"] == "Proposal/Price Quote"  # not mapped: stays
    with pytest.raises(zc.APIError) as busy:  # a deal is in it now
        await any_crm.pipelines.delete(layout, renewals)
    assert busy.value.status_code == 400
    with pytest.raises(zc.APIError):  # the default pipeline stays
        await any_crm.pipelines.delete(layout, standard.id or "")
    spare = (
        await any_crm.pipelines.create(
            layout, [{"display_value": "Spare", "maps": [{"display_value": "Qualification"}]}]
        )
    ).ids[0] or ""
    assert (await any_crm.pipelines.delete(layout, spare)).ok
    assert {p.display_value for p in await any_crm.pipelines.list(layout)} == {
        "Standard",
        "Renewals",
    }


async def test_a_layout_that_is_not_the_deals_one_is_refused(any_crm: zc.ZohoCRM) -> None:
    [leads_layout] = await any_crm.modules.layouts("Leads")
    with pytest.raises(zc.APIError) as refused:
        await any_crm.pipelines.list(leads_layout.id or "")
    assert refused.value.details == {"param_name": "layout_id"}


async def test_bad_input_is_refused_before_sending(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    sent = fake.stats.api_requests
    with pytest.raises(zc.InvalidArgumentError, match="layout id 'Deals' is not a Zoho id"):
        await crm.pipelines.list("Deals")
    with pytest.raises(zc.InvalidArgumentError, match="stages must map"):
        await crm.pipelines.transfer("1", "2", "3", {})
    with pytest.raises(zc.InvalidArgumentError, match="stage id 'Won'"):
        await crm.pipelines.transfer("1", "2", "3", {"Won": "4"})
    with pytest.raises(zc.InvalidArgumentError, match="permanent must be True or False"):
        await crm.pipelines.delete("1", "2", permanent="yes")  # type: ignore[arg-type]
    with pytest.raises(zc.InvalidArgumentError, match=r"pipeline\[0\]\['id'\]"):
        await crm.pipelines.update("1", [{"display_value": "No id"}])
    assert fake.stats.api_requests == sent

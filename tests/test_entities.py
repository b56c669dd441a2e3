"""Metadata/settings models: lookups as small objects, datetimes with offsets, lossless JSON."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zcrm_async as zc
from zcrm_async._entities import Entity

MODELS = [
    zc.Module,
    zc.Field,
    zc.Layout,
    zc.CustomView,
    zc.RelatedList,
    zc.Role,
    zc.Profile,
    zc.Variable,
    zc.VariableGroup,
    zc.Tax,
    zc.User,
]

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
json_values = st.recursive(
    json_scalars | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
datetimes = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
lookups = st.fixed_dictionaries(
    {"id": st.text("0123456789", min_size=1, max_size=19)},
    optional={"name": st.text(max_size=8), "api_name": st.text(max_size=8), "email": json_scalars},
)


def _keys(model: type[Entity]) -> list[str]:
    return [model.api_keys.get(f.name, f.name) for f in attrs.fields(model) if f.name != "data"]


@st.composite
def payloads(draw: st.DrawFn, model: type[Entity]) -> dict[str, Any]:
    """A JSON object with some of the model's keys (any JSON, lookups, datetimes) and extras."""
    keys = draw(st.lists(st.sampled_from(_keys(model)), unique=True))
    known = {key: draw(json_values | lookups | datetimes) for key in keys}
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=6), json_values, max_size=3))
    return {**extra, **known}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_round_trip_is_lossless(model: type[Entity], data: st.DataObject) -> None:
    payload = data.draw(payloads(model))
    entity = model.from_api(payload)
    assert entity.to_dict() == payload
    assert model.from_api(entity.to_dict()).to_dict() == payload


def test_lookups_are_small_objects_and_mappings() -> None:
    role = zc.Role.from_api(
        {"id": "2", "name": "Manager", "reporting_to": {"id": "1", "name": "CEO", "x": 1}}
    )
    boss = role.reporting_to
    assert isinstance(boss, zc.Lookup) and (boss.id, boss.name) == ("1", "CEO")
    assert boss["x"] == 1 and dict(boss) == {"id": "1", "name": "CEO", "x": 1}
    boss.name = "Chief"
    assert role.to_dict()["reporting_to"] == {"id": "1", "name": "Chief", "x": 1}
    role.reporting_to = {"id": "9"}  # type: ignore[assignment]
    assert isinstance(role.reporting_to, zc.Lookup)
    assert role.to_dict()["reporting_to"] == {"id": "9"}


def test_datetimes_keep_their_offsets() -> None:
    profile = zc.Profile.from_api({"id": "1", "created_time": "2023-05-10T01:10:47-07:00"})
    assert profile.created_time is not None
    assert profile.created_time.utcoffset() == timedelta(hours=-7)
    assert profile.to_dict()["created_time"] == "2023-05-10T01:10:47-07:00"
    profile.created_time += timedelta(hours=1)
    assert profile.to_dict()["created_time"] == "2023-05-10T02:10:47-07:00"
    odd = zc.Profile.from_api({"created_time": "yesterday"})
    assert odd.created_time is None and odd.to_dict() == {"created_time": "yesterday"}


def test_role_keys_map_to_zohos_suffixed_names() -> None:
    role = zc.Role.from_api({"created_by__s": {"id": "5", "name": "Admin"}})
    assert role.created_by is not None and role.created_by.name == "Admin"


def test_module_visibility_across_versions() -> None:
    assert zc.Module.from_api({"status": "visible"}).is_visible
    assert not zc.Module.from_api({"status": "user_hidden", "visible": True}).is_visible
    assert zc.Module.from_api({"visible": True}).is_visible
    assert not zc.Module.from_api({}).is_visible

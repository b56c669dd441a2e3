"""``POST /coql``: a COQL subset over the fake's records (see ``_coql``)."""

from __future__ import annotations

from typing import Any, Final

from ._coql import parse_query, run_query
from ._errors import ApiError, invalid_module
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply

__all__ = ["ROUTES"]


def coql(state: FakeState, call: Call) -> Reply:
    """Run ``{"select_query": ...}``; 204 when no row matches."""
    body = call.payload
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_DATA", "invalid data", {"expected_data_type": "jsonobject"})
    text = body.get("select_query")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(
            400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "select_query"}
        )
    query = parse_query(text, call.version_tuple)
    store = state.modules.get(query.module)
    if store is None or query.module == "Notes":
        raise (
            invalid_module(0)
            if store is None
            else ApiError(
                400, "INVALID_QUERY", "invalid query formed", {"reason": "module not supported"}
            )
        )
    specs = {name: s.spec for name, s in state.modules.items()}

    def resolve(module: str | None, record_id: str) -> dict[str, Any] | None:
        target = state.modules.get(module or "")
        return target.records.get(record_id) if target else None

    rows, more = run_query(query, store.spec, list(store.records.values()), resolve, specs)
    if not rows:
        return Reply(204)
    return Reply(200, {"data": rows, "info": {"count": len(rows), "more_records": more}})


ROUTES: Final = (ApiRoute("/coql", {"POST": coql}, "ZohoCRM.coql"),)

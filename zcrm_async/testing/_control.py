"""What a test may do to the fake besides calling Zoho's API: one implementation, two faces.

``FakeZohoCRM``'s methods (in-process) and the ``/__fake__/`` endpoints (over HTTP, from any
process or language) both call :class:`Control`, so they cannot drift apart.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ..auth._oauth import DEFAULT_SCOPES
from ._credits import CreditsSpent
from ._faults import Fault
from ._metadata import FieldSpec, ModuleSpec
from ._runtime import KNOB_NAMES, Runtime
from ._store import ModuleStore, RecordError

__all__ = ["DEFAULT_SCOPES", "Control", "seed_record"]

#: The values seeded records get for the fields that name them.
_SEED_TEXT: Final = {
    "Company": "Seeded Company {n}",
    "First_Name": "Seed",
    "Phone": "+1 555 {n:07d}",
}


class Control:
    """Tokens, knobs, faults, seeded records, counters and reset, all under the state's lock."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    # -- OAuth -----------------------------------------------------------------------------------

    def ensure_user(self, email: str | None) -> str:
        """``email`` (default: the admin) as a CRM user, added when unknown."""
        directory = self.rt.state.directory
        email = email or str(directory.org["primary_email"])
        if directory.by_email(email) is None:
            directory.add_user(email)
        return email

    def issue_grant_code(self, scopes: Sequence[str], user_email: str | None) -> str:
        """A one-time grant code for ``user_email``, as the API console's self-client gives."""
        with self.rt.state.lock:
            email = self.ensure_user(user_email)
            return self.rt.state.oauth.issue_grant_code(scopes, email)

    def issue_tokens(self, user_email: str | None, scopes: Sequence[str]) -> dict[str, Any]:
        """A refresh + access token pair for ``user_email`` (not counted as a mint)."""
        with self.rt.state.lock:
            email = self.ensure_user(user_email)
            return self.rt.state.oauth.issue_tokens(email, scopes)

    def expire_access_tokens(self) -> int:
        """Expire every access token issued so far; how many there were."""
        with self.rt.state.lock:
            return self.rt.state.oauth.expire_access_tokens()

    @property
    def token_lifetime(self) -> float:
        """Seconds a newly minted access token lives."""
        return self.rt.state.oauth.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError(f"token_lifetime must be more than 0 seconds, got {seconds!r}")
        with self.rt.state.lock:
            self.rt.state.oauth.token_lifetime = float(seconds)

    # -- knobs and faults ------------------------------------------------------------------------

    def knobs(self) -> dict[str, Any]:
        """The live knobs, the token lifetime included."""
        return {**asdict(self.rt.knobs), "token_lifetime": self.token_lifetime}

    def set_knobs(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Change some knobs at once (all or none); ``ValueError`` names a bad one."""
        unknown = sorted(set(values) - {*KNOB_NAMES, "token_lifetime"})
        if unknown:
            known = ", ".join((*KNOB_NAMES, "token_lifetime"))
            raise ValueError(f"unknown knob(s) {', '.join(unknown)}; known: {known}")
        changed = replace(self.rt.knobs, **{k: v for k, v in values.items() if k in KNOB_NAMES})
        changed.check()
        with self.rt.state.lock:
            if "token_lifetime" in values:
                self.token_lifetime = values["token_lifetime"]
            self.rt.knobs = changed
        return self.knobs()

    def set_knob(self, name: str, value: Any) -> None:
        """One knob (see :class:`Knobs`)."""
        self.set_knobs({name: value})

    def knob(self, name: str) -> Any:
        """One knob's value."""
        return getattr(self.rt.knobs, name)

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault for the next matching CRM API requests."""
        if fault.times < 1:
            raise ValueError(f"times must be 1 or more, got {fault.times!r}")
        with self.rt.state.lock:
            self.rt.faults.add(fault)

    def clear_faults(self) -> None:
        """Forget every pending fault."""
        with self.rt.state.lock:
            self.rt.faults.clear()

    # -- records ---------------------------------------------------------------------------------

    def module(self, name: str) -> ModuleStore:
        """A module's store; ``ValueError`` naming the known modules for an unknown one."""
        store = self.rt.state.modules.get(name)
        if store is None:
            known = ", ".join(self.rt.state.modules)
            raise ValueError(f"unknown module {name!r}; known: {known}")
        return store

    def records(self, module: str) -> dict[str, dict[str, Any]]:
        """A copy of the stored records of ``module`` by id."""
        with self.rt.state.lock:
            return copy.deepcopy(self.module(module).records)

    def add_records(
        self, module: str, records: Iterable[Mapping[str, Any]], owner_email: str | None = None
    ) -> list[str]:
        """Store records as an insert would (validated, no HTTP); their ids.

        ``ValueError`` with Zoho's per-record error for a record an insert would refuse; the
        records before it are stored.
        """
        state = self.rt.state
        with state.lock:
            store = self.module(module)
            actor = state.directory.by_email(self.ensure_user(owner_email))
            assert actor is not None
            ctx = state.write_context(actor)
            ids = []
            for index, record in enumerate(records):
                try:
                    entry = store.insert(dict(record), index, ctx)
                except RecordError as error:
                    raise ValueError(f"record {index} refused: {error.entry}") from None
                ids.append(entry["details"]["id"])
            return ids

    def seed(self, module: str, count: int, owner_email: str | None = None) -> list[str]:
        """Store ``count`` generated records (every mandatory field filled); their ids."""
        if count < 0:
            raise ValueError(f"count must be 0 or more, got {count!r}")
        with self.rt.state.lock:
            store = self.module(module)
            start = len(store.records)
            made = (seed_record(store.spec, start + n) for n in range(count))
            return self.add_records(module, made, owner_email)

    def set_unique_fields(self, module: str, fields: Iterable[str]) -> None:
        """Fields whose duplicate values make writes fail with DUPLICATE_DATA."""
        with self.rt.state.lock:
            store = self.module(module)
            names = tuple(fields)
            unknown = [n for n in names if n not in store.spec.by_name]
            if unknown:
                raise ValueError(f"{module} has no field(s) {', '.join(unknown)}")
            external = tuple(f.api_name for f in store.spec.fields if f.external)
            store.unique_fields = tuple(dict.fromkeys((*names, *external)))

    def add_field(self, module: str, api_name: str, kind: str) -> None:
        """Add a custom field: ``text``, ``external`` (unique, addressable with X-EXTERNAL)
        or ``rich_text`` (a multi-line HTML field)."""
        kinds = {
            "text": FieldSpec(api_name, "text", 255, custom=True),
            "external": FieldSpec(api_name, "text", 255, custom=True, external=True),
            "rich_text": FieldSpec(api_name, "textarea", 50000, custom=True, rich_text=True),
        }
        field = kinds.get(kind)
        if field is None:
            raise ValueError(f"kind must be one of {', '.join(kinds)}, got {kind!r}")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,99}", api_name):
            raise ValueError(f"{api_name!r} is not a field API name (letters, digits and _)")
        with self.rt.state.lock:
            self.module(module).add_field(field)

    # -- API credits -----------------------------------------------------------------------------

    def credits(self) -> CreditsSpent:
        """The org's API credits in the current window: allowance, spent, remaining."""
        rt = self.rt
        with rt.state.lock:
            return rt.credits.snapshot(rt.state.now(), rt.knobs.credit_allowance)

    def reset_credits(self) -> None:
        """Forget the credits spent: the whole allowance is available again."""
        with self.rt.state.lock:
            self.rt.credits.reset()

    # -- counters and reset ----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """The counters as JSON."""
        stats = self.rt.stats
        with self.rt.state.lock:
            return {
                "requests": stats.requests,
                "api_requests": stats.api_requests,
                "token_requests": stats.token_requests,
                "token_mints": stats.token_mints,
                "in_flight": stats.in_flight,
                "max_in_flight": stats.max_in_flight,
                "throttled": stats.throttled,
                "by_route": dict(stats.by_route),
            }

    def reset(self) -> None:
        """A fresh org: no records, tokens, jobs, faults; zero counters; starting knobs."""
        self.rt.reset()


def seed_record(spec: ModuleSpec, n: int) -> dict[str, Any]:
    """Record number ``n`` of a module, realistic enough for any listing or export."""
    record: dict[str, Any] = {}
    for field in spec.fields:
        if field.read_only or field.data_type in ("ownerlookup", "lookup"):
            continue
        if field.system_mandatory or field.api_name in _SEED_TEXT or field.data_type == "email":
            record[field.api_name] = _seed_value(spec, field, n)
    return record


def _seed_value(spec: ModuleSpec, field: FieldSpec, n: int) -> Any:
    if field.api_name in _SEED_TEXT:
        return _SEED_TEXT[field.api_name].format(n=n)
    kind = field.data_type
    if kind == "email":
        prefix = field.api_name.lower().replace("_", ".")
        return f"{spec.api_name.lower()}.{n}.{prefix}@example.com"
    if kind == "picklist":
        return next(v for v in field.pick_list_values if v != "-None-")
    if kind == "date":
        return (datetime(2030, 1, 1) + timedelta(days=n % 365)).date().isoformat()
    if kind == "datetime":
        start = datetime(2030, 1, 1, 9, tzinfo=UTC) + timedelta(hours=n % 1000)
        return start.isoformat()
    if kind in ("integer", "bigint"):
        return n
    if kind in ("double", "currency"):
        return float(n)
    if kind == "boolean":
        return n % 2 == 0
    return f"{field.api_name.replace('_', ' ')} {n}"[: field.length]

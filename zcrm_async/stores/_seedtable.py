"""The classic SDKs' ``oauthtokens`` table, whatever the SQL dialect: rows, columns, adoption.

The classic SDKs made ``oauthtokens(useridentifier varchar(100), accesstoken varchar(100),
refreshtoken varchar(100), expirytime bigint)``. SQL stores keep that shape, add ``api_domain``,
and widen the token columns: today's tokens fit in 100 characters with little room to spare.
What a dialect spells differently (DDL, information-schema queries) stays in its store; what
is the same (turning rows into tokens and back, deciding how to adopt an existing table) is here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .._exceptions import TokenStoreError
from .._models import OAuthTokens

__all__ = [
    "SEED_COLUMNS",
    "SELECTED",
    "TABLE",
    "TOKEN_WIDTH",
    "Column",
    "TableChanges",
    "duplicate_users_error",
    "plan_adoption",
    "row_of",
    "setup_needed_error",
    "tokens_from_row",
]

TABLE = "oauthtokens"
SEED_COLUMNS = ("useridentifier", "accesstoken", "refreshtoken", "expirytime")
#: Width of the token columns (the classic varchar(100) holds today's tokens, barely).
TOKEN_WIDTH = 255
#: The columns a store selects, in the order :func:`tokens_from_row` reads them.
SELECTED = (*SEED_COLUMNS, "api_domain")


@attrs.frozen
class Column:
    """One column of an existing table, as the information schema describes it."""

    name: str
    data_type: str
    max_length: int | None
    nullable: bool


@attrs.frozen
class TableChanges:
    """What adopting an existing table takes: a column to add, token columns to widen."""

    add_api_domain: bool
    widen: tuple[Column, ...]

    def __bool__(self) -> bool:
        return self.add_api_domain or bool(self.widen)


def plan_adoption(columns: Mapping[str, Column], where: str) -> TableChanges:
    """The changes that make an existing ``oauthtokens`` table usable, backwards-compatibly.

    ``columns`` is keyed by lower-case name. A table without the classic columns is somebody
    else's: :class:`TokenStoreError` naming ``where``, and nothing is changed.
    """
    missing = [name for name in SEED_COLUMNS if name not in columns]
    if missing:
        raise TokenStoreError(
            f"{where}: table {TABLE} exists but lacks the column(s) {', '.join(missing)}; "
            "it is not the Zoho SDKs' token table"
        )
    widen = tuple(
        columns[name]
        for name in ("accesstoken", "refreshtoken")
        if columns[name].data_type.lower() in {"varchar", "char", "character varying", "character"}
        and (columns[name].max_length or 0) < TOKEN_WIDTH
    )
    return TableChanges(add_api_domain="api_domain" not in columns, widen=widen)


def row_of(tokens: OAuthTokens) -> tuple[Any, ...]:
    """The values of one row, in :data:`SELECTED` order (bound parameters, never SQL text)."""
    return (
        tokens.user_email,
        tokens.access_token,
        tokens.refresh_token,
        tokens.expiry_time,
        tokens.api_domain,
    )


def tokens_from_row(row: Sequence[Any]) -> OAuthTokens | None:
    """The tokens of a row in :data:`SELECTED` order; None for a half-written row.

    Another tool may leave a row without a token or an expiry: as good as no tokens.
    """
    user, access, refresh, expiry, api_domain = row
    if access is None or refresh is None or expiry is None:
        return None
    return OAuthTokens(
        str(user), str(access), str(refresh), int(expiry), str(api_domain) if api_domain else None
    )


def duplicate_users_error(
    where: str, duplicates: Sequence[Sequence[Any]], fix: str
) -> TokenStoreError:
    """Several rows per user (``duplicates``: user, count): what to do, with ``fix`` to run.

    Tokens are upserted in one statement, which needs one row per user; the classic SDKs did
    not enforce that. Nothing is changed: the user decides which rows go.
    """
    users = ", ".join(repr(row[0]) for row in duplicates[:5])
    return TokenStoreError(
        f"{where}: table {TABLE} holds several rows for {len(duplicates)} user(s) ({users}); "
        "zcrm_async needs one row per user to update tokens in one statement. Keep the newest "
        f"row of each user, e.g.\n\n{fix};\n\n"
        "then check that no duplicates remain and try again (nothing was changed)"
    )


def setup_needed_error(
    where: str, cause: BaseException, steps: Sequence[tuple[str, Sequence[str]]]
) -> TokenStoreError:
    """The user may not create what the store needs: the statements an administrator runs.

    ``steps`` are (where to run them, statements) pairs, e.g. on the server, then in the new
    database; empty ones are left out.
    """
    blocks = "\n\nthen, ".join(
        f"{place}:\n\n" + ";\n".join(statements) + ";" for place, statements in steps if statements
    )
    return TokenStoreError(
        f"{where}: the token table needs setting up and the user may not do it "
        f"({str(cause).strip()}). Ask an administrator to run, {blocks}\n"
    )

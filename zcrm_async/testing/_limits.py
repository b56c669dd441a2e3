"""The documented Zoho limits the fake enforces; tests may lower them on ``fake.limits``."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(slots=True)
class Limits:
    """Zoho's limits. Mutable so tests can shrink them."""

    max_write_records: int = 100
    max_delete_ids: int = 100
    max_per_page: int = 200
    max_fields: int = 50
    max_list_ids: int = 100
    #: ``page`` x ``per_page`` may reach only this many records (v3+), then ``page_token``.
    max_records_by_page: int = 2000
    #: hard ceiling of a list walked with ``page_token``.
    max_records_by_token: int = 100_000
    max_search_results: int = 2000
    max_criteria: int = 10
    page_token_lifetime: float = 24 * 3600.0
    #: access tokens minted by refreshing one refresh token per ``token_window`` seconds.
    access_tokens_per_window: int = 10
    #: grant codes exchanged per client per ``token_window`` (None: unlimited).
    grant_codes_per_window: int | None = 10
    token_window: float = 600.0
    max_active_access_tokens: int = 15
    max_refresh_tokens_per_user: int = 20

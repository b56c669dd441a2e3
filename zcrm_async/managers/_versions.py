"""Which API version an endpoint first appeared in, checked before a request is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exceptions import InvalidArgumentError
from ._common import version_tuple

if TYPE_CHECKING:
    from ._base import Session

__all__ = ["require_version"]


def require_version(session: Session, since: str, what: str) -> None:
    """:class:`InvalidArgumentError` unless the client's API version is ``since`` or later.

    Zoho answers an endpoint it does not have in a version with ``INVALID_URL_PATTERN``; saying
    so before the call names the setting to change.
    """
    if version_tuple(session.api_version) < version_tuple(since):
        raise InvalidArgumentError(
            f"{what} needs Zoho's API {since} or later; this client uses {session.api_version} "
            f"(set api_version to {since} or later in the configuration)"
        )

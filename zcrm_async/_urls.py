"""Server URLs (``redis://``, ``postgresql://``): checked once, and shown without their password."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit

from ._exceptions import InvalidArgumentError

__all__ = [
    "POSTGRES_URL_EXAMPLE",
    "REDIS_URL_EXAMPLE",
    "check_postgres_url",
    "check_redis_url",
    "check_url",
    "redact_url",
    "url_password",
    "without_password",
]

REDIS_URL_EXAMPLE = "redis://127.0.0.1:6379/0"
POSTGRES_URL_EXAMPLE = "postgresql://zcrm:password@127.0.0.1:5432/zohooauth"

_QUERY_PASSWORD = re.compile(r"((?:^|&)(?:password|passwd)=)[^&]*", re.IGNORECASE)


def check_url(url: str, schemes: tuple[str, ...], example: str) -> SplitResult:
    """The parts of ``url``; ValueError (saying what is expected, never the password) if bad."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidArgumentError(f"expected a URL such as {example}, got {url!r}")
    parts = urlsplit(url.strip())
    if parts.scheme not in schemes:
        wanted = ", ".join(f"{scheme}://" for scheme in schemes)
        raise InvalidArgumentError(
            f"expected a URL starting with {wanted} (e.g. {example}), got {redact_url(url)!r}"
        )
    try:
        parts.port  # noqa: B018 - property access validates the port
    except ValueError:
        raise InvalidArgumentError(
            f"the port of {redact_url(url)!r} is not a number 1..65535 (e.g. {example})"
        ) from None
    if parts.scheme != "unix" and not parts.hostname:
        raise InvalidArgumentError(f"{redact_url(url)!r} names no host (e.g. {example})")
    return parts


def url_password(url: str) -> str | None:
    """The password in ``url``, decoded (to scrub it from driver messages), or None."""
    password = urlsplit(url).password
    return unquote(password) if password else None


def without_password(text: str, password: str | None) -> str:
    """``text`` (a driver's error message, say) with every copy of ``password`` as ``***``."""
    return text.replace(password, "***") if password else text


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (user, host, port and path kept)."""
    parts = urlsplit(url)
    query = _QUERY_PASSWORD.sub(r"\1***", parts.query)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, hostport = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}:***@{hostport}"
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return parts._replace(netloc=netloc, query=query).geturl()


def check_redis_url(url: str) -> str:
    """``url`` if it is a ``redis://``, ``rediss://`` (TLS) or ``unix://`` URL, else ValueError."""
    check_url(url, ("redis", "rediss", "unix"), REDIS_URL_EXAMPLE)
    return url.strip()


def check_postgres_url(url: str) -> str:
    """``url`` if it is a ``postgresql://`` (or ``postgres://``) URL, else ValueError."""
    check_url(url, ("postgresql", "postgres"), POSTGRES_URL_EXAMPLE)
    return url.strip()

"""Every exception zcrm_async raises, in one tree under :class:`ZCRMError`::

    ZCRMError
    ├── ConfigError                 (also ValueError) a configuration key is wrong
    ├── InvalidArgumentError        (also ValueError) a bad argument, found before sending
    │   ├── InvalidArgumentTypeError    (also TypeError) an argument of the wrong type
    │   └── BulkWriteInputError         unusable Bulk Write input (unknown column, bad row)
    ├── OAuthError                  the accounts server refused a token request
    ├── TokenStoreError             the token store could not be read or written
    │   └── TokenHandlerError           a custom token handler's method raised
    ├── UnsupportedBackendError     (also RuntimeError) e.g. the MySQL store under trio
    ├── LimiterUnavailableError     the shared limiter (Redis) gave no slot: no call was sent
    ├── ClientClosedError           (also RuntimeError) the client was closed under the call
    ├── CreditBudgetError           the API-credit budget would be overspent (``usage``, ``cost``)
    ├── CreditStoreError            the shared API-credit counter cannot be reached
    ├── TransportError              no HTTP answer: refused, DNS, timeout, dropped
    ├── ResponseTooLargeError       an answer longer than ``max_response_bytes``
    ├── APIError                    Zoho answered with an error (status, code, body, headers)
    │   ├── AuthenticationError         401
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404
    │   ├── RateLimitError              429 (``retry_after``)
    │   │   └── CreditsExhaustedError       429 saying the org's API credits are spent
    │   ├── ServerError                 5xx
    │   ├── RedirectError               3xx: never followed, the ``location`` is named
    │   ├── EmptyResultError            no record or object where the call expects one
    │   └── UnexpectedResponseError     an answer the SDK cannot read
    ├── WriteFailedError            records of a multi-record write failed (``failed``)
    ├── CoqlLimitError              a COQL query matches more rows than COQL returns
    ├── ArchiveError                a Bulk Read archive is corrupt, truncated or over a limit
    ├── BulkJobError                a Bulk Read/Write job did not finish well
    │   ├── BulkJobFailedError          Zoho failed the job
    │   └── BulkJobTimeoutError         still running after the poll timeout
    └── LoginError                  the web login flow cannot go on

Messages say what to do next and never contain tokens or secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ._credits import CreditUsage
    from ._headers import RateLimitInfo
    from ._models import WriteResult
    from .bulk import BulkWriteResult

__all__ = [
    "APIError",
    "ArchiveError",
    "ArgumentError",
    "AuthenticationError",
    "BulkJobError",
    "BulkJobFailedError",
    "BulkJobTimeoutError",
    "BulkWriteError",
    "BulkWriteInputError",
    "ClientClosedError",
    "ConfigError",
    "CoqlLimitError",
    "CreditBudgetError",
    "CreditStoreError",
    "CreditsExhaustedError",
    "EmptyResultError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "LimiterUnavailableError",
    "LoginError",
    "NotFoundError",
    "OAuthError",
    "PermissionDeniedError",
    "RateLimitError",
    "RedirectError",
    "ResponseTooLargeError",
    "ServerError",
    "TokenHandlerError",
    "TokenStoreError",
    "TransportError",
    "UnexpectedResponseError",
    "UnsupportedBackendError",
    "WriteFailedError",
    "ZCRMError",
]


class ZCRMError(Exception):
    """Base class of every zcrm_async error."""

    #: True once the SDK has written this error to its log (each error is logged once, at
    #: ERROR, where it leaves the SDK; re-raising it through other layers logs nothing more).
    logged: bool = False


class ConfigError(ZCRMError, ValueError):
    """A configuration key is missing, misspelt or has an invalid value."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"config key {key!r}: {message}")


class InvalidArgumentError(ZCRMError, ValueError):
    """An argument is missing, or has a value the call cannot use or Zoho would refuse; raised
    before anything is sent, the message naming it (also known as ``ArgumentError``)."""


class InvalidArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument has the wrong type; raised before anything is sent."""


#: Another name of :class:`InvalidArgumentError` (a call lacks an argument it needs, or cannot
#: use one it got).
ArgumentError = InvalidArgumentError


class TokenStoreError(ZCRMError):
    """A token store could not be read or written (corrupt file, unreachable database...)."""


class TokenHandlerError(TokenStoreError):
    """A custom token handler's method raised; ``handler`` and ``method`` say which.

    The handler's own exception is the ``__cause__``. Classic handlers raise from
    ``get_oauth_tokens`` when they hold no row for the user: ``is_token_generated`` reads that
    as "no tokens", as the classic SDKs did.
    """

    def __init__(self, handler: str, method: str, message: str) -> None:
        self.handler = handler
        self.method = method
        super().__init__(message)


class UnsupportedBackendError(ZCRMError, RuntimeError):
    """A component was used under an async backend it does not support (e.g. MySQL under trio)."""


class LimiterUnavailableError(ZCRMError):
    """The shared concurrency limiter could not give a slot, so the call was not sent.

    Its Redis server did not answer (down, unreachable, refused the login), or no slot came
    free within the limiter's ``wait_timeout``. The limiter never lets calls through without a
    slot: it does not fall back to an unbounded or per-process limit on its own.
    """


class ClientClosedError(ZCRMError, RuntimeError):
    """The client was closed: the call was refused, or cancelled while it was in flight."""


_OAUTH_HINTS = {
    "invalid_code": (
        "the grant token expired (it lives a few minutes) or was already used, or the refresh "
        "token was revoked; generate a new grant token in the Zoho API console"
    ),
    "invalid_client": (
        "Zoho does not know this client_id here: check client_id and that data_center / "
        "accounts_url match the data centre where the client was registered"
    ),
    "invalid_client_secret": "client_secret is wrong for this client_id",
    "invalid_redirect_uri": "redirect_uri differs from the one registered for the client",
    "access_denied": (
        "too many grant tokens for this client (10 per 10 minutes) or the user denied consent"
    ),
    "Access Denied": (
        "Zoho throttled token generation: at most 10 access tokens per refresh token per "
        "10 minutes; wait, and share one token store between workers"
    ),
}


class CreditBudgetError(ZCRMError):
    """A call would spend API credits the configured budget no longer has; nothing was sent.

    ``usage`` is the budget's state when the call was refused (spent, budget, when credits free
    up) and ``cost`` what the call would have spent. The message says what to do.
    """

    def __init__(self, message: str, *, usage: CreditUsage, cost: int) -> None:
        self.usage = usage
        self.cost = cost
        super().__init__(message)


class CreditStoreError(ZCRMError):
    """The shared API-credit counter (Redis) could not be read or written; the call was not sent.

    A budget that cannot be checked is never skipped: calls fail until the counter answers.
    """


class OAuthError(ZCRMError):
    """Zoho's accounts server refused a token request (often HTTP 200 with ``{"error": ...}``)."""

    def __init__(self, error: str, description: str | None = None) -> None:
        self.error = error
        self.description = description
        hint = _OAUTH_HINTS.get(error)
        parts = [f"Zoho OAuth error {error!r}"]
        if description:
            parts.append(description)
        if hint:
            parts.append(hint)
        super().__init__(": ".join(parts))


class TransportError(ZCRMError):
    """The request never got an HTTP answer: connection refused, DNS failure, timeout, drop."""

    def __init__(self, message: str, *, host: str | None = None) -> None:
        self.host = host
        super().__init__(message)


class ResponseTooLargeError(ZCRMError):
    """An answer was longer than the ``max_response_bytes`` the client reads into memory.

    Downloads (attachments, Bulk Read results) are streamed and never hit this limit.
    """

    def __init__(self, *, method: str, url: str, limit: int, size: int | None = None) -> None:
        self.method = method
        self.url = url
        self.limit = limit
        self.size = size
        told = f" (Content-Length {size:,})" if size is not None else ""
        super().__init__(
            f"{method} {url}: the answer is longer than max_response_bytes={limit:,} bytes"
            f"{told}; raise max_response_bytes in the config if such answers are expected"
        )


class APIError(ZCRMError):
    """Zoho answered with an error: its ``code``, ``message`` and ``details``, and the answer.

    ``response`` is the ``httpx.Response`` (its body already read; the ``Authorization``
    header of ``response.request`` is masked) and ``body`` its decoded JSON (or text, or
    None). ``method`` and ``url`` name the request, without the query string.
    """

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        *,
        method: str | None = None,
        url: str | None = None,
        response: httpx.Response | None = None,
        body: Any = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        self.method = method
        self.url = url
        self.response = response
        self.body = body
        where = f" ({method} {url})" if method and url else ""
        detail = f" details={self.details}" if self.details else ""
        super().__init__(f"HTTP {status_code} {code}: {message}{detail}{where}")

    @property
    def headers(self) -> httpx.Headers:
        """The answer's headers (empty when the error was not made from an answer)."""
        return self.response.headers if self.response is not None else httpx.Headers()

    @property
    def request_id(self) -> str | None:
        """The request-identifying header of the answer, when it has one."""
        from ._headers import request_id

        return request_id(self.headers)

    @property
    def rate_limit(self) -> RateLimitInfo:
        """Zoho's rate-limit headers of the answer (credits remaining, ``Retry-After``...)."""
        from ._headers import RateLimitInfo

        return RateLimitInfo.from_headers(self.headers)


class AuthenticationError(APIError):
    """HTTP 401: the token is invalid, or lacks the scope (``OAUTH_SCOPE_MISMATCH``)."""


class PermissionDeniedError(APIError):
    """HTTP 403: the user lacks a permission (``NO_PERMISSION``)."""


class NotFoundError(APIError):
    """HTTP 404: the URL does not exist (``INVALID_URL_PATTERN``)."""


class RateLimitError(APIError):
    """HTTP 429: too many concurrent calls or the day's credits are spent."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class CreditsExhaustedError(RateLimitError):
    """HTTP 429 whose answer says the org has no API credits left (``X-API-CREDITS-REMAINING:
    0``): Zoho's allowance for its rolling 24 hours is spent, by this client or any other
    integration of the org.

    Not retried (retrying spends the time, not the wait) and not read as congestion (the
    concurrency limit stays). Credits come back as the ones spent 24 hours earlier leave the
    window; Zoho does not say when, unless the answer has a ``Retry-After`` (``retry_after``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.retry_after is not None:
            when = f"Zoho asks to retry in {self.retry_after:g} s"
        else:
            when = (
                "Zoho does not say when credits free up: its window is rolling, so the "
                "credits spent 24 hours earlier come back as time passes"
            )
        self.args = (
            f"{self.args[0]}. The org's API credits are spent (X-API-CREDITS-REMAINING: 0); "
            f"not retried. {when}. Lower the org's use, buy add-on credits, or set "
            "credit_budget to stop before Zoho does",
        )


class ServerError(APIError):
    """HTTP 5xx from Zoho (its body may be an HTML error page rather than JSON)."""


class RedirectError(APIError):
    """HTTP 3xx (other than 304): Zoho's API never redirects, so it is not followed.

    ``location`` is where the answer pointed; no credential is ever sent there.
    """

    def __init__(self, *args: Any, location: str | None = None, **kwargs: Any) -> None:
        self.location = location
        super().__init__(*args, **kwargs)


class EmptyResultError(APIError):
    """The call asks for one record or object and Zoho answered without it.

    Zoho answers 204 (no content) or an empty ``data`` array, e.g. for the id of a record
    that does not exist or was deleted.
    """


class UnexpectedResponseError(APIError):
    """Zoho answered with something the SDK cannot read: not JSON, or not the shape expected."""


class WriteFailedError(ZCRMError):
    """Raised by :meth:`WriteResults.raise_for_failures` when any record of the write failed.

    ``failed`` holds the failed :class:`WriteResult` s. Formerly ``BulkWriteError`` (an alias
    kept for existing code): it concerns REST multi-record writes, not Zoho's Bulk API.
    """

    def __init__(self, failed: list[WriteResult]) -> None:
        self.failed = list(failed)
        first = ", ".join(f"#{r.index} {r.code} {r.details}" for r in self.failed[:5])
        more = f" (+{len(self.failed) - 5} more)" if len(self.failed) > 5 else ""
        super().__init__(f"{len(self.failed)} record(s) failed: {first}{more}")


#: The former name of :class:`WriteFailedError`.
BulkWriteError = WriteFailedError


class CoqlLimitError(ZCRMError):
    """A query matches more rows than COQL can return (100,000 on v7+)."""


class ArchiveError(ZCRMError):
    """A downloaded archive (a Bulk Read result) is corrupt, truncated, over a limit of
    :class:`~zcrm_async.bulk.ArchiveLimits`, or does not hold the rows the job reported."""


class BulkJobError(ZCRMError):
    """A bulk job did not finish well. ``job_id``, ``operation`` (read/write), last ``state``."""

    def __init__(
        self, message: str, *, job_id: str, operation: str, state: str, job: Any = None
    ) -> None:
        self.job_id = job_id
        self.operation = operation
        self.state = state
        self.job = job
        #: For :meth:`BulkManager.write`: the jobs finished before this one (their rows are
        #: written) and the input position of this job's first row.
        self.completed: BulkWriteResult | None = None
        self.first_index: int | None = None
        super().__init__(message)


class BulkJobFailedError(BulkJobError):
    """Zoho reports the job FAILURE (read) or FAILED (write); ``reason`` is Zoho's explanation."""

    def __init__(
        self, *, job_id: str, operation: str, state: str, reason: str, job: Any = None
    ) -> None:
        self.reason = reason
        super().__init__(
            f"bulk {operation} job {job_id} ended in {state}: {reason}",
            job_id=job_id,
            operation=operation,
            state=state,
            job=job,
        )


class BulkJobTimeoutError(BulkJobError):
    """The job was still not finished after :attr:`PollPolicy.timeout` seconds."""

    def __init__(self, *, job_id: str, operation: str, state: str, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(
            f"bulk {operation} job {job_id} still {state} after {timeout:g} s; it keeps running "
            f"on Zoho's side: wait for it again with its id, or raise PollPolicy.timeout",
            job_id=job_id,
            operation=operation,
            state=state,
        )


class BulkWriteInputError(InvalidArgumentError):
    """The input of a bulk write is unusable (unknown column, bad row). Nothing was sent for it.

    ``completed`` holds the jobs that finished before the bad row was reached (their rows are
    written), so a caller can resume after them.
    """

    def __init__(self, message: str, completed: BulkWriteResult | None = None) -> None:
        self.completed = completed
        super().__init__(message)


class LoginError(ZCRMError):
    """The login flow cannot go on; ``status_code`` is the HTTP status to answer with."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        self.status_code = status_code
        super().__init__(message)

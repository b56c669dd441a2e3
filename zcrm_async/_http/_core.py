"""The one request path: every CRM API call, accounts-server call and download goes through it.

One attempt: the signer's token looked up once (its ``api_domain`` picks the host, its access
token signs the request), a slot of the client-wide limiter (CRM calls), the request sent
without following redirects, the body read within ``max_response_bytes``, and on Zoho's
``401 INVALID_TOKEN`` one replay with a refreshed token. Then the answer is a result, an error,
or a retry after a backoff (the slot released meanwhile), per :class:`RetryPolicy`.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import IO, TYPE_CHECKING, Any, Final

import anyio
import attrs
import httpx

from .._config import Config
from .._datacenters import origin, trusted_origins
from .._exceptions import InvalidArgumentError, TransportError, ZCRMError
from .._headers import credits_remaining
from .._hooks import EventName, HookSet, path_template
from .._logging import log_error, logger
from .._models import OAuthTokens
from ..auth._middleware import Signer, authorization, rejects_token
from ._body import read_bounded
from ._envelope import Answer, encode_json, error_from_answer, has_record_results, zoho_code
from ._limiter import Limiter
from ._options import CLIENT_DEFAULT, RequestOptions
from ._retry import IDEMPOTENT_METHODS, NOT_SENT_ERRORS, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    from .._credits import Charge, CreditBudget

__all__ = ["HttpCore"]

_call_ids: Final = itertools.count(1)
#: Bytes per write of a download to its file.
_DOWNLOAD_CHUNK: Final = 64 * 1024
#: The ``auth`` of every send: requests are signed before they are sent (and a client's own
#: ``auth``, or credentials in a URL, never apply).
_SIGNED_ALREADY: Final = httpx.Auth()


@attrs.define(slots=True)
class _Call:
    """What stays the same across the attempts of one call."""

    options: RequestOptions
    method: str
    params: dict[str, Any] | None
    content: bytes | None
    headers: dict[str, str]
    idempotent: bool
    max_retries: int
    started: float
    #: ``options.json`` is still to be encoded into ``content`` (at the first attempt's slot).
    encode: bool = False
    #: The caller reads the body (a download it streams itself).
    stream: bool = False
    #: Where a download's body goes (restarted from scratch when a retry happens).
    sink: IO[bytes] | None = None
    #: The current attempt's answer has started: a failure now broke its body off.
    receiving: bool = False
    call_id: int = 0
    #: The path of the URL called, ids replaced (for hooks and the error log).
    template: str = ""
    #: The last request built (its URL names the call in the error log).
    request: httpx.Request | None = None
    attempts: int = 0
    status_code: int | None = None
    error_code: str | None = None
    #: The API credits the call costs (priced at its first attempt).
    cost: int | None = None
    #: The current attempt's request may have reached Zoho, and the status it answered.
    sent: bool = False
    answered: int | None = None


class HttpCore:
    """Sends every request of one client (shared by all its views, users and managers)."""

    def __init__(
        self,
        config: Config,
        http: httpx.AsyncClient,
        retry: RetryPolicy,
        limiter: Limiter,
        hooks: HookSet | None = None,
        credits: CreditBudget | None = None,
    ) -> None:
        self.config = config
        self.credits = credits
        self.http = http
        self.retry = retry
        self.limiter = limiter
        self.hooks = hooks
        #: The API base URL per token ``api_domain`` (a handful: one per data centre used).
        self._bases: dict[str | None, str] = {}
        self._api_root = f"/crm/{config.api_version}/"
        self._trusted = (
            None
            if config.allow_untrusted_hosts
            else trusted_origins((config.api_base_url, config.accounts_url, config.upload_url))
        )

    async def send(self, options: RequestOptions, signer: Signer | None) -> Answer:
        """Send ``options`` (signed by ``signer``, if any) with retries; the read answer.

        Raises the mapped :class:`APIError` for an error status the options do not accept,
        :class:`TransportError` when no answer came.
        """
        return await self._run(self._prepare(options), signer)

    async def download(
        self, options: RequestOptions, signer: Signer | None, sink: IO[bytes]
    ) -> int:
        """Write the body of a successful answer to ``sink``; the number of bytes written.

        The body is streamed, never held in memory. A download that breaks off is an attempt
        that failed like any other: retried (from the start of ``sink``, which is truncated
        first) when the request is idempotent and retries remain.
        """
        call = self._prepare(options)
        call.sink = sink
        await self._run(call, signer)
        return sink.tell()

    def stream(
        self, options: RequestOptions, signer: Signer | None
    ) -> AbstractAsyncContextManager[httpx.Response]:
        """``async with core.stream(...) as response:`` the body unread (a download).

        Retried like :meth:`send` until the headers arrive, never after the body started (a
        broken body raises :class:`TransportError`). The limiter slot is held until the block
        exits, since Zoho counts the transfer as a call.
        """
        return self._download(options, signer)

    @asynccontextmanager
    async def _download(
        self, options: RequestOptions, signer: Signer | None
    ) -> AsyncIterator[httpx.Response]:
        call = self._prepare(options)
        call.stream = True
        async with AsyncExitStack() as held:  # the slot and connection, until the block exits
            response = (await self._run(call, signer, held)).response
            try:
                yield response
            except httpx.TransportError as exc:
                url = response.request.url.copy_with(query=None)
                error = TransportError(
                    f"{options.method.upper()} {url}: the download broke off after it had "
                    f"started ({type(exc).__name__}: {exc}); not retried, start it again",
                    host=url.host,
                )
                log_error(error)
                raise error from exc

    # -- the retry loop -------------------------------------------------------------------------

    async def _run(
        self, call: _Call, signer: Signer | None, held: AsyncExitStack | None = None
    ) -> Answer:
        """The call's final answer; a stream's slot and connection pass to ``held``."""
        try:
            answer = await self._final_answer(call, signer, held)
        except ZCRMError as error:
            log_error(error, f"{call.method} {self._template(call)}")
            self._finished(call, error)
            raise
        except BaseException as error:
            self._finished(call, error)
            raise
        self._finished(call, None)
        return answer

    def _prepare(self, options: RequestOptions) -> _Call:
        method = options.method.upper()
        headers = dict(options.headers) if options.headers else {}
        content = options.content
        encode = (
            options.json is not None and content is None and not options.data and not options.files
        )
        if encode and not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
        params = None
        if options.params is not None:
            # httpx sends None as "name=", which Zoho reads as a given (empty) value.
            params = {k: v for k, v in options.params.items() if v is not None}
        call = _Call(
            options=options,
            method=method,
            params=params,
            content=content,
            headers=headers,
            idempotent=method in IDEMPOTENT_METHODS
            if options.idempotent is None
            else options.idempotent,
            max_retries=self.retry.max_retries
            if options.max_retries is None
            else options.max_retries,
            started=time.monotonic(),
            encode=encode,
        )
        if self.hooks is not None:
            call.call_id = next(_call_ids)
        return call

    async def _final_answer(
        self, call: _Call, signer: Signer | None, held: AsyncExitStack | None
    ) -> Answer:
        while True:
            call.attempts += 1
            async with AsyncExitStack() as attempt:
                outcome = await self._attempt(call, signer, attempt)
                if isinstance(outcome, Answer):
                    if held is not None:  # the caller reads the body: keep slot and connection
                        held.push_async_exit(attempt.pop_all())
                    return outcome
                delay, reason = outcome
            logger.info(
                "%s %s: %s, retry %d in %.2fs",
                call.method,
                call.options.path,
                reason,
                call.attempts,
                delay,
            )
            if self.hooks is not None:
                self._emit("retrying", call, attempt=call.attempts, reason=reason, delay=delay)
            await anyio.sleep(delay)

    async def _attempt(
        self, call: _Call, signer: Signer | None, stack: AsyncExitStack
    ) -> Answer | tuple[float, str]:
        """One attempt: the final answer, or ``(delay, reason)`` to try again."""
        if self.credits is not None and call.options.target == "crm":
            await self._charge(call, stack)  # first: a wait for credits may outlast a token
        # The token first: a refresh (an accounts-server call, which takes no slot) never holds
        # one of the client's CRM slots while other users' calls wait for it.
        tokens = None if signer is None else await signer.token()
        # Built before the slot (not to hold it meanwhile), but for a JSON body still to
        # encode: that waits for the slot, so bodies waiting for theirs are not held encoded.
        request = None if call.encode else self._request(call, tokens)
        epoch = None
        if call.options.target == "crm":
            epoch = await stack.enter_async_context(self.limiter.slot(heavy=call.options.heavy))
        if request is None:
            request = self._request(call, tokens)
        call.receiving = False
        try:
            answer = await self._send(call, request, stack)
            if signer is not None and tokens is not None and rejects_token(answer):
                replay_tokens = await signer.refreshed(tokens)
                if replay_tokens is not None:  # the same request, once, with the new token
                    request = self._request(call, replay_tokens)
                    answer = await self._send(call, request, stack)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            return self._after_failure(call, request, exc)
        status = answer.status_code
        spent = False  # a 429 saying the org's credits are spent: no retry gets through
        if epoch is not None:
            left = credits_remaining(answer.response.headers)
            if left is not None:
                spent = left == 0 and status == 429
                if self.credits is not None:
                    self.credits.note_zoho_remaining(left)
            if status != 429:
                self.limiter.on_success()
            elif not spent:  # spent credits say nothing of congestion
                self.limiter.on_throttled(epoch)
        call.status_code = status
        if _accepted(call, answer):
            return answer
        if 300 <= status < 400:
            raise error_from_answer(answer)
        retry_after = parse_retry_after(answer.response.headers.get("Retry-After"))
        if status == 429 and self.hooks is not None:
            self._emit("rate_limited", call, attempt=call.attempts, retry_after=retry_after)
        delay = None if spent else self._retry_delay(call, retry_after)
        if delay is None or not self.retry.should_retry_status(status, idempotent=call.idempotent):
            raise error_from_answer(answer)
        return delay, f"HTTP {status}"

    def _request(self, call: _Call, tokens: OAuthTokens | None) -> httpx.Request:
        options = call.options
        if call.encode:
            # Encoded once, when the first attempt holds its slot (a large write's bodies do
            # not wait encoded in memory for their turn); the bytes httpx's json= would send.
            call.content, call.encode = encode_json(options.json), False
        timeout = httpx.USE_CLIENT_DEFAULT if options.timeout is CLIENT_DEFAULT else options.timeout
        url, params = self._url(options, tokens), call.params
        if params is not None and not self.http.params:
            # The query written into the URL as httpx would write it: httpx parses a URL string
            # once, but a URL and params twice (even empty params, which drop the URL's query).
            url, params = _with_query(url, params), None
        request = self.http.build_request(
            call.method,
            url,
            params=params,
            content=call.content,
            data=options.data,
            files=options.files,
            headers=call.headers or None,
            timeout=timeout,
        )
        if tokens is not None:
            request.headers["Authorization"] = authorization(tokens)
        call.request = request
        if self.hooks is not None and not call.template:
            call.template = _request_template(request)
        return request

    async def _send(self, call: _Call, request: httpx.Request, stack: AsyncExitStack) -> Answer:
        if self.hooks is not None:
            self._emit(
                "request_sent",
                call,
                host=request.url.host,
                attempt=call.attempts,
                elapsed=time.monotonic() - call.started,
            )
        call.sent = True
        response = await self.http.send(
            request, auth=_SIGNED_ALREADY, stream=True, follow_redirects=False
        )
        call.receiving = True
        call.answered = response.status_code
        if call.stream:  # the caller reads the body: the response closes with the attempt
            stack.push_async_callback(response.aclose)
        try:
            if call.sink is not None and response.status_code < 300:
                call.sink.seek(0)
                call.sink.truncate()
                async for chunk in response.aiter_bytes(_DOWNLOAD_CHUNK):
                    call.sink.write(chunk)
                call.sink.flush()
            elif not call.stream or response.status_code >= 300:
                await read_bounded(response, self.config.max_response_bytes)
        except BaseException:
            await response.aclose()  # a body read whole releases its connection by itself
            raise
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s -> %d", call.method, request.url, response.status_code)
        answer = Answer(response)
        if self.hooks is not None:
            self._received(call, answer)
        return answer

    def _url(self, options: RequestOptions, tokens: OAuthTokens | None) -> str:
        """``path`` on the signer's API domain: ``Leads`` -> ``{domain}/crm/{version}/Leads``.

        A path starting with ``/`` is taken from the domain root; a full URL as it is, and
        only to a trusted host when the request carries a token.
        """
        path = options.path
        if path.startswith(("https://", "http://")):
            if tokens is not None and self._trusted is not None:
                host = origin(path)
                if host not in self._trusted and host != origin(
                    self.config.api_domain(tokens.api_domain)
                ):
                    raise InvalidArgumentError(
                        f"refusing to send a Zoho token to {host}: not a Zoho host of this "
                        "configuration (allow_untrusted_hosts=true is for a test server or a "
                        "proxy you run)"
                    )
            return path
        if options.target != "crm":
            raise InvalidArgumentError(f"an accounts-server call needs a full URL, got {path!r}")
        domain = tokens.api_domain if tokens is not None else None
        base = self._bases.get(domain)
        if base is None:
            base = self._bases[domain] = self.config.api_domain(domain)
        if path.startswith("/"):
            return f"{base}{path}"
        return f"{base}{self._api_root}{path}"

    def _after_failure(
        self, call: _Call, request: httpx.Request, error: httpx.HTTPError
    ) -> tuple[float, str]:
        if isinstance(error, NOT_SENT_ERRORS) and not call.receiving:
            call.sent = False
        delay = self._retry_delay(call)
        retryable = isinstance(error, httpx.TransportError) and self.retry.should_retry_error(
            error, idempotent=call.idempotent
        )
        broke = " (the body broke off after it had started)" if call.receiving else ""
        if delay is None or not retryable:
            url = request.url.copy_with(query=None)
            what = f"{type(error).__name__}: {error or 'no answer'}{broke}"
            tries = f"after {call.attempts} attempt(s)"
            if call.options.target == "accounts":
                message = (
                    f"cannot reach the Zoho accounts server {url.host}: {what} ({call.method} "
                    f"{url}, {tries}); check the network, data_center and accounts_url"
                )
            else:
                message = f"{call.method} {url} failed: {what} (host {url.host}, {tries})"
            raise TransportError(message, host=url.host) from error
        return delay, f"{type(error).__name__}{broke}"

    def _retry_delay(self, call: _Call, retry_after: float | None = None) -> float | None:
        """Seconds to wait before the next attempt, or None when retries or time ran out."""
        if call.attempts > call.max_retries:
            return None
        delay = self.retry.delay(call.attempts, retry_after)
        if time.monotonic() - call.started + delay >= self.retry.deadline:
            return None
        return delay

    # -- API credits ------------------------------------------------------------------------------

    async def _charge(self, call: _Call, stack: AsyncExitStack) -> None:
        """Take the call's credits for this attempt; give them back at its end if Zoho did not
        count it (never sent, or refused before processing: 401, 429)."""
        assert self.credits is not None
        if call.cost is None:
            call.cost = self.credits.costs.of(call.options)
        if not call.cost:
            return
        call.sent = False
        call.answered = None
        charge = await self.credits.charge(call.cost)

        async def settle(*exc_info: object) -> None:
            if not call.sent or call.answered in (401, 429):
                await self._refund(charge)

        stack.push_async_exit(settle)

    async def _refund(self, charge: Charge) -> None:
        assert self.credits is not None
        with anyio.CancelScope(shield=True), anyio.move_on_after(self.config.timeout):
            try:
                await self.credits.refund(charge)
            except ZCRMError as error:  # the credits stay counted: too many, never too few
                logger.warning("could not give back %d API credit(s): %s", charge.cost, error)

    # -- hooks ------------------------------------------------------------------------------------

    def _emit(self, name: EventName, call: _Call, **fields: Any) -> None:
        """Hand an event of ``call`` to the hooks, with the fields every call event has."""
        assert self.hooks is not None
        self.hooks.emit(
            name,
            call_id=call.call_id,
            target=call.options.target,
            method=call.method,
            path_template=call.template,
            **fields,
        )

    def _received(self, call: _Call, answer: Answer) -> None:
        assert self.hooks is not None
        status = answer.status_code
        code = zoho_code(answer.json_or_text()) if status >= 400 else None
        call.error_code = code
        self._emit(
            "response_received",
            call,
            status_code=status,
            attempt=call.attempts,
            elapsed=time.monotonic() - call.started,
            error_code=code,
        )

    def _finished(self, call: _Call, error: BaseException | None) -> None:
        if self.hooks is None:
            return
        duration = time.monotonic() - call.started
        call.template = self._template(call)
        self._emit(
            "call_finished",
            call,
            status_code=call.status_code,
            attempts=call.attempts,
            error_code=call.error_code,
            error=None if error is None else type(error).__name__,
            started=time.time() - duration,
            duration=duration,
        )

    def _template(self, call: _Call) -> str:
        """The call's path template (from its URL when a request was built)."""
        if call.template:
            return call.template
        if call.request is not None:
            return _request_template(call.request)
        path = call.options.path  # nothing was sent (no token, say): the path it would have had
        if call.options.target == "crm" and not path.startswith(("/", "https://", "http://")):
            path = self._api_root + path
        return path_template(path, httpx.Headers(call.headers).get("X-EXTERNAL"))


def _with_query(url: str, params: dict[str, Any]) -> str:
    """``url`` with its query replaced by ``params`` (none when there are none; an empty one
    when they encode to nothing, e.g. an empty list), its fragment kept: the URL
    ``httpx.Request(url, params=params)`` sends."""
    rest, hash_mark, fragment = url.partition("#")
    query = f"?{httpx.QueryParams(params)}" if params else ""
    return f"{rest.partition('?')[0]}{query}{hash_mark}{fragment}"


def _request_template(request: httpx.Request) -> str:
    """The template of ``request``'s path: encoded, so an escaped ``/`` splits nothing."""
    return path_template(request.url.raw_path.decode("ascii"), request.headers.get("X-EXTERNAL"))


def _accepted(call: _Call, answer: Answer) -> bool:
    status = answer.status_code
    if status < 300 or status == 304:
        return True
    accept = call.options.accept
    if accept == "any_status":
        return status >= 400
    return accept == "record_errors" and status == 400 and has_record_results(answer.json_or_text())

"""``ZohoCRM`` for synchronous code: the async client on an event loop thread of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

from .._client import ZohoCRM as AsyncZohoCRM
from .._config import Config
from ._portal import CLOSE_TIMEOUT, PortalThread
from ._proxy import Blocking

__all__ = ["ZohoCRM"]

R = TypeVar("R")


async def _open(config: Config | Mapping[str, Any], options: dict[str, Any]) -> AsyncZohoCRM:
    return AsyncZohoCRM(config, **options)


class ZohoCRM(Blocking[AsyncZohoCRM]):
    """A Zoho CRM client for scripts, notebooks, Django views and other synchronous code::

        from zcrm_async.blocking import ZohoCRM

        with ZohoCRM(config) as crm:
            lead = crm.records("Leads").get(lead_id)
            for lead in crm.records("Leads").list(fields=["Last_Name"]):
                print(lead["Last_Name"])

    It runs :class:`zcrm_async.ZohoCRM` on an event loop in a daemon thread and takes the
    same arguments (``config``, ``store=``, ``transport=``, ``http_client=``, ``retry=``), plus
    ``backend`` (``"asyncio"`` or ``"trio"``) for that loop. Every manager, method and pager
    of the async client works without ``await`` (see :class:`Blocking`), and raises the same
    exceptions. One instance may be shared by many threads; their calls run concurrently,
    within the client's concurrency limit.

    Args:
        config: A :class:`~zcrm_async.Config`, or a configuration dict.
        backend: ``"asyncio"`` or ``"trio"``: the event loop the client runs on.
        backend_options: Options for that loop (anyio's ``backend_options``).
        **client_options: Passed to :class:`zcrm_async.ZohoCRM` (``store=``, ``transport=``,
            ``http_client=``, ``retry=``, ``hooks=``).

    Raises:
        ConfigError: A configuration dict with a missing or invalid key.
        InvalidArgumentError: Bad client options.
    """

    def __init__(
        self,
        config: Config | Mapping[str, Any],
        *,
        backend: str = "asyncio",
        backend_options: Mapping[str, Any] | None = None,
        **client_options: Any,
    ) -> None:
        portal = PortalThread(backend, backend_options)
        try:
            client = portal.call(_open, config, client_options)
        except BaseException:
            portal.close()
            raise
        portal.on_close(client.aclose)
        super().__init__(client, portal)

    def __repr__(self) -> str:
        return f"blocking.{self.__wrapped__!r}"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Cancel the calls in flight, close the pool and token store, and stop the loop thread.

        The calls in flight raise :class:`~zcrm_async.blocking.ClientClosedError`. Calling it
        again does nothing. A client nobody closes is closed when it and everything obtained from
        it are collected, or at interpreter exit.

        Args:
            timeout: The longest each wait (for the calls to end, for the client to close, for
                the thread to stop) lasts, in seconds.
        """
        self._portal.close(timeout)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._portal.closed

    def run(self, function: Callable[[AsyncZohoCRM], Awaitable[R]]) -> R:
        """``await function(async_client)`` on the client's event loop; its result, as it is.

        The typed way to reach anything async, for example the pipeline helpers::

            count: int = crm.run(lambda c: c.records("Leads").count())

        The result is not converted: return values (records, lists, numbers), not managers.

        Args:
            function: Takes the async :class:`zcrm_async.ZohoCRM` and returns an awaitable.

        Returns:
            What the awaitable returned.

        Raises:
            ClientClosedError: The client is closed, or closes during the call.
        """
        client = self.__wrapped__

        async def apply() -> R:
            return await function(client)

        return self._portal.call(apply)

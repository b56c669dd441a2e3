"""zcrm_async for synchronous code: ``ZohoCRM`` beside the async one, as httpx has ``Client``
beside ``AsyncClient``.

::

    from zcrm_async.blocking import ZohoCRM

    with ZohoCRM(config) as crm:
        for lead in crm.records("Leads").list(fields=["Last_Name", "Email"]):
            print(lead["Last_Name"])

The async client runs on an event loop in a daemon thread; one generic proxy,
:class:`Blocking`, turns its coroutines, async iterators and async context managers into
plain calls, iterators and context managers, so every manager works without ``await``.
"""

from .._exceptions import ClientClosedError
from ._client import ZohoCRM
from ._proxy import Blocking

__all__ = ["Blocking", "ClientClosedError", "ZohoCRM"]

"""Testing tools: ``FakeZohoCRM``, a stateful Zoho CRM emulator (needs the ``testing`` extra).

>>> fake = FakeZohoCRM()
>>> async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
...     ...
"""

from __future__ import annotations

from ._credits import CreditsSpent, edition_allowance
from ._fake import DEFAULT_SCOPES, FakeZohoCRM
from ._faults import Stats
from ._functions import FakeFunctions, FunctionCall, FunctionReply
from ._limits import Limits
from ._server import main

__all__ = [
    "DEFAULT_SCOPES",
    "CreditsSpent",
    "FakeFunctions",
    "FakeZohoCRM",
    "FunctionCall",
    "FunctionReply",
    "Limits",
    "Stats",
    "edition_allowance",
    "main",
]

"""zcrm_async: a fully async Python SDK for Zoho CRM."""

import importlib
from typing import TYPE_CHECKING, Any

from ._client import ZohoCRM
from ._config import Config, ConfigWarning
from ._datacenters import DATA_CENTERS, DataCenter
from ._exceptions import (
    APIError,
    ArchiveError,
    ArgumentError,
    AuthenticationError,
    ConfigError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TokenStoreError,
    TransportError,
    UnsupportedBackendError,
    ZCRMError,
)
from ._http._retry import RetryPolicy
from ._models import (
    BulkResult,
    BulkWriteError,
    OAuthTokens,
    Page,
    PageInfo,
    Record,
    WriteResult,
)
from ._pagination import Pager
from .auth._middleware import ZohoAuth
from .stores import BaseTokenStore, MemoryStore, TokenStore

if TYPE_CHECKING:
    from ._criteria import Criteria, escape_value
    from ._entities import (
        Attachment,
        ConvertResult,
        CustomView,
        Field,
        Layout,
        Lookup,
        MassUpdateStatus,
        Module,
        Note,
        Org,
        Profile,
        RelatedList,
        Role,
        Tag,
        Tax,
        User,
        Variable,
        VariableGroup,
    )
    from ._progress import ProgressCallback
    from .bulk import (
        ArchiveLimits,
        BulkCriteria,
        BulkJobError,
        BulkJobFailedError,
        BulkJobTimeoutError,
        BulkManager,
        BulkReadJob,
        BulkWriteInputError,
        BulkWriteJob,
        BulkWriteJobResult,
        BulkWriteResult,
        BulkWriteRow,
        PollPolicy,
    )
    from .incremental import Batch, CheckpointStore, IncrementalSync
    from .managers._files import Download
    from .managers.coql import CoqlLimitError, CoqlQuery, coql_value
    from .stores.custom import CustomStore, TokenHandlerError
    from .stores.file import FileStore
    from .sync import bounded_map, create_in_chunks, pipeline, upsert_in_chunks

# Names whose modules load on first access (PEP 562), so that `import zcrm_async` pulls in only
# the client core; bulk jobs, sync helpers and the like cost nothing until used.
_LAZY = {
    "Criteria": "._criteria",
    "escape_value": "._criteria",
    "ProgressCallback": "._progress",
    **dict.fromkeys(
        (
            "Attachment",
            "ConvertResult",
            "Lookup",
            "Org",
            "User",
            "CustomView",
            "Field",
            "Layout",
            "MassUpdateStatus",
            "Module",
            "Note",
            "Profile",
            "RelatedList",
            "Role",
            "Tag",
            "Tax",
            "Variable",
            "VariableGroup",
        ),
        "._entities",
    ),
    "CustomStore": ".stores.custom",
    "TokenHandlerError": ".stores.custom",
    "FileStore": ".stores.file",
    "Batch": ".incremental",
    "CheckpointStore": ".incremental",
    "IncrementalSync": ".incremental",
    "Download": ".managers._files",
    "CoqlLimitError": ".managers.coql",
    "CoqlQuery": ".managers.coql",
    "coql_value": ".managers.coql",
    "bounded_map": ".sync",
    "create_in_chunks": ".sync",
    "pipeline": ".sync",
    "upsert_in_chunks": ".sync",
    **dict.fromkeys(
        (
            "ArchiveLimits",
            "BulkCriteria",
            "BulkJobError",
            "BulkJobFailedError",
            "BulkJobTimeoutError",
            "BulkManager",
            "BulkReadJob",
            "BulkWriteInputError",
            "BulkWriteJob",
            "BulkWriteJobResult",
            "BulkWriteResult",
            "BulkWriteRow",
            "PollPolicy",
        ),
        ".bulk",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'zcrm_async' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "DATA_CENTERS",
    "APIError",
    "ArchiveError",
    "ArchiveLimits",
    "ArgumentError",
    "Attachment",
    "AuthenticationError",
    "BaseTokenStore",
    "BulkResult",
    "BulkWriteError",
    "Config",
    "ConfigError",
    "ConfigWarning",
    "ConvertResult",
    "Criteria",
    "CustomStore",
    "DataCenter",
    "Download",
    "FileStore",
    "MassUpdateStatus",
    "MemoryStore",
    "NotFoundError",
    "Note",
    "OAuthError",
    "OAuthTokens",
    "Org",
    "Page",
    "PageInfo",
    "Pager",
    "PermissionDeniedError",
    "RateLimitError",
    "Record",
    "RetryPolicy",
    "ServerError",
    "Tag",
    "TokenStore",
    "TokenHandlerError",
    "TokenStoreError",
    "TransportError",
    "UnsupportedBackendError",
    "User",
    "WriteResult",
    "ZCRMError",
    "ZohoAuth",
    "ZohoCRM",
    "__version__",
    "escape_value",
    "CoqlLimitError",
    "CoqlQuery",
    "CustomView",
    "Field",
    "Layout",
    "Lookup",
    "Module",
    "Profile",
    "RelatedList",
    "Role",
    "Tax",
    "Variable",
    "VariableGroup",
    "coql_value",
    "BulkCriteria",
    "BulkJobError",
    "BulkJobFailedError",
    "BulkJobTimeoutError",
    "BulkManager",
    "BulkReadJob",
    "BulkWriteInputError",
    "BulkWriteJob",
    "BulkWriteJobResult",
    "BulkWriteResult",
    "BulkWriteRow",
    "PollPolicy",
    "ProgressCallback",
    "Batch",
    "CheckpointStore",
    "IncrementalSync",
    "bounded_map",
    "create_in_chunks",
    "pipeline",
    "upsert_in_chunks",
]

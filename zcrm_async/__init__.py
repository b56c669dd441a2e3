"""zcrm_async: a fully async Python SDK for Zoho CRM."""

import importlib
from typing import TYPE_CHECKING, Any

from ._client import ZohoCRM
from ._config import Config, ConfigWarning
from ._credit_costs import CreditCosts, CreditRule
from ._credits import CreditBudget, CreditUsage, LocalCreditBudget, RedisCreditBudget
from ._datacenters import DATA_CENTERS, DataCenter
from ._exceptions import (
    APIError,
    ArchiveError,
    ArgumentError,
    AuthenticationError,
    BulkJobError,
    BulkJobFailedError,
    BulkJobTimeoutError,
    BulkWriteError,
    BulkWriteInputError,
    ClientClosedError,
    ConfigError,
    CoqlLimitError,
    CreditBudgetError,
    CreditsExhaustedError,
    CreditStoreError,
    EmptyResultError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    LimiterUnavailableError,
    LoginError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    ResponseTooLargeError,
    ServerError,
    TokenHandlerError,
    TokenStoreError,
    TransportError,
    UnexpectedResponseError,
    UnsupportedBackendError,
    WriteFailedError,
    ZCRMError,
)
from ._hooks import Hooks
from ._http._limiter import AdaptiveLimiter, Limiter
from ._http._options import RequestArgs, RequestOptionsDict
from ._http._retry import RetryPolicy
from ._models import (
    BulkResult,
    OAuthTokens,
    Page,
    PageInfo,
    PagePosition,
    Record,
    WriteResult,
    WriteResults,
)
from ._pagination import Pager
from .auth._middleware import ZohoAuth
from .auth._oauth import DEFAULT_SCOPES
from .stores import BaseTokenStore, MemoryStore, TokenStore

if TYPE_CHECKING:  # the names of _LAZY_MODULES, for type checkers
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
    from ._entities_backup import Backup, BackupHistoryEntry, BackupUrls
    from ._entities_functions import FunctionResult
    from ._entities_history import AuditLogExport, TimelineEvent
    from ._entities_mail import EmailMessage, EmailTemplate, FromAddress, InventoryTemplate
    from ._events import (
        CallFinished,
        LimiterChanged,
        RateLimited,
        RequestSent,
        ResponseReceived,
        Retrying,
        TokenRefreshed,
    )
    from ._headers import RateLimitInfo
    from ._notifications import (
        Notification,
        NotificationChannel,
        NotificationReceiver,
        ReceiverStats,
    )
    from ._org_entities import (
        AvailableCurrency,
        Currency,
        MassJobStatus,
        MergeStatus,
        Pipeline,
        PipelineStage,
        RecycleBinRecord,
        Territory,
        UserGroup,
        UserTerritory,
    )
    from ._progress import ProgressCallback
    from ._record_entities import ContactRole, RecordLock, RecordShare
    from ._redis_limiter import RedisLimiter
    from .bulk import (
        ArchiveLimits,
        BulkCriteria,
        BulkManager,
        BulkReadJob,
        BulkWriteJob,
        BulkWriteJobResult,
        BulkWriteResult,
        BulkWriteRow,
        PollPolicy,
    )
    from .incremental import Batch, CheckpointStore, IncrementalSync
    from .managers._files import Download, FileUpload
    from .managers._record_params import WriteOptions
    from .managers.coql import CoqlQuery, coql_value
    from .managers.notifications import ChannelKeepAlive, ChannelOptions
    from .pipelines import bounded_map, create_in_chunks, pipeline, upsert_in_chunks
    from .stores.custom import CustomStore
    from .stores.file import FileStore

#: Public names whose modules load on first access (PEP 562), so that ``import zcrm_async``
#: pulls in only the client core. The one table of them: ``__all__`` and the TYPE_CHECKING
#: imports above follow it, and the test suite keeps them (and the API reference) in
#: step.
_LAZY_MODULES = {
    "._criteria": ("Criteria", "escape_value"),
    "._progress": ("ProgressCallback",),
    "._redis_limiter": ("RedisLimiter",),
    "._entities": (
        "Attachment",
        "ConvertResult",
        "CustomView",
        "Field",
        "Layout",
        "Lookup",
        "MassUpdateStatus",
        "Module",
        "Note",
        "Org",
        "Profile",
        "RelatedList",
        "Role",
        "Tag",
        "Tax",
        "User",
        "Variable",
        "VariableGroup",
    ),
    "._entities_backup": ("Backup", "BackupHistoryEntry", "BackupUrls"),
    "._entities_functions": ("FunctionResult",),
    "._entities_history": ("AuditLogExport", "TimelineEvent"),
    "._entities_mail": ("EmailMessage", "EmailTemplate", "FromAddress", "InventoryTemplate"),
    "._events": (
        "CallFinished",
        "LimiterChanged",
        "RateLimited",
        "RequestSent",
        "ResponseReceived",
        "Retrying",
        "TokenRefreshed",
    ),
    "._headers": ("RateLimitInfo",),
    "._org_entities": (
        "AvailableCurrency",
        "Currency",
        "MassJobStatus",
        "MergeStatus",
        "Pipeline",
        "PipelineStage",
        "RecycleBinRecord",
        "Territory",
        "UserGroup",
        "UserTerritory",
    ),
    "._notifications": (
        "Notification",
        "NotificationChannel",
        "NotificationReceiver",
        "ReceiverStats",
    ),
    ".stores.custom": ("CustomStore",),
    ".stores.file": ("FileStore",),
    ".incremental": ("Batch", "CheckpointStore", "IncrementalSync"),
    ".managers._files": ("Download", "FileUpload"),
    ".managers.coql": ("CoqlQuery", "coql_value"),
    ".managers.notifications": ("ChannelKeepAlive", "ChannelOptions"),
    ".managers._record_params": ("WriteOptions",),
    "._record_entities": ("ContactRole", "RecordLock", "RecordShare"),
    ".pipelines": ("bounded_map", "create_in_chunks", "pipeline", "upsert_in_chunks"),
    ".bulk": (
        "ArchiveLimits",
        "BulkCriteria",
        "BulkManager",
        "BulkReadJob",
        "BulkWriteJob",
        "BulkWriteJobResult",
        "BulkWriteResult",
        "BulkWriteRow",
        "PollPolicy",
    ),
}
_LAZY = {name: module for module, names in _LAZY_MODULES.items() for name in names}


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
    "DEFAULT_SCOPES",
    "APIError",
    "AdaptiveLimiter",
    "ArchiveError",
    "ArchiveLimits",
    "ArgumentError",
    "Attachment",
    "AuditLogExport",
    "AuthenticationError",
    "AvailableCurrency",
    "Backup",
    "BackupHistoryEntry",
    "BackupUrls",
    "BaseTokenStore",
    "Batch",
    "BulkCriteria",
    "BulkJobError",
    "BulkJobFailedError",
    "BulkJobTimeoutError",
    "BulkManager",
    "BulkReadJob",
    "BulkResult",
    "BulkWriteError",
    "BulkWriteInputError",
    "BulkWriteJob",
    "BulkWriteJobResult",
    "BulkWriteResult",
    "BulkWriteRow",
    "CallFinished",
    "ChannelKeepAlive",
    "ChannelOptions",
    "CheckpointStore",
    "ClientClosedError",
    "Config",
    "ConfigError",
    "ConfigWarning",
    "ContactRole",
    "ConvertResult",
    "CoqlLimitError",
    "CoqlQuery",
    "CreditBudget",
    "CreditBudgetError",
    "CreditCosts",
    "CreditRule",
    "CreditStoreError",
    "CreditsExhaustedError",
    "CreditUsage",
    "Criteria",
    "Currency",
    "CustomStore",
    "CustomView",
    "DataCenter",
    "Download",
    "EmailMessage",
    "EmailTemplate",
    "EmptyResultError",
    "Field",
    "FileStore",
    "FileUpload",
    "FromAddress",
    "FunctionResult",
    "Hooks",
    "IncrementalSync",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "InventoryTemplate",
    "Layout",
    "Limiter",
    "LimiterChanged",
    "LimiterUnavailableError",
    "LocalCreditBudget",
    "LoginError",
    "Lookup",
    "MassJobStatus",
    "MassUpdateStatus",
    "MemoryStore",
    "MergeStatus",
    "Module",
    "NotFoundError",
    "Note",
    "Notification",
    "NotificationChannel",
    "NotificationReceiver",
    "OAuthError",
    "OAuthTokens",
    "Org",
    "Page",
    "PageInfo",
    "PagePosition",
    "Pager",
    "PermissionDeniedError",
    "Pipeline",
    "PipelineStage",
    "PollPolicy",
    "Profile",
    "ProgressCallback",
    "RateLimitError",
    "RateLimitInfo",
    "RateLimited",
    "ReceiverStats",
    "Record",
    "RecordLock",
    "RecordShare",
    "RecycleBinRecord",
    "RedisCreditBudget",
    "RedirectError",
    "RedisLimiter",
    "RelatedList",
    "RequestArgs",
    "RequestOptionsDict",
    "RequestSent",
    "ResponseReceived",
    "ResponseTooLargeError",
    "RetryPolicy",
    "Retrying",
    "Role",
    "ServerError",
    "Tag",
    "Tax",
    "Territory",
    "TimelineEvent",
    "TokenHandlerError",
    "TokenRefreshed",
    "TokenStore",
    "TokenStoreError",
    "TransportError",
    "UnexpectedResponseError",
    "UnsupportedBackendError",
    "User",
    "UserGroup",
    "UserTerritory",
    "Variable",
    "VariableGroup",
    "WriteFailedError",
    "WriteOptions",
    "WriteResult",
    "WriteResults",
    "ZCRMError",
    "ZohoAuth",
    "ZohoCRM",
    "__version__",
    "bounded_map",
    "coql_value",
    "create_in_chunks",
    "escape_value",
    "pipeline",
    "upsert_in_chunks",
]

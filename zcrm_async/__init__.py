"""zcrm_async: a fully async Python SDK for Zoho CRM."""

from ._client import ZohoCRM
from ._config import Config, ConfigWarning
from ._datacenters import DATA_CENTERS, DataCenter
from ._exceptions import (
    APIError,
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
    Org,
    Page,
    PageInfo,
    Record,
    User,
    WriteResult,
)
from ._pagination import Pager
from .auth._middleware import ZohoAuth
from .stores import (
    BaseTokenStore,
    CustomStore,
    FileStore,
    MemoryStore,
    TokenStore,
)

__version__ = "0.1.0"

__all__ = [
    "DATA_CENTERS",
    "APIError",
    "AuthenticationError",
    "BaseTokenStore",
    "BulkResult",
    "BulkWriteError",
    "Config",
    "ConfigError",
    "ConfigWarning",
    "CustomStore",
    "DataCenter",
    "FileStore",
    "MemoryStore",
    "NotFoundError",
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
    "TokenStore",
    "TokenStoreError",
    "TransportError",
    "UnsupportedBackendError",
    "User",
    "WriteResult",
    "ZCRMError",
    "ZohoAuth",
    "ZohoCRM",
    "__version__",
]

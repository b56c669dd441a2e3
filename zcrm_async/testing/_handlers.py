"""The route table of the CRM API under ``/crm/{version}`` (handlers live in topic modules).

Literal paths go before templated ones, and the first path match wins.
"""

from __future__ import annotations

from ._functions import ROUTES as FUNCTIONS_ROUTES
from ._handlers_actions import FALLBACK_ROUTES as RELATED_ROUTES
from ._handlers_actions import ROUTES as RECORD_ACTION_ROUTES
from ._handlers_backup import BULK_ROUTES as BACKUP_ROUTES
from ._handlers_backup import DOWNLOAD_ROUTES as BACKUP_DOWNLOAD_ROUTES
from ._handlers_bulk import BULK_ROUTES as BULK_JOB_ROUTES
from ._handlers_bulk import ROUTES as BULK_UPLOAD_ROUTES
from ._handlers_cleanup import ROUTES as CLEANUP_ROUTES
from ._handlers_contact_roles import ROUTES as CONTACT_ROLES_ROUTES
from ._handlers_coql import ROUTES as COQL_ROUTES
from ._handlers_currencies import ROUTES as CURRENCIES_ROUTES
from ._handlers_files import ROUTES as FILES_ROUTES
from ._handlers_history import DOWNLOAD_ROUTES as AUDIT_DOWNLOAD_ROUTES
from ._handlers_history import ROUTES as HISTORY_ROUTES
from ._handlers_mail import ROUTES as MAIL_ROUTES
from ._handlers_metadata import ROUTES as METADATA_ROUTES
from ._handlers_notes import ROUTES as NOTES_ROUTES
from ._handlers_org import ROUTES as ORG_ROUTES
from ._handlers_ownership import ROUTES as OWNERSHIP_ROUTES
from ._handlers_pipelines import ROUTES as PIPELINES_ROUTES
from ._handlers_record_extras import ROUTES as RECORD_EXTRAS_ROUTES
from ._handlers_records import ROUTES as RECORD_ROUTES
from ._handlers_tags import ROUTES as TAGS_ROUTES
from ._handlers_territories import ROUTES as TERRITORIES_ROUTES
from ._handlers_user_groups import ROUTES as USER_GROUPS_ROUTES
from ._handlers_users import ROUTES as USERS_ROUTES
from ._handlers_watch import ROUTES as WATCH_ROUTES
from ._routes import ApiRoute

__all__ = ["API_ROUTES", "BULK_ROUTES", "DOWNLOAD_ROUTES"]

API_ROUTES: tuple[ApiRoute, ...] = (
    *USERS_ROUTES,
    *ORG_ROUTES,
    *METADATA_ROUTES,
    *COQL_ROUTES,
    *BULK_UPLOAD_ROUTES,
    *FILES_ROUTES,
    *FUNCTIONS_ROUTES,
    *HISTORY_ROUTES,
    *MAIL_ROUTES,
    *WATCH_ROUTES,
    *TAGS_ROUTES,
    *CLEANUP_ROUTES,
    *CURRENCIES_ROUTES,
    *OWNERSHIP_ROUTES,
    *PIPELINES_ROUTES,
    *TERRITORIES_ROUTES,
    *USER_GROUPS_ROUTES,
    *NOTES_ROUTES,
    *CONTACT_ROLES_ROUTES,
    *RECORD_EXTRAS_ROUTES,
    *RECORD_ACTION_ROUTES,
    *RECORD_ROUTES,
    *RELATED_ROUTES,
)
#: Under ``/crm/bulk/{version}``.
BULK_ROUTES: tuple[ApiRoute, ...] = (*BULK_JOB_ROUTES, *BACKUP_ROUTES)
#: Under ``/{version}/crm`` on the download host (exported audit logs, backups).
DOWNLOAD_ROUTES: tuple[ApiRoute, ...] = (*AUDIT_DOWNLOAD_ROUTES, *BACKUP_DOWNLOAD_ROUTES)

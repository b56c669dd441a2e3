"""Zoho's bulk engine: Bulk Read (export a module as CSV) and Bulk Write (import a CSV).

Reach it through the client as ``crm.bulk`` (a :class:`BulkManager`)::

    async for row in crm.bulk.read_rows("Contacts", fields=["Last_Name", "Email"]):
        ...
    result = await crm.bulk.write("Leads", rows, operation="upsert", find_by="Email")
    for row in result.failed:
        print(row.index, row.status, row.errors)
"""

from .._exceptions import (
    BulkJobError,
    BulkJobFailedError,
    BulkJobTimeoutError,
    BulkWriteInputError,
)
from ._archive import ArchiveLimits, count_zip_csv, iter_zip_csv
from ._criteria import COMPARATORS, EMPTY, BulkCriteria, all_of, any_of
from ._csvzip import MAX_FILE_BYTES, MAX_ROWS_PER_FILE, csv_value
from ._manager import BulkManager
from ._models import (
    BulkReadJob,
    BulkReadResult,
    BulkWriteJob,
    BulkWriteJobResult,
    BulkWriteResult,
    BulkWriteRow,
    PollPolicy,
)

__all__ = [
    "COMPARATORS",
    "EMPTY",
    "MAX_FILE_BYTES",
    "MAX_ROWS_PER_FILE",
    "ArchiveLimits",
    "BulkCriteria",
    "BulkJobError",
    "BulkJobFailedError",
    "BulkJobTimeoutError",
    "BulkManager",
    "BulkReadJob",
    "BulkReadResult",
    "BulkWriteInputError",
    "BulkWriteJob",
    "BulkWriteJobResult",
    "BulkWriteResult",
    "BulkWriteRow",
    "PollPolicy",
    "all_of",
    "any_of",
    "count_zip_csv",
    "csv_value",
    "iter_zip_csv",
]

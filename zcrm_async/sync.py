"""Deprecated: the concurrency helpers moved to :mod:`zcrm_async.pipelines`.

``zcrm_async.sync`` read as "the synchronous API"; it only ever held concurrency helpers.
Import them from ``zcrm_async.pipelines`` (or ``zcrm_async`` itself); this alias module will go.
"""

import warnings

from .pipelines import *  # noqa: F403
from .pipelines import __all__ as __all__

warnings.warn(
    "zcrm_async.sync is deprecated: import the same names from zcrm_async.pipelines",
    DeprecationWarning,
    stacklevel=2,
)

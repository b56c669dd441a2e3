"""Entity managers: thin classes that turn calls into requests and answers into models."""

from .org import OrgManager
from .records import RecordsManager
from .users import UsersManager

__all__ = ["OrgManager", "RecordsManager", "UsersManager"]

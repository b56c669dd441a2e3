"""Entity managers: thin classes that turn calls into requests and answers into models."""

from .coql import CoqlQuery
from .metadata import ModulesManager
from .org import OrgManager, TaxesManager
from .records import RecordsManager
from .settings import ProfilesManager, RolesManager, VariablesManager
from .users import UsersManager

__all__ = [
    "CoqlQuery",
    "ModulesManager",
    "OrgManager",
    "ProfilesManager",
    "RecordsManager",
    "RolesManager",
    "TaxesManager",
    "UsersManager",
    "VariablesManager",
]

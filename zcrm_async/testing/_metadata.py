"""Field and module metadata of the standard Zoho CRM modules (a realistic subset)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["DEAL_STAGES", "STANDARD_MODULES", "FieldSpec", "ModuleSpec"]

#: Default ``length`` per data type, as Zoho reports them in /settings/fields.
_LENGTHS: Final = {
    "text": 255,
    "email": 100,
    "phone": 30,
    "website": 255,
    "textarea": 32000,
    "picklist": 120,
    "multiselectpicklist": 2000,
    "integer": 9,
    "bigint": 18,
    "double": 16,
    "currency": 16,
    "boolean": 5,
    "date": 20,
    "datetime": 120,
    "lookup": 120,
    "ownerlookup": 120,
    "fileupload": 255,
    "imageupload": 255,
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a module: what /settings/fields reports and what writes are checked against."""

    api_name: str
    data_type: str
    length: int
    system_mandatory: bool = False
    read_only: bool = False
    lookup_module: str | None = None
    pick_list_values: tuple[str, ...] = ()
    #: A custom field (added to the fake's org, not one of Zoho's standard fields).
    custom: bool = False
    #: An external field: a unique text field holding the record's id in another system.
    external: bool = False
    #: A rich-text multi-line field (HTML text, read whole by ``fetch_full_data``).
    rich_text: bool = False


@dataclass(frozen=True, slots=True)
class ModuleSpec:
    """A module: its fields, upsert duplicate-check defaults and the field(s) naming a record."""

    api_name: str
    singular_label: str
    fields: tuple[FieldSpec, ...]
    duplicate_check_fields: tuple[str, ...]
    display_fields: tuple[str, ...]
    plural_label: str = ""
    by_name: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.api_name: f for f in self.fields})
        if not self.plural_label:
            object.__setattr__(self, "plural_label", self.api_name.replace("_", " "))

    def display_name(self, record: dict[str, Any]) -> str:
        """What Zoho shows as the record's name (e.g. ``First_Name Last_Name``)."""
        parts = [str(record[name]) for name in self.display_fields if record.get(name)]
        return " ".join(parts)


def _f(
    api_name: str,
    data_type: str = "text",
    length: int | None = None,
    *,
    mandatory: bool = False,
    lookup: str | None = None,
    picklist: tuple[str, ...] = (),
    read_only: bool = False,
) -> FieldSpec:
    return FieldSpec(
        api_name=api_name,
        data_type=data_type,
        length=length if length is not None else _LENGTHS[data_type],
        system_mandatory=mandatory,
        read_only=read_only,
        lookup_module=lookup,
        pick_list_values=picklist,
    )


_SYSTEM: Final = (
    _f("Owner", "ownerlookup"),
    _f("Created_By", "ownerlookup", read_only=True),
    _f("Modified_By", "ownerlookup", read_only=True),
    _f("Created_Time", "datetime", read_only=True),
    _f("Modified_Time", "datetime", read_only=True),
)

_LEAD_SOURCES: Final = ("-None-", "Advertisement", "Cold Call", "Employee Referral", "Web Download")
_INDUSTRIES: Final = ("-None-", "ASP", "Data/Telecom OEM", "Education", "Government", "ERP")
_RATINGS: Final = ("-None-", "Acquired", "Active", "Market Failed", "Project Cancelled")
#: The Stage picklist of Deals, in the order a deal moves through it.
DEAL_STAGES: Final = (
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)


def _address(prefix: str) -> tuple[FieldSpec, ...]:
    street = "Street" if not prefix else f"{prefix}_Street"
    names = ("City", "State", "Code" if prefix else "Zip_Code", "Country")
    rest = (_f(f"{prefix}_{n}" if prefix else n, length=100) for n in names)
    return (_f(street, length=250), *rest)


def _module(
    api_name: str,
    singular: str,
    fields: tuple[FieldSpec, ...],
    *,
    duplicate_check: tuple[str, ...] = (),
    display: tuple[str, ...] = (),
) -> ModuleSpec:
    return ModuleSpec(
        api_name=api_name,
        singular_label=singular,
        fields=_SYSTEM + fields,
        duplicate_check_fields=duplicate_check,
        display_fields=display or duplicate_check[:1],
    )


def _subject_module(
    api_name: str, singular: str, *extra: FieldSpec, dedupe: bool = True
) -> ModuleSpec:
    return _module(
        api_name,
        singular,
        (_f("Subject", mandatory=True), *extra, _f("Description", "textarea")),
        duplicate_check=("Subject",) if dedupe else (),
        display=("Subject",),
    )


_MODULES: Final = (
    _module(
        "Leads",
        "Lead",
        (
            _f("Salutation", "picklist", picklist=("-None-", "Mr.", "Mrs.", "Ms.", "Dr.")),
            _f("First_Name", length=40),
            _f("Last_Name", length=80, mandatory=True),
            _f("Full_Name", read_only=True),
            _f("Company", length=200),
            _f("Designation", length=100),
            _f("Email", "email"),
            _f("Secondary_Email", "email"),
            _f("Phone", "phone"),
            _f("Mobile", "phone"),
            _f("Fax", "phone"),
            _f("Website", "website"),
            _f("Lead_Source", "picklist", picklist=_LEAD_SOURCES),
            _f("Lead_Status", "picklist", picklist=("-None-", "Attempted to Contact", "Junk Lead")),
            _f("Industry", "picklist", picklist=_INDUSTRIES),
            _f("No_of_Employees", "integer"),
            _f("Annual_Revenue", "currency"),
            _f("Rating", "picklist", picklist=_RATINGS),
            _f("Email_Opt_Out", "boolean"),
            _f("Skype_ID", length=50),
            _f("Twitter", length=50),
            *_address(""),
            _f("Description", "textarea"),
        ),
        duplicate_check=("Email",),
        display=("First_Name", "Last_Name"),
    ),
    _module(
        "Contacts",
        "Contact",
        (
            _f("Salutation", "picklist", picklist=("-None-", "Mr.", "Mrs.", "Ms.", "Dr.")),
            _f("First_Name", length=40),
            _f("Last_Name", length=80, mandatory=True),
            _f("Full_Name", read_only=True),
            _f("Account_Name", "lookup", lookup="Accounts"),
            _f("Vendor_Name", "lookup", lookup="Vendors"),
            _f("Email", "email"),
            _f("Secondary_Email", "email"),
            _f("Phone", "phone"),
            _f("Mobile", "phone"),
            _f("Title", length=100),
            _f("Department", length=100),
            _f("Date_of_Birth", "date"),
            _f("Lead_Source", "picklist", picklist=_LEAD_SOURCES),
            _f("Email_Opt_Out", "boolean"),
            *_address("Mailing"),
            _f("Description", "textarea"),
        ),
        duplicate_check=("Email",),
        display=("First_Name", "Last_Name"),
    ),
    _module(
        "Accounts",
        "Account",
        (
            _f("Account_Name", length=200, mandatory=True),
            _f("Account_Number", "bigint"),
            _f("Parent_Account", "lookup", lookup="Accounts"),
            _f(
                "Account_Type", "picklist", picklist=("-None-", "Analyst", "Competitor", "Customer")
            ),
            _f("Industry", "picklist", picklist=_INDUSTRIES),
            _f("Annual_Revenue", "currency"),
            _f("Employees", "integer"),
            _f("Ownership", "picklist", picklist=("-None-", "Other", "Private", "Public")),
            _f("Rating", "picklist", picklist=_RATINGS),
            _f("Phone", "phone"),
            _f("Fax", "phone"),
            _f("Website", "website"),
            _f("Ticker_Symbol", length=30),
            *_address("Billing"),
            _f("Description", "textarea"),
        ),
        duplicate_check=("Account_Name",),
    ),
    _module(
        "Deals",
        "Deal",
        (
            _f("Deal_Name", length=120, mandatory=True),
            _f("Amount", "currency"),
            _f("Stage", "picklist", mandatory=True, picklist=DEAL_STAGES),
            _f("Closing_Date", "date", mandatory=True),
            _f("Probability", "integer", 3),
            _f("Expected_Revenue", "currency", read_only=True),
            _f("Account_Name", "lookup", lookup="Accounts"),
            _f("Contact_Name", "lookup", lookup="Contacts"),
            _f("Campaign_Source", "lookup", lookup="Campaigns"),
            _f("Type", "picklist", picklist=("-None-", "Existing Business", "New Business")),
            _f("Lead_Source", "picklist", picklist=_LEAD_SOURCES),
            _f("Next_Step", length=100),
            _f("Description", "textarea"),
        ),
        duplicate_check=("Deal_Name",),
    ),
    _subject_module(
        "Tasks",
        "Task",
        _f("Due_Date", "date"),
        _f("Status", "picklist", picklist=("Not Started", "In Progress", "Completed")),
        _f("Priority", "picklist", picklist=("High", "Highest", "Low", "Lowest", "Normal")),
        _f("What_Id", "lookup"),
        _f("Who_Id", "lookup", lookup="Contacts"),
        _f("Send_Notification_Email", "boolean"),
        dedupe=False,
    ),
    _module(
        "Events",
        "Meeting",
        (
            _f("Event_Title", mandatory=True),
            _f("Start_DateTime", "datetime", mandatory=True),
            _f("End_DateTime", "datetime", mandatory=True),
            _f("All_day", "boolean"),
            _f("Venue"),
            _f("What_Id", "lookup"),
            _f("Who_Id", "lookup", lookup="Contacts"),
            _f("Description", "textarea"),
        ),
        display=("Event_Title",),
    ),
    _subject_module(
        "Calls",
        "Call",
        _f("Call_Type", "picklist", mandatory=True, picklist=("Outbound", "Inbound", "Missed")),
        _f("Call_Start_Time", "datetime", mandatory=True),
        _f("Call_Duration", length=10),
        _f("Call_Purpose", "picklist", picklist=("-None-", "Prospecting", "Negotiation")),
        _f("What_Id", "lookup"),
        _f("Who_Id", "lookup", lookup="Contacts"),
        dedupe=False,
    ),
    _module(
        "Products",
        "Product",
        (
            _f("Product_Name", length=120, mandatory=True),
            _f("Product_Code", length=40),
            _f("Product_Active", "boolean"),
            _f("Product_Category", "picklist", picklist=("-None-", "Hardware", "Software")),
            _f("Unit_Price", "currency"),
            _f("Qty_in_Stock", "double"),
            _f("Vendor_Name", "lookup", lookup="Vendors"),
            _f("Description", "textarea"),
        ),
        duplicate_check=("Product_Name",),
    ),
    _module(
        "Vendors",
        "Vendor",
        (
            _f("Vendor_Name", length=120, mandatory=True),
            _f("Email", "email"),
            _f("Phone", "phone"),
            _f("Website", "website"),
            _f("Category", length=40),
            _f("Description", "textarea"),
        ),
        duplicate_check=("Vendor_Name",),
    ),
    _module(
        "Campaigns",
        "Campaign",
        (
            _f("Campaign_Name", length=120, mandatory=True),
            _f("Type", "picklist", picklist=("-None-", "Conference", "Webinar", "Email")),
            _f("Status", "picklist", picklist=("-None-", "Planning", "Active", "Inactive")),
            _f("Start_Date", "date"),
            _f("End_Date", "date"),
            _f("Expected_Revenue", "currency"),
            _f("Budgeted_Cost", "currency"),
            _f("Actual_Cost", "currency"),
            _f("Description", "textarea"),
        ),
        duplicate_check=("Campaign_Name",),
    ),
    _subject_module(
        "Cases",
        "Case",
        _f("Status", "picklist", picklist=("New", "On Hold", "Escalated", "Closed")),
        _f("Priority", "picklist", picklist=("-None-", "High", "Medium", "Low")),
        _f("Case_Origin", "picklist", picklist=("-None-", "Email", "Phone", "Web")),
        _f("Email", "email"),
        _f("Phone", "phone"),
        _f("Account_Name", "lookup", lookup="Accounts"),
        # Custom fields as an admin adds them: files and images kept in Zoho's file store.
        _f("File_Upload", "fileupload"),
        _f("Image_Upload", "imageupload"),
    ),
    _module(
        "Solutions",
        "Solution",
        (
            _f("Solution_Title", mandatory=True),
            _f("Status", "picklist", picklist=("Draft", "Reviewed", "Published")),
            _f("Question", "textarea"),
            _f("Answer", "textarea"),
        ),
        duplicate_check=("Solution_Title",),
    ),
    _subject_module(
        "Quotes",
        "Quote",
        _f("Quote_Stage", "picklist", picklist=("Draft", "Negotiation", "Delivered")),
        _f("Valid_Till", "date"),
        _f("Account_Name", "lookup", lookup="Accounts"),
        _f("Grand_Total", "currency", read_only=True),
    ),
    _subject_module(
        "Sales_Orders",
        "Sales Order",
        _f("Status", "picklist", picklist=("Created", "Approved", "Delivered")),
        _f("Due_Date", "date"),
        _f("Account_Name", "lookup", lookup="Accounts"),
    ),
    _subject_module(
        "Purchase_Orders",
        "Purchase Order",
        _f("Status", "picklist", picklist=("Created", "Approved", "Delivered")),
        _f("PO_Date", "date"),
        _f("Vendor_Name", "lookup", lookup="Vendors"),
    ),
    _subject_module(
        "Invoices",
        "Invoice",
        _f("Status", "picklist", picklist=("Created", "Approved", "Delivered")),
        _f("Invoice_Date", "date"),
        _f("Due_Date", "date"),
        _f("Account_Name", "lookup", lookup="Accounts"),
    ),
    _module(
        "Price_Books",
        "Price Book",
        (
            _f("Price_Book_Name", mandatory=True),
            _f("Active", "boolean"),
            _f("Pricing_Model", "picklist", picklist=("-None-", "Flat", "Differential")),
            _f("Description", "textarea"),
        ),
        duplicate_check=("Price_Book_Name",),
    ),
    # Parent_Id is a plain id string in v2-v4 and an object in v6+: "lookup"
    # validation accepts both shapes.
    _module(
        "Notes",
        "Note",
        (
            _f("Note_Title", length=120),
            _f("Note_Content", "textarea", mandatory=True),
            _f("Parent_Id", "lookup"),
            _f("se_module", length=50),
        ),
        display=("Note_Title",),
    ),
)

#: The standard modules by API name (case-sensitive, as Zoho's API names are).
STANDARD_MODULES: Final[dict[str, ModuleSpec]] = {m.api_name: m for m in _MODULES}

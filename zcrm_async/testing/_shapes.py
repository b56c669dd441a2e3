"""The org, modules, fields and layouts as Zoho describes them: every key its answers carry.

Zoho's metadata answers are wide: a field has some 80 keys, a module 66, the org 43. Clients
read them directly (Zoho's classic SDK indexes ``org["city"]`` and ``module["convertable"]``
without a default), so the fake sends all of them, with ``null`` where a feature does not apply
(as Zoho does: a plain text field has ``"crypt": null``, ``"tooltip": null``...), and an
empty object for the feature objects Zoho always sends (``lookup``, ``unique``, ``formula``,
``currency``, ``auto_number``; Zoho's classic SDK takes ``len()`` of them).
"""

from __future__ import annotations

from typing import Any, Final

from ._metadata import FieldSpec, ModuleSpec

__all__ = ["CONVERSIONS", "field_details", "layout_details", "module_details", "org_details"]

_JSON_TYPES: Final = {
    "integer": "integer",
    "bigint": "string",
    "double": "double",
    "currency": "double",
    "boolean": "boolean",
    "lookup": "jsonobject",
    "ownerlookup": "jsonobject",
    "multiselectpicklist": "jsonarray",
    "fileupload": "jsonarray",
    "imageupload": "jsonarray",
}
#: Zoho's ``ui_type`` codes of the standard field types.
_UI_TYPES: Final = {
    "text": 1,
    "textarea": 3,
    "email": 25,
    "phone": 33,
    "website": 21,
    "picklist": 2,
    "multiselectpicklist": 100,
    "integer": 32,
    "bigint": 32,
    "double": 36,
    "currency": 36,
    "boolean": 301,
    "date": 24,
    "datetime": 333,
    "lookup": 133,
    "ownerlookup": 8,
    "fileupload": 560,
    "imageupload": 555,
}
#: Where a converted record of a module goes (Zoho's conversion targets).
CONVERSIONS: Final = {
    "Leads": ("Contacts", "Deals", "Accounts"),
    "Quotes": ("Sales_Orders", "Invoices"),
    "Sales_Orders": ("Invoices",),
}


def org_details(org: dict[str, Any], primary_zuid: str, created_time: str) -> dict[str, Any]:
    """``GET /org``'s object: the stored org and everything else an org answer carries."""
    return {
        "id": org["id"],
        "company_name": org["company_name"],
        "alias": org["alias"],
        "primary_email": org["primary_email"],
        "primary_zuid": primary_zuid,
        "domain_name": org["domain_name"],
        "zgid": org["zgid"],
        "ezgid": f"z{org['zgid']}",
        "zia_zgid": int(org["zgid"][-9:]),
        "zia_portal_id": None,
        "photo_id": None,
        "call_icon": "default",
        "time_zone": org["time_zone"],
        "iso_code": org["iso_code"],
        "currency": org["currency"],
        "currency_symbol": org["currency_symbol"],
        "currency_locale": "en_US",
        "country": "United States",
        "country_code": org["country_code"],
        "street": "4141 Hacienda Drive",
        "city": "Pleasanton",
        "state": "California",
        "zip": "94588",
        "phone": "+1 925 924 9500",
        "mobile": None,
        "fax": None,
        "website": "www.example.com",
        "description": None,
        "employee_count": "200",
        "type": org["type"],
        "mc_status": org["mc_status"],
        "gapps_enabled": org["gapps_enabled"],
        "privacy_settings": org["privacy_settings"],
        "translation_enabled": False,
        "hipaa_compliance_enabled": False,
        "lite_users_enabled": False,
        "oauth_presence": True,
        "deletable_org_account": False,
        "max_per_page": 200,
        "created_time": created_time,
        "license_details": {
            "paid": True,
            "paid_type": "enterprise",
            "paid_expiry": None,
            "users_license_purchased": 10,
            "trial_type": None,
            "trial_expiry": None,
            "trial_action": None,
        },
        "hierarchy_preferences": {"type": "Role_Hierarchy", "strictly_reporting": False},
        "checkin_preferences": {"restricted_event_types": "none"},
    }


def module_details(
    spec: ModuleSpec,
    module_id: str,
    sequence: int,
    profiles: list[dict[str, Any]],
    modified_time: str,
    *,
    status_from_v5: bool,
) -> dict[str, Any]:
    """A module as ``/settings/modules`` shows it (``status`` from v5 on, ``visible`` before)."""
    standard = spec.api_name != "Notes"
    info: dict[str, Any] = {
        "id": module_id,
        "api_name": spec.api_name,
        "module_name": spec.api_name,
        "singular_label": spec.singular_label,
        "plural_label": spec.plural_label,
        "description": None,
        "sequence_number": sequence,
        "generated_type": "default",
        "api_supported": True,
        "creatable": True,
        "editable": True,
        "deletable": True,
        "viewable": True,
        "convertable": spec.api_name in CONVERSIONS,
        "quick_create": standard,
        "show_as_tab": standard,
        "visible": True,
        "visibility": 1,
        "presence_sub_menu": False,
        "global_search_supported": standard,
        "common.search_supported": standard,
        "scoring_supported": spec.api_name in ("Leads", "Contacts", "Accounts", "Deals"),
        "webform_supported": spec.api_name in ("Leads", "Contacts", "Cases"),
        "email_parser_supported": False,
        "emailTemplate_support": spec.api_name in ("Leads", "Contacts", "Accounts", "Deals"),
        "inventory_template_supported": spec.api_name in ("Quotes", "Sales_Orders", "Invoices"),
        "isBlueprintSupported": standard,
        "triggers_supported": True,
        "feeds_required": False,
        "filter_supported": True,
        "filter_status": True,
        "track_current_data": False,
        "recycle_bin_on_delete": True,
        "chart_view": False,
        "chart_view_supported": True,
        "kanban_view": False,
        "kanban_view_supported": True,
        "zia_view": False,
        "activity_badge": "Disabled",
        "business_card_field_limit": 5,
        "business_card_fields": [],
        "display_field": {"api_name": spec.display_fields[-1]} if spec.display_fields else None,
        "web_link": None,
        "per_page": 200,
        "parent_module": None,
        "custom_view": None,
        "modified_time": modified_time,
        "modified_by": None,
        "profile_count": len(profiles),
        "profiles": profiles,
        "has_more_profiles": False,
        "arguments": [],
        "related_lists": [],
        "related_list_properties": {
            "sort_by": None,
            "fields": [f.api_name for f in spec.fields[5:8]],
            "sort_order": None,
        },
        "lookup_field_properties": {"fields": []},
        "search_layout_fields": [f.api_name for f in spec.fields[5:8]],
        "default_mapping_fields": [],
        "layout_associations": [],
        "layouts": [],
        "fields": [],
        "$properties": [],
        "$field_states": [],
        "$on_demand_properties": [],
    }
    if status_from_v5:
        info["status"] = "visible"
    return info


def _json_type(spec: FieldSpec) -> str:
    return _JSON_TYPES.get(spec.data_type, "string")


def _textarea(spec: FieldSpec) -> dict[str, str] | None:
    """A multi-line field's kind: ``rich_text`` (HTML), else ``large``."""
    if spec.data_type != "textarea":
        return None
    return {"type": "rich_text" if spec.rich_text else "large"}


def field_details(
    spec: FieldSpec,
    field_id: str,
    index: int,
    module: ModuleSpec,
    profiles: list[dict[str, Any]],
    lookup_module_id: str | None,
) -> dict[str, Any]:
    """A field as ``/settings/fields`` shows it."""
    label = spec.api_name.replace("_", " ")
    writable = not spec.read_only
    numeric = spec.data_type in ("double", "currency")
    permission = "read_write" if writable else "read_only"
    lookup: dict[str, Any] = {}
    if spec.data_type == "lookup":
        lookup = {
            "display_label": spec.lookup_module or "Record",
            "api_name": spec.lookup_module,
            "module": (
                {"api_name": spec.lookup_module, "id": lookup_module_id}
                if spec.lookup_module
                else None
            ),
            "id": f"{field_id}9",
            "query_details": {},
            "revalidate_filter_during_edit": False,
            "show_fields": [],
        }
    return {
        "id": field_id,
        "api_name": spec.api_name,
        "field_label": label,
        "display_label": label,
        "column_name": spec.api_name.upper(),
        "data_type": spec.data_type,
        "json_type": _json_type(spec),
        "length": spec.length,
        "decimal_place": 2 if numeric else None,
        "system_mandatory": spec.system_mandatory,
        "required": spec.system_mandatory,
        "read_only": spec.read_only,
        "field_read_only": spec.read_only,
        "custom_field": spec.custom,
        "visible": True,
        "type": "used",
        "ui_type": _UI_TYPES.get(spec.data_type, 1),
        "display_type": -1,
        "show_type": 7,
        "category": 0,
        "sequence_number": index + 1,
        "quick_sequence_number": str(index + 1),
        "created_source": "default",
        "created_time": None,
        "modified_time": None,
        "display_field": spec.api_name in module.display_fields,
        "default_value": None,
        "pick_list_values": [
            {
                "id": f"{field_id}{i + 1:02d}",
                "display_value": value,
                "actual_value": value,
                "reference_value": value,
                "sequence_number": i + 1,
                "colour_code": None,
                "type": "used",
            }
            for i, value in enumerate(spec.pick_list_values)
        ],
        "pick_list_values_sorted_lexically": False,
        "enable_colour_code": False,
        "colour_code_enabled_by_system": False,
        "lookup": lookup,
        "currency": {"rounding_option": "normal", "precision": 2} if numeric else {},
        "textarea": _textarea(spec),
        "view_type": {
            "view": True,
            "edit": writable,
            "create": writable,
            "quick_create": spec.system_mandatory,
        },
        "operation_type": {
            "web_update": writable,
            "api_create": writable,
            "web_create": writable,
            "api_update": writable,
        },
        "profiles": [{**p, "permission_type": permission} for p in profiles],
        "layout_associations": [],
        "allowed_modules": [],
        "customizable_properties": [],
        "file_upolad_optionlist": [],
        "filterable": True,
        "sortable": True,
        "searchable": spec.data_type not in ("boolean", "lookup", "ownerlookup"),
        "mass_update": writable and spec.data_type not in ("lookup", "ownerlookup"),
        "businesscard_supported": True,
        "blueprint_supported": spec.data_type == "picklist",
        "available_in_user_layout": True,
        "virtual_field": False,
        "static_field": False,
        "separator": False,
        "number_separator": False,
        "webhook": True,
        "_update_existing_records": False,
        "hipaa_compliance_enabled": False,
        "additional_column": None,
        "associated_module": None,
        "association_details": None,
        "auto_number": {},
        "autonumber": None,
        "common.picklist": None,
        "convert_mapping": None,
        "crypt": None,
        "email_parser": None,
        "external": (
            {"show": True, "type": "org", "allow_multiple_config": False} if spec.external else None
        ),
        "formula": {},
        "hipaa_compliance": None,
        "history_tracking": None,
        "multi_module_lookup": None,
        "multiselectlookup": None,
        "multiuserlookup": None,
        "refer_from_field": None,
        "rollup_summary": None,
        "sharing_properties": None,
        "sub_module": None,
        "subform": None,
        "tooltip": None,
        "unique": {"casesensitive": "1"} if spec.external else {},
    }


def layout_details(
    spec: ModuleSpec,
    layout_id: str,
    section_id: str,
    fields: list[dict[str, Any]],
    profiles: list[dict[str, Any]],
    targets: dict[str, dict[str, Any]],
    created: tuple[str, dict[str, Any]],
) -> dict[str, Any]:
    """The module's one layout, ``Standard``: one section holding every field.

    ``targets``: the layout each conversion target of the module uses (``{"name", "id"}``);
    ``created``: when and by whom the layout was made.
    """
    created_time, created_by = created
    name = f"{spec.singular_label} Information"
    section_fields = [
        {
            **field,
            "_delete": None,
            "section_id": int(section_id),
            "static_values": [],
            "validation_rule": None,
        }
        for field in fields
    ]
    section = {
        "id": section_id,
        "name": name,
        "display_label": name,
        "api_name": name.replace(" ", "_"),
        "sequence_number": 1,
        "column_count": 2,
        "tab_traversal": 1,
        "isSubformSection": False,
        "generated_type": "default",
        "type": "used",
        "_delete": None,
        "properties": None,
        "fields": section_fields,
    }
    return {
        "id": layout_id,
        "name": "Standard",
        "api_name": "Standard",
        "display_label": "Standard",
        "display_type": -1,
        "status": "active",
        "visible": True,
        "source": "crm",
        "mode": None,
        "generated_type": "default",
        "show_business_card": False,
        "has_more_profiles": False,
        "subform_properties": None,
        "created_for": None,
        "convert_mapping": dict(targets),
        "created_time": created_time,
        "modified_time": created_time,
        "created_by": created_by,
        "modified_by": None,
        "profiles": [
            {**p, "default": True, "_default_view": None, "_default_assignment_view": None}
            for p in profiles
        ],
        "sections": [section],
        "actions_allowed": {
            "edit": True,
            "rename": True,
            "clone": True,
            "downgrade": False,
            "delete": False,
            "deactivate": False,
            "set_layout_permissions": True,
        },
    }

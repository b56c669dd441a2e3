"""Zoho's data centres: accounts server, API domains per environment, file-upload host."""

from __future__ import annotations

import attrs

__all__ = ["DATA_CENTERS", "ENVIRONMENTS", "DataCenter", "data_center_of"]

ENVIRONMENTS = ("production", "sandbox", "developer")


@attrs.frozen
class DataCenter:
    """One Zoho data centre (see reference/zoho-crm-api.md §1.1)."""

    code: str
    accounts_url: str
    api_suffix: str  # "com" in https://www.zohoapis.com
    upload_url: str

    def api_domain(self, environment: str = "production") -> str:
        """The API domain for ``production``, ``sandbox`` or ``developer``."""
        prefix = {"production": "www", "sandbox": "sandbox", "developer": "developer"}[environment]
        return f"https://{prefix}.zohoapis.{self.api_suffix}"


DATA_CENTERS: dict[str, DataCenter] = {
    dc.code: dc
    for dc in (
        DataCenter("us", "https://accounts.zoho.com", "com", "https://content.zohoapis.com"),
        DataCenter("eu", "https://accounts.zoho.eu", "eu", "https://content.zohoapis.eu"),
        DataCenter("in", "https://accounts.zoho.in", "in", "https://content.zohoapis.in"),
        DataCenter(
            "cn", "https://accounts.zoho.com.cn", "com.cn", "https://content.zohoapis.com.cn"
        ),
        DataCenter(
            "au", "https://accounts.zoho.com.au", "com.au", "https://content.zohoapis.com.au"
        ),
        DataCenter("jp", "https://accounts.zoho.jp", "jp", "https://content.zohoapis.jp"),
        DataCenter("ca", "https://accounts.zohocloud.ca", "ca", "https://upload.zohocloud.ca"),
        DataCenter("sa", "https://accounts.zoho.sa", "sa", "https://files.zoho.sa"),
    )
}


def data_center_of(url: str | None) -> DataCenter | None:
    """The data centre whose accounts server or API domain (any environment) ``url`` is."""
    if not url:
        return None
    origin = url.strip().rstrip("/").lower()
    for dc in DATA_CENTERS.values():
        domains = {dc.accounts_url} | {dc.api_domain(env) for env in ENVIRONMENTS}
        if origin in domains:
            return dc
    return None

"""Zoho's data centres: accounts server, API domains per environment, file-upload host."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "DATA_CENTERS",
    "ENVIRONMENTS",
    "DataCenter",
    "data_center_of",
    "origin",
    "trusted_origins",
]

ENVIRONMENTS = ("production", "sandbox", "developer")


@attrs.frozen
class DataCenter:
    """One Zoho data centre: its accounts server, API domains and file-upload host."""

    code: str
    accounts_url: str
    api_suffix: str  # "com" in https://www.zohoapis.com
    upload_url: str

    def api_domain(self, environment: str = "production") -> str:
        """The API domain for ``production``, ``sandbox`` or ``developer``.

        Args:
            environment: ``"production"``, ``"sandbox"`` or ``"developer"``.

        Returns:
            The domain's URL, e.g. ``https://www.zohoapis.eu``.

        Raises:
            KeyError: An unknown environment.
        """
        prefix = {"production": "www", "sandbox": "sandbox", "developer": "developer"}[environment]
        return f"https://{prefix}.zohoapis.{self.api_suffix}"

    @property
    def api_domains(self) -> frozenset[str]:
        """The API domains of every environment."""
        return frozenset(self.api_domain(env) for env in ENVIRONMENTS)

    @property
    def download_urls(self) -> frozenset[str]:
        """The hosts Zoho's download links point at (exported audit logs, data backups):
        ``download`` and ``download-accl`` on the accounts server's domain."""
        domain = self.accounts_url.removeprefix("https://accounts.")
        return frozenset({f"https://download.{domain}", f"https://download-accl.{domain}"})


#: Zoho's data centres by the code of the ``data_center`` config key (``us``, ``eu``...).
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
    base = url.strip().rstrip("/").lower()
    for dc in DATA_CENTERS.values():
        if base == dc.accounts_url or base in dc.api_domains:
            return dc
    return None


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased."""
    scheme, _, rest = url.strip().partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}".lower()


def trusted_origins(configured: Iterable[str | None]) -> frozenset[str]:
    """Hosts a Zoho token may be sent to: every data centre's API, accounts, upload and download
    hosts, and the URLs the configuration names itself."""
    known: set[str] = set()
    for dc in DATA_CENTERS.values():
        known |= dc.api_domains | dc.download_urls | {dc.accounts_url, dc.upload_url}
    known |= {origin(url) for url in configured if url}
    return frozenset(known)

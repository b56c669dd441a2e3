"""zcrm_async from synchronous code: a plain script, no ``async`` or ``await`` anywhere.

    python blocking_script.py            # against Zoho; the config comes from ZCRM_* variables
    python blocking_script.py --fake     # offline, against a FakeZohoCRM on a local socket

It creates three leads, reads them back page by page with a plain ``for`` loop, counts three
modules from a thread pool sharing one client, downloads an attachment inside ``with``, shows
that errors are the SDK's own exceptions, and deletes what it created.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import zcrm_async as zc
from zcrm_async.blocking import ZohoCRM


def run(crm: ZohoCRM) -> dict[str, Any]:
    """The tour; ``crm`` is a blocking client whose user already has tokens."""
    me = crm.users.current()
    leads = crm.records("Leads")
    created = leads.create([{"Last_Name": f"Blocking {n}"} for n in range(3)])
    created.raise_for_failures()
    ids = [str(outcome.id) for outcome in created]

    # Every record, two per page: the pager is a plain iterator.
    names = [lead["Last_Name"] for lead in leads.list(fields=["Last_Name"], per_page=2)]
    first_page = leads.list(fields=["Last_Name"], per_page=2).first_page()

    # One client, many threads: their calls run at once, within the client's limit.
    modules = ["Leads", "Contacts", "Accounts"]
    with ThreadPoolExecutor(len(modules)) as pool:
        counts = dict(
            zip(modules, pool.map(lambda m: crm.records(m).count(), modules), strict=True)
        )

    # A streamed download is a plain context manager; its body a plain iterator.
    attachments = leads.attachments(ids[0])
    uploaded = attachments.upload(b"called from plain Python", filename="note.txt")
    with attachments.download(str(uploaded.id)) as download:
        content = b"".join(download.iter_bytes())

    try:
        leads.get("1")  # no such record
    except zc.EmptyResultError as exc:  # the SDK's own exception, not a wrapper
        missing = exc.code

    leads.delete(ids).raise_for_failures()
    return {
        "user": me.email,
        "created": len(ids),
        "names": sorted(name for name in names if name.startswith("Blocking ")),
        "first_page": len(first_page.items),
        "counts": counts,
        "download": content.decode(),
        "missing": missing,
    }


def offline() -> dict[str, Any]:
    """The tour against a fake served on 127.0.0.1, tokens in a file store in a temporary folder."""
    from zcrm_async.testing import FakeZohoCRM

    fake = FakeZohoCRM()
    with tempfile.TemporaryDirectory() as folder, fake.serve_in_thread():
        config = fake.config(persistence=None, token_persistence_path=folder)
        with ZohoCRM(config) as crm:
            crm.oauth.generate_access_token(fake.issue_grant_code())
            return run(crm)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", action="store_true", help="run offline against FakeZohoCRM")
    args = parser.parse_args(argv)
    if args.fake:
        summary = offline()
    else:
        with ZohoCRM(zc.Config.from_env()) as crm:
            summary = run(crm)
    print(summary)
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])

"""MkDocs hook: docstrings use Sphinx roles (:class:`X`); show them as code that links.

``:class:`Record``` and ``:meth:`~zcrm_async.Pager.pages``` reach the page as the role's name
followed by a code span. The role is dropped; as in Sphinx, a leading ``~`` keeps only the last
dotted part and ``title <target>`` shows the title. The code span becomes an optional
cross-reference: mkdocs-autorefs links it to the API reference entry when one exists, and
leaves it as plain code otherwise. A target
is looked up as written when dotted from ``zcrm_async``, as a member of the object whose
docstring holds it (``:meth:`list``` in a manager's method), among the package's exports
(``Record``), or as the one class of the package with that name (``RecordsManager``).
"""

from __future__ import annotations

import html
import importlib
import re
import sys
from functools import cache
from typing import Any

_OBJECT_ID = re.compile(r'id="(zcrm_async\.[\w.]+)"')
#: ``:role:`` then the code span of ``target``, ``~target``, ``target()`` or ``title <target>``.
_ROLE = re.compile(
    r":(?:class|meth|func|attr|data|exc|mod|obj):<code>"
    r"(?:(?P<title>[^<]+?) &lt;(?P<explicit>[\w.]+)&gt;"
    r"|(?P<short>~?)(?P<target>[\w.]+)(?P<call>\(\))?)"
    r"</code>"
)
#: Modules whose ``__all__`` names a short role target may be (the first one naming it wins).
_PUBLIC = (
    "zcrm_async",
    "zcrm_async.bulk",
    "zcrm_async.stores",
    "zcrm_async.pipelines",
    "zcrm_async.incremental",
    "zcrm_async.integrations",
    "zcrm_async.blocking",
    "zcrm_async.testing",
)


@cache
def _exports() -> dict[str, str]:
    found: dict[str, str] = {}
    for module_name in _PUBLIC:
        for name in getattr(importlib.import_module(module_name), "__all__", ()):
            found.setdefault(name, f"{module_name}.{name}")
    return found


def _lookup(path: str) -> object | None:
    """The object at a dotted path (a module, then attributes), or None."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name, None)
            if obj is None:
                return None
        return obj
    return None


def _identifier(target: str, context: str | None) -> str:
    """The reference identifier of a role's target, ``context`` being the identifier of the
    documented object the role appears in."""
    head, _, rest = target.partition(".")
    if head == "zcrm_async":
        return target
    if context is not None:
        parts = context.split(".")
        for cut in range(len(parts), 1, -1):
            owner = ".".join(parts[:cut])
            found = _lookup(owner)
            if (
                found is not None
                and not isinstance(found, type(importlib))
                and hasattr(found, head)
            ):
                return f"{owner}.{target}"
    public = _exports().get(head) or _classes().get(head)
    return f"{public}.{rest}" if public and rest else public or target


@cache
def _classes() -> dict[str, str]:
    """The package's classes by name, where one name means one class (``RecordsManager``)."""
    found: dict[str, set[str]] = {}
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("zcrm_async") and module is not None:
            for name, value in vars(module).items():
                if isinstance(value, type) and value.__module__.startswith("zcrm_async"):
                    found.setdefault(name, set()).add(f"{value.__module__}.{value.__qualname__}")
    return {name: paths.pop() for name, paths in found.items() if len(paths) == 1}


def on_page_content(html_text: str, **_: Any) -> str:
    """Turn each role and its code span into an optional cross-reference."""
    contexts = [(m.start(), m.group(1)) for m in _OBJECT_ID.finditer(html_text)]

    def link(match: re.Match[str]) -> str:
        target = match["explicit"] or match["target"]
        before = [name for start, name in contexts if start < match.start()]
        identifier = _identifier(target, before[-1] if before else None)
        if match["title"]:
            shown = match["title"]
        else:
            shown = target.rsplit(".", 1)[-1] if match["short"] else target
            shown += match["call"] or ""
        quoted = html.escape(identifier, quote=True)
        return f'<autoref identifier="{quoted}" optional><code>{shown}</code></autoref>'

    return _ROLE.sub(link, html_text)

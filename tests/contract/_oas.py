"""Zoho's v8 OpenAPI specs, loaded offline, and the checks of one recorded exchange against them.

The specs live outside the repository (``ZCRM_OAS_DIR``, by default
``../shared/reference/crm-oas-v8``) and have no licence, so they are read from there and never
copied. Their cross-file ``$ref``s are absolute GitHub raw
URLs; every file is rewritten on load so those point at the local files, and resolution only
ever serves the rewritten documents (no network, and no unrewritten copy read from disk).
"""

from __future__ import annotations

import email.policy
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jsonschema.exceptions import ValidationError
from jsonschema_path import SchemaPath
from openapi_core.testing import MockRequest
from openapi_core.validation.request.exceptions import (
    InvalidParameter,
    InvalidRequestBody,
    MissingRequiredParameter,
    ParameterValidationError,
)
from openapi_core.validation.request.validators import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
)
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests._external import spec_dir as external_spec_dir

__all__ = [
    "REMOTE_PREFIX",
    "SPEC_HOST",
    "Exchange",
    "Operation",
    "SpecBook",
    "Violation",
    "spec_dir",
]

#: Where the specs' cross-file ``$ref``s point (Zoho's GitHub repository).
REMOTE_PREFIX = "https://raw.githubusercontent.com/Zohocorp-Pvt-Ltd/crm-oas/refs/heads/main/v8.0/"
#: The specs' ``servers`` entry; requests are re-hosted there before matching.
SPEC_HOST = "https://zohoapis.com"
_METHODS = ("get", "put", "post", "delete", "patch")


def spec_dir() -> Path:
    """Where the specs are looked for (``ZCRM_OAS_DIR``, else ``../shared/reference/...``)."""
    return external_spec_dir()


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request the SDK sent and the answer it got, as recorded on the wire."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes

    @property
    def path(self) -> str:
        """The URL path (``/crm/v8/Leads``)."""
        return urlsplit(self.url).path

    @property
    def query(self) -> list[tuple[str, str]]:
        """The query parameters in order, blank values kept."""
        return parse_qsl(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def content_type(self) -> str:
        """The request's media type without parameters (``application/json``)."""
        return self.request_headers.get("content-type", "").split(";")[0].strip()

    @property
    def response_json(self) -> Any:
        """The decoded response body (None when empty or not JSON)."""
        media = self.response_headers.get("content-type", "")
        if not self.response_body or "json" not in media:
            return None
        return json.loads(self.response_body)

    def __str__(self) -> str:
        return f"{self.method} {self.url} -> {self.status}"


@dataclass(frozen=True, slots=True)
class Operation:
    """One path template + method of one spec file."""

    file: str
    template: str
    method: str

    @property
    def specificity(self) -> tuple[bool, ...]:
        """Literal segments as True: compared left to right, an earlier literal wins."""
        return tuple(not part.startswith("{") for part in self.template.split("/"))

    def __str__(self) -> str:
        return f"{self.file} {self.method.upper()} {self.template}"


@dataclass(frozen=True, slots=True)
class Violation:
    """One way an exchange disagrees with the spec.

    ``kind``: ``route`` (no such operation), ``query`` / ``header`` / ``path`` (a parameter),
    ``request-body``, ``response-status``, ``response-body``. ``location`` names the parameter
    or the JSON path inside the body; ``keyword`` is the failing schema keyword, if any.
    """

    kind: str
    operation: str
    location: str
    keyword: str
    message: str
    exchange: str

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        keyword = f" [{self.keyword}]" if self.keyword else ""
        return f"{self.kind}{where}{keyword}: {self.message}\n    {self.operation}; {self.exchange}"


def _rewrite(node: Any, folder: Path) -> Any:
    """``node`` with every remote ``$ref`` pointing at the local file of the same name."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and "://" in value:
                if not value.startswith(REMOTE_PREFIX):
                    raise ValueError(f"unexpected remote $ref {value!r}")
                name, _, fragment = value[len(REMOTE_PREFIX) :].partition("#")
                target = folder / name
                if not target.is_file():
                    raise ValueError(f"$ref {value!r} names {name}, which is not in {folder}")
                value = f"{target.as_uri()}#{fragment}"
            out[key] = _rewrite(value, folder)
        return out
    if isinstance(node, list):
        return [_rewrite(item, folder) for item in node]
    return node


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
    return re.compile(f"^{pattern}$")


class SpecBook:
    """Every spec file of the folder, rewritten and patched, with request/response checks.

    ``patches`` (name -> function editing the loaded documents in place and returning how many
    places it changed) repair defects that would stop loading or validating at all.
    """

    def __init__(
        self,
        folder: Path,
        patches: Mapping[str, Callable[[dict[str, dict[str, Any]]], int]] = {},
    ) -> None:
        if not folder.is_dir():
            raise FileNotFoundError(folder)
        self.folder = folder
        self.raw = {
            path.name: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(folder.glob("*.json"))
        }
        if not self.raw:
            raise FileNotFoundError(f"no *.json spec files in {folder}")
        self.docs = {name: _rewrite(doc, folder) for name, doc in self.raw.items()}
        #: How many places each patch changed (a patch changing nothing is stale).
        self.patched = {name: patch(self.docs) for name, patch in patches.items()}
        self._uri = {name: (folder / name).as_uri() for name in self.docs}
        self._by_uri = {uri: self.docs[name] for name, uri in self._uri.items()}
        self._operations = [
            (op, _template_regex(op.template))
            for name, doc in self.docs.items()
            for template, item in doc.get("paths", {}).items()
            for op in (Operation(name, template, m) for m in _METHODS if m in item)
        ]

    # -- resolution ------------------------------------------------------------------------------

    def _retrieve(self, uri: str) -> Any:
        doc = self._by_uri.get(uri.partition("#")[0])
        if doc is None:
            raise LookupError(f"the specs reference {uri}, which was not loaded")
        return doc

    def schema_path(self, file: str) -> SchemaPath:
        """openapi-core's view of one (rewritten) file; ``$ref``s resolve to loaded files only."""
        return SchemaPath.from_dict(
            self.docs[file], base_uri=self._uri[file], handlers={"file": self._retrieve}
        )

    @cached_property
    def registry(self) -> Registry[Any]:
        """A ``referencing`` registry holding every rewritten file under its ``file://`` URI."""
        resources = [
            (uri, Resource.from_contents(doc, default_specification=DRAFT4))
            for uri, doc in self._by_uri.items()
        ]
        return Registry().with_resources(resources)

    def resolve(self, file: str, node: Any) -> tuple[str, Any]:
        """Follow ``node``'s ``$ref`` chain: the file it lands in and the target node."""
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            target, _, fragment = ref.partition("#")
            if target:
                file = Path(urlsplit(target).path).name
            node = self.docs[file]
            for part in fragment.strip("/").split("/") if fragment.strip("/") else []:
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(node, dict) or part not in node:
                    raise LookupError(f"dangling $ref {ref!r} in {file}")
                node = node[part]
        return file, node

    def schema_errors(self, file: str, pointer: str, instance: Any) -> list[ValidationError]:
        """Leaf errors of ``instance`` against the schema at ``file#pointer``."""
        validator = OAS30Validator(
            {"$ref": f"{self._uri[file]}#{pointer}"},
            registry=self.registry,
            format_checker=OAS30Validator.FORMAT_CHECKER,
        )
        return [leaf for error in validator.iter_errors(instance) for leaf in _leaves(error)]

    def component_violations(
        self, file: str, component: str, instance: Any, exchange: Exchange, prefix: str = "$"
    ) -> list[Violation]:
        """Violations of ``instance`` (found at ``prefix`` in the answer) against a component."""
        return [
            Violation(
                "response-body",
                f"{file} component {component}",
                prefix + leaf.json_path[1:],
                str(leaf.validator),
                leaf.message,
                str(exchange),
            )
            for leaf in self.schema_errors(file, f"/components/schemas/{component}", instance)
        ]

    # -- routing ---------------------------------------------------------------------------------

    def operations_for(self, method: str, path: str) -> list[Operation]:
        """The most specific operations matching ``method path`` (as a URL router picks).

        ``/users/search`` is ``/users/{user}`` rather than ``/{module_api_name}/search``;
        equally specific templates (record.json and record_count.json both have
        ``/{module_api_name}/actions/count``) are all returned.
        """
        method = method.lower()
        found = [op for op, regex in self._operations if op.method == method and regex.match(path)]
        if not found:
            return []
        best = max(op.specificity for op in found)
        return [op for op in found if op.specificity == best]

    def operation(self, op: Operation) -> dict[str, Any]:
        """The operation object of ``op``."""
        return dict(self.docs[op.file]["paths"][op.template][op.method])

    def parameters(self, op: Operation) -> list[dict[str, Any]]:
        """Resolved parameter objects of ``op`` (path-level ones included)."""
        item = self.docs[op.file]["paths"][op.template]
        params = [*item.get("parameters", []), *item[op.method].get("parameters", [])]
        return [self.resolve(op.file, p)[1] for p in params]

    # -- requests --------------------------------------------------------------------------------

    def check_request(self, exchange: Exchange) -> list[Violation]:
        """Violations of the request; the first matching operation without any wins."""
        candidates = self.operations_for(exchange.method, exchange.path)
        if not candidates:
            return [
                Violation(
                    "route",
                    "-",
                    exchange.path,
                    "",
                    f"no {exchange.method} operation in any spec file matches this path",
                    str(exchange),
                )
            ]
        found = [self._request_violations(op, exchange) for op in candidates]
        return min(found, key=len)

    def _request_violations(self, op: Operation, exchange: Exchange) -> list[Violation]:
        out: list[Violation] = []

        def add(kind: str, location: str, keyword: str, message: str) -> None:
            out.append(Violation(kind, str(op), location, keyword, message, str(exchange)))

        declared = {(p["in"], p["name"]) for p in self.parameters(op)}
        for name, value in exchange.query:
            if ("query", name) not in declared:
                add("query", name, "undeclared", f"query parameter {name}={value!r} not in spec")
            elif value == "":
                add("query", name, "empty", f"query parameter {name} sent with an empty value")
        operation = self.operation(op)
        if exchange.request_body and "requestBody" not in operation:
            add(
                "request-body",
                "",
                "undeclared",
                f"a {exchange.content_type or 'body'} body was sent; the spec declares none",
            )
        if exchange.content_type == "multipart/form-data" and "requestBody" in operation:
            self._multipart_violations(op, exchange, add)
            operation.pop("requestBody")  # openapi-core cannot decode binary parts
        request = MockRequest(
            self._host(op),
            exchange.method,
            exchange.path,
            path_pattern=op.template,
            view_args=_path_values(op.template, exchange.path),
            args=dict(exchange.query),
            headers=dict(exchange.request_headers),
            data=exchange.request_body or None,
            content_type=exchange.request_headers.get("content-type", "application/json"),
        )
        spec = self.schema_path(op.file)
        for error in V30RequestParametersValidator(spec).iter_errors(request):
            self._parameter_violation(error, add)
        if "requestBody" in operation:
            try:
                for error in V30RequestBodyValidator(spec).iter_errors(request):
                    self._body_violation(error, add)
            except Exception as exc:  # openapi-core cannot even read the body
                add("request-body", "", "unreadable", f"{type(exc).__name__}: {exc}")
        return out

    def _host(self, op: Operation) -> str:
        """The operation's server (bulk uploads have their own), else the file's."""
        item = self.docs[op.file]["paths"][op.template]
        for level in (item[op.method], item, self.docs[op.file]):
            servers = level.get("servers")
            if servers:
                return str(servers[0]["url"])
        return SPEC_HOST

    def _multipart_violations(
        self, op: Operation, exchange: Exchange, add: Callable[[str, str, str, str], None]
    ) -> None:
        """Form part names against the multipart schema's properties and required list."""
        content = self.operation(op)["requestBody"].get("content", {})
        if "multipart/form-data" not in content:
            add("request-body", "", "media-type", f"multipart/form-data not in {sorted(content)}")
            return
        file, schema = self.resolve(op.file, content["multipart/form-data"].get("schema", {}))
        header = f"Content-Type: {exchange.request_headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=email.policy.HTTP).parsebytes(header + exchange.request_body)
        names = {
            part.get_param("name", header="content-disposition") for part in message.iter_parts()
        }
        for name in sorted(set(schema.get("required", [])) - names):
            add("request-body", name, "required", f"form part {name!r} is missing")
        declared = set(schema.get("properties", {}))
        for name in sorted(str(n) for n in names - declared):
            add("request-body", name, "undeclared", f"form part {name!r} is not in {file}")

    @staticmethod
    def _parameter_violation(error: Exception, add: Callable[[str, str, str, str], None]) -> None:
        if isinstance(error, MissingRequiredParameter):
            add(error.location, error.name, "required", str(error))
        elif isinstance(error, InvalidParameter):
            leaves = list(_cause_errors(error)) or [None]
            for leaf in leaves:
                keyword = leaf.validator if leaf is not None else ""
                detail = leaf.message if leaf is not None else str(error.__cause__ or "")
                add(error.location, error.name, str(keyword), f"{error}: {detail}")
        elif isinstance(error, ParameterValidationError):
            add(error.location, error.name, "format", f"{error}: {error.__cause__}")
        else:
            add("request", "", type(error).__name__, str(error))

    @staticmethod
    def _body_violation(error: Exception, add: Callable[[str, str, str, str], None]) -> None:
        leaves = list(_cause_errors(error)) if isinstance(error, InvalidRequestBody) else []
        if not leaves:
            cause = error.__cause__
            add("request-body", "", type(cause or error).__name__, str(cause or error))
        for leaf in leaves:
            add("request-body", leaf.json_path, str(leaf.validator), leaf.message)

    # -- responses -------------------------------------------------------------------------------

    def check_response(self, exchange: Exchange) -> list[Violation]:
        """Violations of a JSON response against the operation's documented response schema.

        Error answers (4xx) are checked against the exception branch of the schema, successes
        against the other branches; a status the spec does not list is a ``response-status``
        violation, and the body is then checked against the 400 (errors, if documented) or the
        200 schema.
        """
        body = exchange.response_json
        candidates = self.operations_for(exchange.method, exchange.path)
        if body is None or not candidates:
            return []
        found = [self._response_violations(op, exchange, body) for op in candidates]
        return min(found, key=len)

    def _response_violations(self, op: Operation, exchange: Exchange, body: Any) -> list[Violation]:
        out: list[Violation] = []
        responses = self.operation(op).get("responses", {})
        status = str(exchange.status)
        if status not in responses:
            out.append(
                Violation(
                    "response-status",
                    str(op),
                    status,
                    "undocumented",
                    f"HTTP {status} is not among the documented {sorted(responses)}",
                    str(exchange),
                )
            )
            documented_error = exchange.status >= 400 and "400" in responses
            status = "400" if documented_error else "200"
        file, response = self.resolve(op.file, responses.get(status))
        schema = ((response or {}).get("content") or {}).get("application/json", {}).get("schema")
        if schema is None:
            return out
        errors = self._against_branches(file, schema, body, error=exchange.status >= 400)
        out.extend(
            Violation(
                "response-body",
                str(op),
                leaf.json_path,
                str(leaf.validator),
                leaf.message,
                str(exchange),
            )
            for leaf in errors
        )
        return out

    def _against_branches(
        self, file: str, schema: dict[str, Any], body: Any, *, error: bool
    ) -> list[ValidationError]:
        """Errors against the best-fitting success (or exception) branch of ``schema``."""
        branches = schema.get("anyOf") or schema.get("oneOf") or [schema]
        wanted = [b for b in branches if _is_exception(b) == error] or branches
        best: list[ValidationError] | None = None
        for branch in wanted:
            branch_file, target = self.resolve(file, branch)
            pointer = self._pointer_of(branch_file, target)
            errors = self.schema_errors(branch_file, pointer, body)
            if best is None or len(errors) < len(best):
                best = errors
        return best or []

    def _pointer_of(self, file: str, target: Any) -> str:
        """The JSON pointer of ``target`` (an object inside ``file``'s document)."""
        for pointer, node in _walk(self.docs[file], ""):
            if node is target:
                return pointer
        raise LookupError(f"schema node not found in {file}")


def _walk(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, pointer + _pointer(str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, pointer + _pointer(str(index)))


def _is_exception(branch: Any) -> bool:
    ref = branch.get("$ref", "") if isinstance(branch, dict) else ""
    name = ref.rpartition("/")[2]
    return "Exception" in name or "Error" in name


def _path_values(template: str, path: str) -> dict[str, str]:
    return {
        part[1:-1]: segment
        for part, segment in zip(template.split("/"), path.split("/"), strict=False)
        if part.startswith("{")
    }


def _cause_errors(error: Exception) -> Iterator[ValidationError]:
    cause = error.__cause__
    for leaf in getattr(cause, "schema_errors", ()) or ():
        yield from _leaves(leaf)


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The specific errors under ``anyOf``/``oneOf``: those of the branch that fits best."""
    if not error.context:
        return [error]
    by_branch: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
    best = min(by_branch.values(), key=len)
    return [leaf for sub in best for leaf in _leaves(sub)]

"""REST API functions: Deluge functions the fake runs as Python callables.

``/crm/{version}/functions/{name}/actions/execute`` runs one with its arguments (the JSON
``arguments`` in the query or a form body, and any other query parameter), as the OAuth user
(``auth_type=oauth``) or with the function's API key (``auth_type=apikey&zapikey=``, no token).
A function returns a value, wrapped as Zoho wraps it (``{"code": "success", "details":
{"output", "output_type", "id"}, ...}``), or a :class:`FunctionReply` to shape its own answer
(Deluge's ``crmAPIResponse``). A function that raises answers HTTP 400 with the error; that
answer's shape is the fake's choice, as Zoho does not document it.

Registered from the start: ``echo`` (returns its arguments), ``add`` (``a + b``),
``count_records`` (the number of records of ``module``), ``fail`` (raises) and ``respond``
(a custom answer: HTTP 201 with ``{"received": arguments}``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

from ._errors import ApiError, invalid_param, required_param
from ._extras import Upload, form_parts
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply

if TYPE_CHECKING:
    pass

__all__ = ["FakeFunctions", "FunctionCall", "FunctionReply", "ROUTES"]


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """What a function receives: its arguments, and the request (Deluge's ``crmAPIRequest``)."""

    arguments: dict[str, Any]
    method: str
    #: The JSON body of a POST (or its text), None without one.
    body: Any
    #: The query parameters, without the API key.
    params: dict[str, str]
    #: The user it runs as: the OAuth user, or the org's administrator with an API key.
    user_email: str
    auth_type: str


@dataclass(frozen=True, slots=True)
class FunctionReply:
    """An answer a function shapes itself: status, body (JSON-ready or text), content type."""

    status: int = 200
    body: Any = None
    content_type: str = "application/json"


Function = Callable[[FunctionCall], Any]


def _output(value: Any) -> tuple[str, str]:
    """``(output, output_type)`` as Zoho reports a Deluge value: maps and lists as JSON text."""
    if isinstance(value, bool):
        return ("true" if value else "false"), "boolean"
    if isinstance(value, int):
        return str(value), "int"
    if isinstance(value, float):
        return str(value), "decimal"
    if isinstance(value, Mapping):
        return json.dumps(value), "map"
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value)), "list"
    return ("" if value is None else str(value)), "string"


@dataclass
class FunctionsState:
    """The registered functions, their API key and every execution so far."""

    api_key: str = field(default_factory=lambda: "1003." + secrets.token_hex(20))
    functions: dict[str, Function] = field(default_factory=dict)
    executions: list[FunctionCall] = field(default_factory=list)


def _add(call: FunctionCall) -> Any:
    return float(call.arguments["a"]) + float(call.arguments["b"])


def _fail(call: FunctionCall) -> Any:
    raise ValueError(str(call.arguments.get("reason", "the function failed on purpose")))


def _new_functions(state: FakeState) -> FunctionsState:
    functions = FunctionsState()
    functions.functions.update(
        {
            "echo": lambda call: call.arguments,
            "add": _add,
            "count_records": lambda call: len(
                state.module(str(call.arguments.get("module", "Leads"))).records
            ),
            "fail": _fail,
            "respond": lambda call: FunctionReply(201, {"received": call.arguments}),
        }
    )
    return functions


def functions_state(state: FakeState) -> FunctionsState:
    """The functions of one fake (created on first use)."""
    return state.part(_new_functions)


class FakeFunctions:
    """``fake.functions``: register functions, read the API key, see what ran.

    Args:
        state: The fake's state (``fake.functions`` is made for you).
    """

    def __init__(self, state: FakeState) -> None:
        self._state = state
        with state.lock:
            self._functions = functions_state(state)

    @property
    def api_key(self) -> str:
        """The ``zapikey`` every function of this fake accepts."""
        return self._functions.api_key

    def register(self, name: str, function: Function) -> None:
        """Make ``function`` callable as ``name``.

        Args:
            name: The function's API name.
            function: Gets a :class:`FunctionCall` and returns a value (wrapped as Zoho wraps
                it) or a :class:`FunctionReply`.
        """
        with self._state.lock:
            self._functions.functions[name] = function

    @property
    def executions(self) -> list[FunctionCall]:
        """Every execution so far, oldest first."""
        with self._state.lock:
            return list(self._functions.executions)


def api_key_user(state: FakeState, key: str) -> dict[str, Any] | None:
    """The user a function call with API key ``key`` runs as (None: a wrong key)."""
    if not secrets.compare_digest(key, functions_state(state).api_key):
        return None
    return state.directory.by_email(str(state.directory.org["primary_email"]))


def _arguments(call: Call) -> tuple[dict[str, Any], Any]:
    """The arguments and the body of a call."""
    given: dict[str, Any] = {
        k: v for k, v in call.query.items() if k not in ("auth_type", "zapikey", "arguments")
    }
    texts = [call.query["arguments"]] if "arguments" in call.query else []
    body: Any = None
    content_type = call.headers.get("content-type", "")
    if call.method == "POST" and call.body:
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(call.body.decode("utf-8", "replace"), keep_blank_values=True))
            texts += [form.pop("arguments")] if "arguments" in form else []
            given.update(form)
        elif content_type.startswith("multipart/form-data"):
            for name, value in form_parts(call):
                if name == "arguments" and isinstance(value, str):
                    texts.append(value)
                elif not isinstance(value, Upload):
                    given[name] = value
        else:
            body = (
                call.payload if call.payload is not None else call.body.decode("utf-8", "replace")
            )
    for text in texts:
        try:
            parsed = json.loads(text)
        except ValueError:
            raise invalid_param("arguments", expected_data_type="jsonobject") from None
        if not isinstance(parsed, dict):
            raise invalid_param("arguments", expected_data_type="jsonobject")
        given.update(parsed)
    return given, body


def execute(state: FakeState, call: Call) -> Reply:
    """``GET|POST /functions/{name}/actions/execute``."""
    auth_type = call.query.get("auth_type")
    if auth_type is None:
        raise required_param("auth_type")
    if auth_type not in ("oauth", "apikey"):
        raise invalid_param("auth_type")
    functions = functions_state(state)
    function = functions.functions.get(call.path["name"])
    if function is None:
        raise ApiError(
            400,
            "INVALID_DATA",
            "the function name given seems to be invalid",
            {"resource_path_index": 1},
        )
    arguments, body = _arguments(call)
    params = {k: v for k, v in call.query.items() if k != "zapikey"}
    execution = FunctionCall(arguments, call.method, body, params, call.user["email"], auth_type)
    functions.executions.append(execution)
    try:
        result = function(execution)
    except Exception as exc:  # the function's error is its answer
        return Reply(
            400,
            {
                "code": "FUNCTION_EXECUTION_FAILURE",
                "details": {"error": f"{type(exc).__name__}: {exc}"},
                "message": "the function failed",
                "status": "error",
            },
        )
    if isinstance(result, FunctionReply):
        if isinstance(result.body, (str, bytes)) and "json" not in result.content_type:
            content = result.body.encode() if isinstance(result.body, str) else result.body
            return Reply(result.status, content, {"Content-Type": result.content_type})
        return Reply(result.status, result.body)
    output, output_type = _output(result)
    return Reply(
        200,
        {
            "code": "success",
            "details": {"output": output, "output_type": output_type, "id": call.user["id"]},
            "message": "function executed successfully",
        },
    )


#: Before the generic ``/{module}`` routes.
ROUTES: Final = (
    ApiRoute(
        "/functions/{name}/actions/execute",
        {"GET": execute, "POST": execute},
        "ZohoCRM.functions",
        api_key=api_key_user,
    ),
)

"""``crm.functions``: execute Deluge functions exposed as REST API functions.

``/crm/{version}/functions/{api_name}/actions/execute`` runs a standalone function with the
arguments given, as the OAuth user (``auth_type=oauth``, the client's token) or as the org
behind an API key (``auth_type=apikey&zapikey=...``, no token sent).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final, Literal, Unpack

from .._entities_functions import FunctionResult
from .._exceptions import APIError, InvalidArgumentError, InvalidArgumentTypeError
from .._http._options import RequestOptionsDict
from .._logging import protect_driver_logger
from ._base import Manager

__all__ = ["FunctionsManager"]

_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_KEY: Final = re.compile(r"^[A-Za-z0-9._\-]{8,}$")


def _arguments(arguments: Mapping[str, Any] | None) -> str | None:
    if arguments is None:
        return None
    if not isinstance(arguments, Mapping) or not all(isinstance(k, str) for k in arguments):
        raise InvalidArgumentTypeError(
            f"arguments must be a dict of argument names to values, got {arguments!r}"
        )
    try:
        return json.dumps(dict(arguments), separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"arguments cannot be sent as JSON: {exc}") from None


class FunctionsManager(Manager):
    """Run the org's REST API functions (Setup > Developer Space > Functions)."""

    async def execute(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        method: Literal["GET", "POST"] = "POST",
        body: Any = None,
        api_key: str | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> FunctionResult:
        """Execute a function with its arguments and return what it answered.

        An execution is never repeated after it may have run: a server error or a broken
        answer is raised, not retried (whatever the method).

        Args:
            name: The function's API name.
            arguments: The function's arguments by name (sent as the JSON ``arguments``: in
                the query for GET, in the form body for POST).
            method: ``"POST"`` (the default) or ``"GET"``, as the function allows.
            body: A JSON body for the function to read from ``crmAPIRequest`` (POST only);
                the arguments then go in the query.
            api_key: The function's API key (``zapikey``): the call is made with the key,
                without the client's OAuth token, to the API domain of the configured data
                centre (``data_center``, or ``api_base_url``). The key is never logged.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``FunctionResult``, with the function's ``output`` (or the
                answer a function shaped itself).

        Raises:
            InvalidArgumentError: A bad name, method, key or arguments.
            APIError: Zoho refused the call (an unknown function, a bad key), or the function
                answered an error status; the error carries its body.
        """
        if not isinstance(name, str) or not _NAME.match(name):
            raise InvalidArgumentError(
                f"function name {name!r} is not a function API name (letters, digits and _)"
            )
        if method not in ("GET", "POST"):
            raise InvalidArgumentError(f"method must be 'GET' or 'POST', got {method!r}")
        if body is not None and method != "POST":
            raise InvalidArgumentError("body= is sent with method='POST' only")
        encoded = _arguments(arguments)
        params: dict[str, Any] = {"auth_type": "oauth" if api_key is None else "apikey"}
        if api_key is not None:
            if not isinstance(api_key, str) or not _KEY.match(api_key):
                raise InvalidArgumentError(
                    "api_key is not a function API key (the zapikey of the function's REST API URL)"
                )
            params["zapikey"] = api_key
            protect_driver_logger("httpx")  # httpx logs request URLs, and this one holds a key
        fields: dict[str, Any] = {}
        if method == "GET" or body is not None:
            params["arguments"] = encoded
            if body is not None:
                fields["json"] = body
        elif encoded is not None:
            fields["data"] = {"arguments": encoded}
        request = self._session.prepare(
            method,
            f"functions/{name}/actions/execute",
            options,
            params=params,
            idempotent=False,
            **fields,
        )
        try:
            if api_key is None:
                answer = await self._session.send(request)
            else:
                answer = await self._session.core.send(request, None)
        except APIError as error:
            if api_key is not None and error.response is not None:
                request_url = error.response.request.url
                error.response.request.url = request_url.copy_set_param("zapikey", "***")
            raise
        response = answer.response
        return FunctionResult.from_answer(
            response.status_code, answer.json_or_text(), response.headers.get("content-type")
        )

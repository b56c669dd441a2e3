"""FastAPI: one ``ZohoCRM`` per app, dependencies, and the "Login with Zoho" routes.

::

    from typing import Annotated
    from fastapi import Depends, FastAPI
    from zcrm_async.integrations.fastapi import ZohoLogin, crm_lifespan, get_crm

    login = ZohoLogin(secret_key=SECRET, callback_path="/zoho/callback")
    app = FastAPI(lifespan=crm_lifespan(config))
    app.include_router(login.router)

    @app.get("/me")
    async def me(crm: Annotated[ZohoCRM, Depends(login.user_crm)]) -> dict[str, str]:
        user = await crm.users.current()
        return {"email": user.email}

Needs the ``fastapi`` extra (``pip install "zcrm_async[fastapi]"``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

try:
    from fastapi import APIRouter, HTTPException, Request
    from fastapi.responses import PlainTextResponse, RedirectResponse, Response
    from starlette.applications import Starlette
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        'zcrm_async.integrations.fastapi needs FastAPI: pip install "zcrm_async[fastapi]"'
    ) from exc

from .._client import ZohoCRM
from .._config import Config
from .._notifications import NotificationReceiver
from ..auth._oauth import DEFAULT_SCOPES
from ._web import Cookie, LoginError, WebLogin

__all__ = ["STATE_ATTRIBUTE", "ZohoLogin", "ZohoNotifications", "crm_lifespan", "get_crm"]

#: ``app.state.zoho_crm`` holds the app's client while the app runs.
STATE_ATTRIBUTE = "zoho_crm"


def crm_lifespan(
    config: Config | Mapping[str, Any], **client_options: Any
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """A lifespan for ``FastAPI(lifespan=...)``: one ``ZohoCRM`` while the app runs, then closed.

    Inside a lifespan of your own, nest it: ``async with crm_lifespan(config)(app):``.

    Args:
        config: A :class:`Config` or a configuration dict.
        **client_options: Passed to :class:`ZohoCRM` (``store=``, ``transport=``,
            ``http_client=``, ``retry=``).

    Returns:
        The lifespan function: given the app, an async context manager that opens the client,
        puts it on ``app.state`` and closes it when the app stops.
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with ZohoCRM(config, **client_options) as crm:
            setattr(app.state, STATE_ATTRIBUTE, crm)
            try:
                yield
            finally:
                delattr(app.state, STATE_ATTRIBUTE)

    return lifespan


def get_crm(request: Request) -> ZohoCRM:
    """Dependency: the app's ``ZohoCRM`` (acting as the configured ``current_user_email``).

    Args:
        request: Any request of the app.

    Returns:
        The client :func:`crm_lifespan` opened.

    Raises:
        RuntimeError: The app has no client: create it with
            ``FastAPI(lifespan=crm_lifespan(config))``.
    """
    crm = getattr(request.app.state, STATE_ATTRIBUTE, None)
    if not isinstance(crm, ZohoCRM):
        raise RuntimeError(
            "no ZohoCRM on this app: create it with FastAPI(lifespan=crm_lifespan(config)) "
            "(and run it under a server or asgi_lifespan.LifespanManager in tests)"
        )
    return crm


def _with_cookies(response: Response, cookies: Sequence[Cookie]) -> Response:
    for cookie in cookies:
        response.set_cookie(
            cookie.key,
            cookie.value,
            max_age=cookie.max_age,
            path=cookie.path,
            secure=cookie.secure,
            httponly=cookie.httponly,
            samesite=cookie.samesite,
        )
    return response


class ZohoLogin:
    """The web-based client flow as FastAPI routes, and a dependency for the logged-in user.

    ``router`` has ``GET login_path`` (redirects to Zoho; ``?next=/path`` to come back there),
    ``GET callback_path`` (the ``redirect_uri`` registered with Zoho) and ``POST logout_path``.
    The options are :class:`~zcrm_async.integrations.WebLogin`'s.

    Args:
        secret_key: Signs the cookies (at least 32 characters, kept secret).
        scopes: The scopes the users grant.
        login_path: The route that starts a login.
        logout_path: The route that logs the browser out.
        callback_path: The route Zoho redirects back to (the path of ``redirect_uri``).
        after_login: Where the browser goes after logging in or out.
        session_max_age: How long a login lasts, in seconds (WebLogin's default if None).

    Raises:
        InvalidArgumentError: As for :class:`~zcrm_async.integrations.WebLogin`.
    """

    def __init__(
        self,
        secret_key: str,
        *,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        login_path: str = "/zoho/login",
        logout_path: str = "/zoho/logout",
        callback_path: str = "/zoho/callback",
        after_login: str = "/",
        session_max_age: int | None = None,
    ) -> None:
        options: dict[str, Any] = {}
        if session_max_age is not None:
            options["session_max_age"] = session_max_age
        self.flow = WebLogin(
            secret_key,
            scopes=scopes,
            login_path=login_path,
            logout_path=logout_path,
            callback_path=callback_path,
            after_login=after_login,
            **options,
        )
        self.router = APIRouter()
        self.router.add_api_route(login_path, self.login, methods=["GET"], include_in_schema=False)
        self.router.add_api_route(
            callback_path, self.callback, methods=["GET"], include_in_schema=False
        )
        self.router.add_api_route(
            logout_path, self.logout, methods=["POST"], include_in_schema=False
        )

    def __repr__(self) -> str:
        return f"ZohoLogin({self.flow!r})"

    async def login(self, request: Request) -> Response:
        """Redirect the browser to Zoho's consent page.

        Args:
            request: The request (``?next=`` names where to go after the login).

        Returns:
            A 302 redirect with the state cookie, or a plain-text error page.
        """
        try:
            url, cookie = self.flow.begin(get_crm(request), request.query_params.get("next"))
        except LoginError as exc:
            return PlainTextResponse(str(exc), status_code=exc.status_code)
        return _with_cookies(RedirectResponse(url, status_code=302), [cookie])

    async def callback(self, request: Request) -> Response:
        """Zoho's redirect back: exchange the code, persist the user's tokens, log them in.

        Args:
            request: Zoho's redirect, with the code and state.

        Returns:
            A 303 redirect with the session cookie, or a plain-text error page.
        """
        state_cookie = request.cookies.get(self.flow.state_cookie)
        try:
            result = await self.flow.complete(get_crm(request), request.query_params, state_cookie)
        except LoginError as exc:
            return PlainTextResponse(str(exc), status_code=exc.status_code)
        return _with_cookies(RedirectResponse(result.redirect_to, status_code=303), result.cookies)

    async def logout(self, request: Request) -> Response:
        """Forget the browser's session (the user's stored tokens stay for background jobs).

        Args:
            request: The logout request (a POST).

        Returns:
            A 303 redirect that deletes the session cookie.
        """
        cookie = self.flow.logout(get_crm(request).config)
        return _with_cookies(RedirectResponse(self.flow.after_login, status_code=303), [cookie])

    def user_email(self, request: Request) -> str | None:
        """Dependency: the logged-in user's e-mail, or None.

        Args:
            request: The request carrying the session cookie.

        Returns:
            The e-mail, or None when nobody is logged in.
        """
        return self.flow.user_email(request.cookies.get(self.flow.session_cookie))

    def user_crm(self, request: Request) -> ZohoCRM:
        """Dependency: ``crm.as_user(<the logged-in user>)``.

        Args:
            request: The request carrying the session cookie.

        Returns:
            A view of the app's client acting as the logged-in user.

        Raises:
            fastapi.HTTPException: HTTP 401 when nobody is logged in.
        """
        try:
            return self.flow.user_crm(
                get_crm(request), request.cookies.get(self.flow.session_cookie)
            )
        except LoginError as exc:
            raise HTTPException(status_code=exc.status_code, detail=str(exc)) from None


class ZohoNotifications:
    """The route Zoho POSTs a channel's notifications to, feeding a
    :class:`~zcrm_async.NotificationReceiver`::

        receiver = zc.NotificationReceiver({CHANNEL_ID: TOKEN})
        app.include_router(ZohoNotifications(receiver, path="/zoho/notifications").router)

    The route answers as soon as the notification is checked and queued; read the queue with
    ``async for n in receiver`` (or ``receiver.dispatching(callback)``) in a task of your own,
    e.g. one the app's lifespan starts.

    Args:
        receiver: The receiver that checks and queues the notifications.
        path: The route's path (the channels' ``notify_url`` ends with it).
    """

    def __init__(self, receiver: NotificationReceiver, *, path: str = "/zoho/notifications"):
        self.receiver = receiver
        self.path = path
        self.router = APIRouter()
        self.router.add_api_route(path, self.receive, methods=["POST"], include_in_schema=False)

    def __repr__(self) -> str:
        return f"ZohoNotifications(path={self.path!r}, receiver={self.receiver!r})"

    async def receive(self, request: Request) -> Response:
        """Check and queue one notification.

        Args:
            request: Zoho's POST.

        Returns:
            200, or the refusal's status (400, 403, 413 or 503; see
            :meth:`~zcrm_async.NotificationReceiver.handle`).
        """
        status, text = await self.receiver.receive(request.stream())
        return PlainTextResponse(text, status_code=status)

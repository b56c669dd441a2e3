"""aiohttp: one ``ZohoCRM`` per app (``cleanup_ctx``, ``web.AppKey``) and "Login with Zoho".

::

    from aiohttp import web
    from zcrm_async.integrations.aiohttp import CRM_KEY, ZohoLogin, crm_context

    app = web.Application()
    app.cleanup_ctx.append(crm_context(config))
    login = ZohoLogin(secret_key=SECRET, callback_path="/zoho/callback")
    login.setup(app)

    async def me(request: web.Request) -> web.Response:
        user = await login.user_crm(request).users.current()
        return web.json_response({"email": user.email})

Needs the ``aiohttp`` extra (``pip install "zcrm_async[aiohttp]"``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

try:
    from aiohttp import web
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        'zcrm_async.integrations.aiohttp needs aiohttp: pip install "zcrm_async[aiohttp]"'
    ) from exc

from .._client import ZohoCRM
from .._config import Config
from .._notifications import NotificationReceiver
from ..auth._oauth import DEFAULT_SCOPES
from ._web import Cookie, LoginError, WebLogin

__all__ = ["CRM_KEY", "ZohoLogin", "ZohoNotifications", "crm_context", "get_crm"]

#: ``app[CRM_KEY]`` is the app's client while the app runs.
CRM_KEY = web.AppKey("zcrm_async.crm", ZohoCRM)


def crm_context(
    config: Config | Mapping[str, Any], **client_options: Any
) -> Callable[[web.Application], AsyncIterator[None]]:
    """For ``app.cleanup_ctx.append(...)``: one ``ZohoCRM`` while the app runs, then closed.

    Args:
        config: A :class:`Config` or a configuration dict.
        **client_options: Passed to :class:`ZohoCRM` (``store=``, ``transport=``,
            ``http_client=``, ``retry=``).

    Returns:
        The cleanup context: it opens the client, puts it on the app, and closes it when the
        app stops.
    """

    async def context(app: web.Application) -> AsyncIterator[None]:
        async with ZohoCRM(config, **client_options) as crm:
            app[CRM_KEY] = crm
            yield

    return context


def get_crm(request: web.Request) -> ZohoCRM:
    """The app's ``ZohoCRM`` (acting as the configured ``current_user_email``).

    Args:
        request: Any request of the app.

    Returns:
        The client :func:`crm_context` opened.

    Raises:
        RuntimeError: The app has no client: add ``crm_context(config)`` to its cleanup
            contexts.
    """
    crm = request.config_dict.get(CRM_KEY)
    if crm is None:
        raise RuntimeError(
            "no ZohoCRM on this app: add app.cleanup_ctx.append(crm_context(config))"
        )
    return crm


def _with_cookies(response: web.StreamResponse, cookies: Sequence[Cookie]) -> None:
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


def _redirect(location: str, status: int, cookies: Sequence[Cookie]) -> web.Response:
    response = web.Response(status=status, headers={"Location": location})
    _with_cookies(response, cookies)
    return response


class ZohoLogin:
    """The web-based client flow as aiohttp routes, and the logged-in user's client.

    :meth:`setup` adds ``GET login_path`` (redirects to Zoho; ``?next=/path`` to come back
    there), ``GET callback_path`` (the ``redirect_uri`` registered with Zoho) and
    ``POST logout_path``. The options are :class:`~zcrm_async.integrations.WebLogin`'s.

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

    def __repr__(self) -> str:
        return f"ZohoLogin({self.flow!r})"

    def setup(self, app: web.Application) -> None:
        """Add the login, callback and logout routes to ``app``.

        Args:
            app: The aiohttp application.
        """
        app.router.add_get(self.flow.login_path, self.login)
        app.router.add_get(self.flow.callback_path, self.callback)
        app.router.add_post(self.flow.logout_path, self.logout)

    async def login(self, request: web.Request) -> web.Response:
        """Redirect the browser to Zoho's consent page.

        Args:
            request: The request (``?next=`` names where to go after the login).

        Returns:
            A 302 redirect with the state cookie, or a plain-text error page.
        """
        try:
            url, cookie = self.flow.begin(get_crm(request), request.query.get("next"))
        except LoginError as exc:
            return web.Response(text=str(exc), status=exc.status_code)
        return _redirect(url, 302, [cookie])

    async def callback(self, request: web.Request) -> web.Response:
        """Zoho's redirect back: exchange the code, persist the user's tokens, log them in.

        Args:
            request: Zoho's redirect, with the code and state.

        Returns:
            A 303 redirect with the session cookie, or a plain-text error page.
        """
        state_cookie = request.cookies.get(self.flow.state_cookie)
        try:
            result = await self.flow.complete(get_crm(request), request.query, state_cookie)
        except LoginError as exc:
            return web.Response(text=str(exc), status=exc.status_code)
        return _redirect(result.redirect_to, 303, result.cookies)

    async def logout(self, request: web.Request) -> web.Response:
        """Forget the browser's session (the user's stored tokens stay for background jobs).

        Args:
            request: The logout request (a POST).

        Returns:
            A 303 redirect that deletes the session cookie.
        """
        cookie = self.flow.logout(get_crm(request).config)
        return _redirect(self.flow.after_login, 303, [cookie])

    def user_email(self, request: web.Request) -> str | None:
        """The logged-in user's e-mail, or None.

        Args:
            request: The request carrying the session cookie.

        Returns:
            The e-mail, or None when nobody is logged in.
        """
        return self.flow.user_email(request.cookies.get(self.flow.session_cookie))

    def user_crm(self, request: web.Request) -> ZohoCRM:
        """``crm.as_user(<the logged-in user>)``.

        Args:
            request: The request carrying the session cookie.

        Returns:
            A view of the app's client acting as the logged-in user.

        Raises:
            aiohttp.web.HTTPUnauthorized: Nobody is logged in.
        """
        try:
            return self.flow.user_crm(
                get_crm(request), request.cookies.get(self.flow.session_cookie)
            )
        except LoginError as exc:
            raise web.HTTPUnauthorized(text=str(exc)) from None


class ZohoNotifications:
    """The route Zoho POSTs a channel's notifications to, feeding a
    :class:`~zcrm_async.NotificationReceiver`::

        receiver = zc.NotificationReceiver({CHANNEL_ID: TOKEN})
        ZohoNotifications(receiver, path="/zoho/notifications").setup(app)

    The route answers as soon as the notification is checked and queued; read the queue with
    ``async for n in receiver`` (or ``receiver.dispatching(callback)``) in a task of your own,
    e.g. one a ``cleanup_ctx`` starts.

    Args:
        receiver: The receiver that checks and queues the notifications.
        path: The route's path (the channels' ``notify_url`` ends with it).
    """

    def __init__(self, receiver: NotificationReceiver, *, path: str = "/zoho/notifications"):
        self.receiver = receiver
        self.path = path

    def __repr__(self) -> str:
        return f"ZohoNotifications(path={self.path!r}, receiver={self.receiver!r})"

    def setup(self, app: web.Application) -> None:
        """Add the ``POST`` route to ``app``.

        Args:
            app: The aiohttp application.
        """
        app.router.add_post(self.path, self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        """Check and queue one notification.

        Args:
            request: Zoho's POST.

        Returns:
            200, or the refusal's status (400, 403, 413 or 503; see
            :meth:`~zcrm_async.NotificationReceiver.handle`).
        """
        status, text = await self.receiver.receive(request.content.iter_any())
        return web.Response(status=status, text=text)

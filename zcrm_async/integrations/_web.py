"""The "Login with Zoho" flow for web-based clients, free of any web framework.

1. ``begin``: a random ``state`` goes to Zoho in the authorization URL and, signed, into a
   short-lived cookie; the browser is redirected to Zoho.
2. Zoho redirects back to ``redirect_uri`` with ``code``, ``location``, ``accounts-server`` and
   ``state``. ``complete`` checks the state against the cookie (CSRF), checks that the accounts
   server is a Zoho one, exchanges the code there, finds out who signed in, persists that
   user's tokens and returns a signed session cookie naming the user.
3. Later requests turn the session cookie into ``crm.as_user(email)``.

Cookies are signed with HMAC-SHA256 over the app's ``secret_key``; they hold no token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import quote, unquote, urlsplit

import attrs

from .._config import Config
from .._datacenters import DATA_CENTERS, data_center_of
from .._exceptions import (
    InvalidArgumentError,
    LoginError,
    OAuthError,
    TokenStoreError,
    TransportError,
    ZCRMError,
)
from ..auth._oauth import DEFAULT_SCOPES

if TYPE_CHECKING:
    from .._client import ZohoCRM

__all__ = ["Cookie", "LoginError", "LoginResult", "WebLogin"]

STATE_MAX_AGE: Final = 600  # the grant code lives 2 minutes; the consent page may take longer
SESSION_MAX_AGE: Final = 14 * 24 * 3600


@attrs.frozen
class Cookie:
    """A cookie to set (``max_age=0`` deletes it); the names match both frameworks' set_cookie."""

    key: str
    value: str = attrs.field(repr=False)
    max_age: int
    secure: bool
    path: str = "/"
    httponly: bool = True
    samesite: Literal["lax", "strict", "none"] = "lax"  # sent on Zoho's redirect back


@attrs.frozen
class LoginResult:
    """A finished login: who signed in, where to send the browser, the cookies to set."""

    user_email: str
    redirect_to: str
    cookies: tuple[Cookie, ...]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


#: Control characters and DEL. Browsers drop tab, CR and LF anywhere in a URL; the others
#: are dropped here too, so what is left is what any browser would read.
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
#: Characters kept as they are when the path is percent-encoded for the ``Location`` header.
_PATH_SAFE: Final = "!#$%&'()*+,-./:;=?@[]_~"


def _leaves_the_site(path: str) -> bool:
    """Whether a browser would read ``path`` (already normalised) as another origin."""
    return not path.startswith("/") or path.startswith("//")


def _as_browsers_read_it(target: str) -> str:
    """``target`` as a browser reads a ``Location``: no control characters, ``\\`` as ``/``."""
    return _CONTROL.sub("", target).strip(" ").replace("\\", "/")


def safe_next(target: str | None, default: str) -> str:
    """``target`` if a browser would stay on this site going there, else ``default``.

    The check runs on ``target`` as browsers read it (tabs and newlines dropped, control
    characters and surrounding spaces stripped, backslashes taken as slashes), and again on
    its percent-decoded form: only a path starting with a single ``/`` passes, so no scheme
    (``https:evil.example``), no ``//host`` and no userinfo can slip through. What passes is
    returned normalised and percent-encoded, so CR/LF or non-ASCII text never reaches a header.
    Both integrations redirect after login only through this function.
    """
    if not target:
        return default
    path = _as_browsers_read_it(target)
    if _leaves_the_site(path) or _leaves_the_site(_as_browsers_read_it(unquote(path))):
        return default
    return quote(path, safe=_PATH_SAFE)


class WebLogin:
    """Login with Zoho for many users of one web app; each user's tokens are persisted.

    ``secret_key`` signs the cookies (keep it secret, at least 32 characters, the same in every
    worker). The callback route must be at the path of the config's ``redirect_uri``.

    Args:
        secret_key: Signs the cookies.
        scopes: The scopes the users grant.
        login_path: The route that starts a login.
        logout_path: The route that logs the browser out.
        callback_path: The route Zoho redirects back to (the path of ``redirect_uri``).
        after_login: Where the browser goes after logging in or out.
        session_max_age: How long a login lasts, in seconds.
        cookie_prefix: The start of the cookies' names.

    Raises:
        InvalidArgumentError: A short secret, no scopes, or a path that is not a plain path of
            this site.
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
        session_max_age: int = SESSION_MAX_AGE,
        cookie_prefix: str = "zcrm",
    ) -> None:
        if not isinstance(secret_key, str) or len(secret_key) < 32:
            raise InvalidArgumentError(
                "secret_key must be a string of at least 32 characters, "
                "e.g. secrets.token_urlsafe(32), kept secret and shared by all workers"
            )
        if not scopes:
            raise InvalidArgumentError(
                "scopes must name at least one scope, e.g. ZohoCRM.modules.ALL"
            )
        for name, path in (
            ("login_path", login_path),
            ("logout_path", logout_path),
            ("callback_path", callback_path),
            ("after_login", after_login),
        ):
            if not path.startswith("/"):
                raise InvalidArgumentError(f"{name} must be a path starting with '/', got {path!r}")
        if safe_next(after_login, "") != after_login:
            raise InvalidArgumentError(
                f"after_login must be a plain path on this site such as '/home', got "
                f"{after_login!r}"
            )
        self._key = secret_key.encode("utf-8")
        self.scopes = tuple(scopes)
        self.login_path = login_path
        self.logout_path = logout_path
        self.callback_path = callback_path
        self.after_login = after_login
        self.session_max_age = session_max_age
        self.state_cookie = f"{cookie_prefix}_login_state"
        self.session_cookie = f"{cookie_prefix}_session"

    def __repr__(self) -> str:
        return f"WebLogin(login_path={self.login_path!r}, callback_path={self.callback_path!r})"

    # -- signed values ------------------------------------------------------------------------

    def _sign(self, purpose: str, payload: dict[str, Any], max_age: int) -> str:
        data = {**payload, "exp": int(time.time()) + max_age}
        body = _b64(json.dumps(data, separators=(",", ":")).encode("utf-8"))
        mac = hmac.new(self._key, f"{purpose}.{body}".encode("ascii"), hashlib.sha256)
        return f"{body}.{_b64(mac.digest())}"

    def _unsign(self, purpose: str, value: str | None) -> dict[str, Any] | None:
        if not value or value.count(".") != 1:
            return None
        body, signature = value.split(".")
        mac = hmac.new(self._key, f"{purpose}.{body}".encode("ascii", "replace"), hashlib.sha256)
        try:
            if not hmac.compare_digest(_unb64(signature), mac.digest()):
                return None
            data = json.loads(_unb64(body))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("exp"), int):
            return None
        return data if data["exp"] > time.time() else None

    @staticmethod
    def _secure(config: Config) -> bool:
        return config.redirect_uri.startswith("https://")

    # -- the flow -----------------------------------------------------------------------------

    def begin(self, crm: ZohoCRM, next_url: str | None = None) -> tuple[str, Cookie]:
        """The Zoho authorization URL to redirect to, and the state cookie to set with it.

        Args:
            crm: The app's client (its config gives the client id and redirect URI).
            next_url: Where to send the browser after the login (a path of this site; others
                are ignored).

        Returns:
            The URL of Zoho's consent page and the signed state cookie.

        Raises:
            LoginError: ``redirect_uri`` does not lead to this login's callback route.
        """
        self._check_redirect_uri(crm.config)
        state = secrets.token_urlsafe(24)
        payload = {"s": state, "n": safe_next(next_url, self.after_login)}
        cookie = Cookie(
            self.state_cookie,
            self._sign("state", payload, STATE_MAX_AGE),
            STATE_MAX_AGE,
            self._secure(crm.config),
        )
        return crm.oauth.authorization_url(self.scopes, state=state), cookie

    async def complete(
        self, crm: ZohoCRM, query: Mapping[str, str], state_cookie: str | None
    ) -> LoginResult:
        """Finish the login from the callback's query parameters and the state cookie.

        The grant code is exchanged for tokens, which are stored for the user.

        Args:
            crm: The app's client.
            query: The callback's query parameters (``code``, ``state``, ``accounts-server`` or
                ``error``).
            state_cookie: The state cookie's value, None if the browser sent none.

        Returns:
            Who signed in, where to send the browser and the cookies to set.

        Raises:
            LoginError: An expired or foreign login, a state mismatch, access refused, no code,
                a grant code Zoho refuses, or Zoho unreachable; ``status_code`` is the HTTP status
                to answer with.
        """
        started = self._unsign("state", state_cookie)
        if started is None:
            raise LoginError(
                f"this login expired or was started in another browser; start again at "
                f"{self.login_path}"
            )
        if not hmac.compare_digest(str(query.get("state", "")), str(started["s"])):
            raise LoginError("the state parameter does not match this browser's login")
        error = query.get("error")
        if error:
            status = 403 if error == "access_denied" else 400
            raise LoginError(f"Zoho did not grant access: {error}", status)
        code = query.get("code")
        if not code:
            raise LoginError("the callback carries no code parameter")
        accounts_server = accounts_server_for(crm.config, query)
        try:
            tokens = await crm.oauth.generate_access_token(
                code, accounts_server=accounts_server, lookup_user=True
            )
        except OAuthError as exc:
            raise LoginError(f"Zoho refused the grant code: {exc}") from exc
        except TransportError as exc:
            raise LoginError(
                f"could not reach Zoho to finish the login ({exc}); "
                f"try again in a moment at {self.login_path}",
                502,
            ) from exc
        except TokenStoreError as exc:
            raise LoginError(
                f"the login worked but its tokens could not be stored: {exc}", 500
            ) from exc
        except ZCRMError as exc:
            again = f"try again at {self.login_path}"
            raise LoginError(
                f"Zoho's answer could not finish the login ({exc}); {again}", 502
            ) from exc
        secure = self._secure(crm.config)
        session = Cookie(
            self.session_cookie,
            self._sign("session", {"e": tokens.user_email}, self.session_max_age),
            self.session_max_age,
            secure,
        )
        forget_state = Cookie(self.state_cookie, "", 0, secure)
        redirect_to = safe_next(str(started["n"]), self.after_login)
        return LoginResult(tokens.user_email, redirect_to, (session, forget_state))

    def logout(self, config: Config) -> Cookie:
        """The cookie deletion that logs the browser out (stored tokens are kept).

        Args:
            config: The app's configuration (whether the cookie is ``Secure``).

        Returns:
            The session cookie, emptied and expired.
        """
        return Cookie(self.session_cookie, "", 0, self._secure(config))

    def user_email(self, session_cookie: str | None) -> str | None:
        """Who the session cookie names, or None (absent, expired or tampered with).

        Args:
            session_cookie: The session cookie's value, None if the browser sent none.

        Returns:
            The logged-in user's e-mail, or None.
        """
        session = self._unsign("session", session_cookie)
        email = session.get("e") if session else None
        return email if isinstance(email, str) and email else None

    def user_crm(self, crm: ZohoCRM, session_cookie: str | None) -> ZohoCRM:
        """``crm.as_user(<the logged-in user>)``.

        Args:
            crm: The app's client.
            session_cookie: The session cookie's value, None if the browser sent none.

        Returns:
            A view of ``crm`` acting as the logged-in user.

        Raises:
            LoginError: Nobody is logged in (``status_code`` 401).
        """
        email = self.user_email(session_cookie)
        if email is None:
            raise LoginError(f"not logged in: log in with Zoho at {self.login_path}", 401)
        return crm.as_user(email)

    def _check_redirect_uri(self, config: Config) -> None:
        path = urlsplit(config.redirect_uri).path or "/"
        if path.rstrip("/") != self.callback_path.rstrip("/"):
            raise LoginError(
                f"config redirect_uri {config.redirect_uri!r} does not lead to the callback route "
                f"{self.callback_path!r}: give WebLogin callback_path={path!r} (or change "
                "redirect_uri here and in the Zoho API console)",
                500,
            )


def accounts_server_for(config: Config, query: Mapping[str, str]) -> str | None:
    """Where to exchange the code: the ``accounts-server``/``location`` Zoho sent, or None.

    None means the configured accounts server. Anything that is neither the configured server
    nor a known Zoho accounts server is refused: the code (and the client secret sent with it)
    must not go to a host an attacker put in the URL.
    """
    configured = config.resolved_accounts_url.rstrip("/").lower()
    server = (query.get("accounts-server") or "").strip().rstrip("/").lower()
    location = (query.get("location") or "").strip().lower()
    if server:
        if server == configured:
            return None
        dc = data_center_of(server)
        if dc is None or dc.accounts_url != server:
            known = ", ".join(dc.accounts_url for dc in DATA_CENTERS.values())
            raise LoginError(
                f"refusing accounts-server {server!r}: not a Zoho accounts server ({known}) "
                f"nor the configured accounts_url"
            )
        if location and location != dc.code:
            raise LoginError(f"accounts-server {server!r} does not match location {location!r}")
        return dc.accounts_url
    if location:
        home = DATA_CENTERS.get(location)
        if home is None:
            raise LoginError(f"unknown location {location!r}; known: {', '.join(DATA_CENTERS)}")
        return None if location == config.data_center else home.accounts_url
    return None

"""The classic Ruby SDK's MySQL token handler, ported to async Python as a user would.

What changed from the classic code: async methods on ``asyncmy``; bound parameters instead of
interpolated SQL; the connection settings come from the environment. Kept: the Ruby SDK's
method names and token attributes (``user_identifier``, ``access_token``...), delete-then-insert,
and the raise when the user has no row.
"""

import json
import os

import asyncmy


class ZohoOAuthTokens:
    """The classic Ruby SDK's token object."""

    def __init__(self, refresh_token, access_token, expiry_time, user_identifier=None):
        self.refresh_token = refresh_token
        self.access_token = access_token
        self.expiry_time = expiry_time
        self.user_identifier = user_identifier


class ZohoOAuthPersistenceHandler:
    async def save_oauth_tokens(self, oauth_tokens):
        await self.delete_oauth_tokens(oauth_tokens.user_identifier)
        await self._run(
            "insert into oauthtokens(useridentifier,accesstoken,refreshtoken,expirytime) "
            "values(%s,%s,%s,%s)",
            (
                oauth_tokens.user_identifier,
                oauth_tokens.access_token,
                oauth_tokens.refresh_token,
                oauth_tokens.expiry_time,
            ),
        )

    async def get_oauth_tokens(self, user_identifier):
        rows = await self._run(
            "select * from oauthtokens where useridentifier=%s", (user_identifier,)
        )
        for row in rows:
            return ZohoOAuthTokens(row[2], row[1], row[3], user_identifier)
        raise LookupError(f"no such email id - {user_identifier} present in the DB")

    async def delete_oauth_tokens(self, user_identifier):
        await self._run("delete from oauthtokens where useridentifier=%s", (user_identifier,))

    async def _run(self, sql, params):
        settings = json.loads(os.environ["ZOHO_TOKENS_DB"])
        con = await asyncmy.connect(**settings, autocommit=True)
        try:
            async with con.cursor() as cursor:
                await cursor.execute(sql, params)
                return await cursor.fetchall()
        finally:
            await con.ensure_closed()

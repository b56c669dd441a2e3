"""The classic Python SDK's MySQL token handler, ported as a user would.

What changed from the classic code: the connection settings come from the environment (the
classic handler read the SDK's global config), and ``pymysql`` replaces ``mysql.connector``.
Everything else is as it was: blocking calls, the classic method names, delete-then-insert,
a raise when the user has no row, the classic token object.
"""

import json
import os

import pymysql


class ZohoOAuthTokens:
    """The classic Python SDK's token object."""

    def __init__(self, refresh_token, access_token, expiry_time, user_email):
        self.refreshToken = refresh_token
        self.accessToken = access_token
        self.expiryTime = expiry_time
        self.userEmail = user_email


class ZohoOAuthPersistenceHandler:
    def save_oauthtokens(self, oAuthTokens):
        self.delete_oauthtokens(oAuthTokens.userEmail)
        connection = self.getDBConnection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO oauthtokens(useridentifier,accesstoken,refreshtoken,expirytime) "
                    "VALUES(%s,%s,%s,%s)",
                    (
                        oAuthTokens.userEmail,
                        oAuthTokens.accessToken,
                        oAuthTokens.refreshToken,
                        oAuthTokens.expiryTime,
                    ),
                )
            connection.commit()
        finally:
            connection.close()

    def get_oauthtokens(self, userEmail):
        connection = self.getDBConnection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT useridentifier,accesstoken,refreshtoken,expirytime FROM oauthtokens "
                    "where useridentifier=%s",
                    (userEmail,),
                )
                for useridentifier, accesstoken, refreshtoken, expirytime in cursor:
                    return ZohoOAuthTokens(refreshtoken, accesstoken, expirytime, useridentifier)
            raise Exception("No rows found for the given user")
        finally:
            connection.close()

    def delete_oauthtokens(self, userEmail):
        connection = self.getDBConnection()
        try:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM oauthtokens where useridentifier=%s", (userEmail,))
            connection.commit()
        finally:
            connection.close()

    def getDBConnection(self):
        settings = json.loads(os.environ["ZOHO_TOKENS_DB"])
        return pymysql.connect(**settings)

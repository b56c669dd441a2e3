"""A file token handler with the method names of Zoho's classic SDK guide, as users wrote them.

``saveOAuthData(tokens)``, ``getOAuthTokens(userEmailId)``, ``deleteOAuthTokens(userEmailId)``;
the tokens are kept as a JSON list of dicts with the Ruby SDK's attribute names (the Ruby SDK
kept a Marshal'd array of token objects in the same place); the folder comes from the
environment. It raises when no tokens exist, as the classic handlers did.
"""

import json
import os


class ZohoOAuthTokens:
    def __init__(self, refresh_token, access_token, expiry_time, user_identifier):
        self.refresh_token = refresh_token
        self.access_token = access_token
        self.expiry_time = expiry_time
        self.user_identifier = user_identifier


class CustomPersistence:
    def _path(self):
        return os.path.join(os.environ["ZOHO_TOKENS_DIR"], "zcrm_oauthtokens.txt")

    def _read(self):
        if not os.path.exists(self._path()):
            raise RuntimeError("file does not exist! generate the access token!")
        with open(self._path()) as file_obj:
            return json.load(file_obj)

    def saveOAuthData(self, tokens):
        try:
            entries = [e for e in self._read() if e["user_identifier"] != tokens.user_identifier]
        except RuntimeError:
            entries = []
        entries.append(
            {
                "user_identifier": tokens.user_identifier,
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "expiry_time": tokens.expiry_time,
            }
        )
        with open(self._path(), "w") as file_obj:
            json.dump(entries, file_obj)

    def getOAuthTokens(self, userEmailId):
        for entry in self._read():
            if entry["user_identifier"] == userEmailId:
                return ZohoOAuthTokens(
                    entry["refresh_token"], entry["access_token"], entry["expiry_time"], userEmailId
                )
        raise RuntimeError("no such " + userEmailId + " present in the File")

    def deleteOAuthTokens(self, userEmailId):
        try:
            entries = self._read()
        except RuntimeError:
            return
        with open(self._path(), "w") as file_obj:
            json.dump([e for e in entries if e["user_identifier"] != userEmailId], file_obj)

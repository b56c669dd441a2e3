"""The classic Python SDK's file token handler, ported as a user would.

What changed from the classic code: one JSON object per line instead of a stream of pickles
(unpickling a file is running its code), and the folder comes from the environment. Kept:
blocking calls, the classic method names and token attributes, delete-then-append, and the
raises when the file or the user is missing.
"""

import json
import os


class ZohoOAuthTokens:
    """The classic Python SDK's token object."""

    def __init__(self, refresh_token, access_token, expiry_time, user_email):
        self.refreshToken = refresh_token
        self.accessToken = access_token
        self.expiryTime = expiry_time
        self.userEmail = user_email


class ZohoOAuthPersistenceFileHandler:
    def __init__(self):
        self.file_path = os.path.join(os.environ["ZOHO_TOKENS_DIR"], "zcrm_oauthtokens.jsonl")

    def save_oauthtokens(self, oAuthTokens):
        self.delete_oauthtokens(oAuthTokens.userEmail)
        with open(self.file_path, "a") as fp:
            entry = {
                "refreshToken": oAuthTokens.refreshToken,
                "accessToken": oAuthTokens.accessToken,
                "expiryTime": oAuthTokens.expiryTime,
                "userEmail": oAuthTokens.userEmail,
            }
            fp.write(json.dumps(entry) + "\n")

    def get_oauthtokens(self, userEmail):
        if not os.path.isfile(self.file_path):
            raise Exception("Token Persistence File is not found")
        with open(self.file_path) as fp:
            for line in fp:
                entry = json.loads(line)
                if entry["userEmail"] == userEmail:
                    return ZohoOAuthTokens(
                        entry["refreshToken"], entry["accessToken"], entry["expiryTime"], userEmail
                    )
        raise Exception("No tokens found for the given user")

    def delete_oauthtokens(self, userEmail):
        if not os.path.isfile(self.file_path):
            return
        with open(self.file_path) as fp:
            kept = [line for line in fp if json.loads(line)["userEmail"] != userEmail]
        with open(self.file_path, "w") as fp:
            fp.writelines(kept)

"""Where TP-Link's cloud lives, and how its apps introduce themselves."""

from __future__ import annotations

from typing import Final

V1_URL: Final = "https://wap.tplinkcloud.com"
"""The V1 ("wap") entry host; device calls go to each device's ``appServerUrl``."""

V2_URL: Final = "https://n-wap.tplinkcloud.com"
"""The V2 ("n-wap") entry host for Kasa; login goes to the account's regional ``appServerUrl``."""

V2_ACCOUNT_PATH: Final = "/api/v2/account/"
"""Prefix of the V2 account calls: ``POST /api/v2/account/<call>`` with a flat JSON body."""

V2_ACCOUNT_CALLS: Final = (
    "getAccountStatusAndUrl",
    "login",
    "getEmailVC4TerminalMFA",
    "getPushVC4TerminalMFA",
    "checkMFACodeAndLogin",
    "refreshToken",
)

V1_APP_TYPE: Final = "Kasa_Android"
APP_VERSION: Final = "3.4.451"
"""The Kasa app version a client claims (``appVer``); any recent one works."""

V1_USER_AGENT: Final = "Dalvik/2.1.0 (Linux; U; Android 6.0.1; A0001 Build/M4B30X)"
V2_USER_AGENT: Final = "okhttp/3.12.13"


def v2_query(terminal_id: str, token: str | None = None) -> dict[str, str]:
    """The query string every V2 request carries (``token`` once logged in)."""
    query = {
        "appName": "Kasa_Android_Mix",
        "appVer": APP_VERSION,
        "netType": "wifi",
        "termID": terminal_id,
        "ospf": "Android 14",
        "brand": "TPLINK",
        "locale": "en_US",
        "model": "Pixel",
        "termName": "kasacloud",
        "termMeta": "kasacloud",
    }
    if token is not None:
        query["token"] = token
    return query

"""Every protocol detail that PROTOCOL.md marks uncertain ([U]) or leaves unsaid, in one place.

Both the client and the server read these names instead of writing the values inline, so that when
a capture of the real cloud shows a detail to be different, the fix is one line here (and the
matching row of docs/protocol-assumptions.md).
"""

from __future__ import annotations

from typing import Final

# --- V2 signing --------------------------------------------------------------------------------

SIGNATURE_ERROR_CODE: Final = -20104
"""What a V2 endpoint answers to a missing, malformed or wrong signature. Unknown: the real cloud's
code is not documented. -20104 "Parameter doesn't exist" is the closest code in the known table."""

SIGNATURE_ERROR_MESSAGE: Final = "Signature verification failed"

SIGNATURE_MAX_SKEW_S: Final = 900
"""How far a real (not fixed) timestamp may be from the server's clock. Unknown; 15 minutes."""

FIXED_TIMESTAMP: Final = "9999999999"
"""The fixed timestamp some public clients send; the server accepts it."""

# --- 2-step verification -----------------------------------------------------------------------

MFA_NESTED_MESSAGE_KEY: Final = "errorMsg"
"""Key of the message beside the nested ``result.errorCode`` in an MFA answer. Unknown."""

MFA_TYPE_PUSH: Final = 1
MFA_TYPE_EMAIL: Final = 2

MFA_CODE_REQUEST_BODY: Final = ("appType", "cloudUserName", "cloudPassword", "terminalUUID")
"""Body keys of getEmailVC4TerminalMFA / getPushVC4TerminalMFA ([U] in PROTOCOL.md)."""

MFA_BIND_SKIPS_LATER_MFA: Final = True
"""``terminalBindEnabled: true`` on checkMFACodeAndLogin lets later logins from the same terminal
skip verification ([U] in PROTOCOL.md)."""

# --- Tokens ------------------------------------------------------------------------------------

REFRESH_MAY_ROTATE: Final = True
"""refreshToken may answer a new ``refreshToken`` beside the new token; a client keeps whichever is
newest. The server rotates it."""

# --- Tapo --------------------------------------------------------------------------------------

TAPO_PASSTHROUGH_PATH: Final = "/api/v2/common/passthrough"
"""Tapo devices' passthrough over V2 ([U]); kasacloud does not drive Tapo devices yet."""

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
"""SMART devices' passthrough over V2 [V] (one public client): signed, token in the query string,
flat body ``{"deviceId", "requestData"}``."""

SMART_RESPONSE_IN_KIND: Final = True
"""``requestData`` of the SMART passthrough may be a JSON string or an object; ``responseData`` is
answered in the same form, as V1 does [U]."""

SMART_TYPES_IN_KASA_APP: Final[tuple[str, ...]] = ()
"""Which app lists which devices [U], one choice: the Tapo app (signed with the Tapo key pair, or
an ``appType`` naming Tapo) lists every SMART device, the Kasa app every IOT device and the SMART
devices whose ``deviceType`` starts with one of these prefixes: none, so each device is in one
list. PROTOCOL.md section 6 says Kasa-branded SMART hardware (KS225, KP125M, EP25 hw 2.6 ...) may
show in the Kasa app too, where its V1 passthrough answers -20571; ``("SMART.KASA",)`` here gives
that (clients then de-duplicate by ``deviceId``)."""

DEVICE_LIST_DUPLICATE_WINS: Final = "tapo"
"""When a device is in both apps' lists (same ``deviceId``) [U], the client keeps the Tapo app's
entry (its ``alias`` base64-decoded): a device listed by both is a SMART device, which only the
Tapo side can drive (its V1 passthrough answers -20571)."""

SMART_DEFAULT_COLOR_TEMP_RANGE_K: Final = (2500, 6500)
"""The colour temperature range of a SMART light with ``color_temperature`` that reports no
``color_temp_range`` in its device info [U] (python-kasa's default too)."""

TAPO_APP_LISTS_IOT_DEVICES: Final = False
"""Whether the Tapo app's list also shows IOT (Kasa) devices [U]; kasacloud's server says no."""

IOT_DEVICE_ON_SMART_PASSTHROUGH_CODE: Final = -20571
"""An IOT device reached through the SMART passthrough [U]: the cloud answers "Device is offline",
the mirror of a SMART device reached through V1 (-20571 [V]); it does not relay the request."""

SMART_APP_SERVER_URL_IS_REGION_URL: Final = True
"""The ``appServerUrl`` of a SMART device is its region's gateway (``n-<region>-wap-gw`` on
TP-Link's cloud [U]); kasacloud's server serves both apps on each region's one URL."""

SMART_ENERGY_DATA_TIMESTAMPS: Final = "seconds or milliseconds"
"""``get_energy_data`` timestamps: seconds in some versions, milliseconds in others [U]. The
simulated devices take values above 10**11 as milliseconds and echo what they were sent."""

SMART_ENERGY_DATA_MAX_POINTS: Final = {60: 8 * 24, 1440: 93, 43200: 24}
"""The longest ``get_energy_data`` span a simulated device answers, in intervals [U]: hourly over
8 days, daily over a quarter, monthly over two years; longer is -1008 (bad params)."""

# --- Server behaviour the protocol does not pin down (kasacloud's server follows these) ---------

LOCKOUT_ERROR_CODE: Final = -20675
LOCKOUT_MESSAGE: Final = "account locked: too many failed logins from this address; try later"
"""What login answers to an address with recent failures while the account it tries is protected
(too many failed logins from anywhere): the account is locked for that address only, never for an
address without recent failures. PROTOCOL.md lists "account locked" among the meanings of -20675;
the real lockout code is not documented."""

UNKNOWN_ACCOUNT_LOGIN_CODE: Final = -20601
"""Login with an unknown e-mail answers like a wrong password (not -20600), so that login does not
tell an attacker which e-mails have accounts."""

MFA_WRONG_CODE_ERROR: Final = -20107
"""checkMFACodeAndLogin with a wrong or expired code, or an unknown MFAProcessId. Unknown; the
closest known code is -20107 "args is invalid"."""

MFA_CODE_DIGITS: Final = 6
"""Length of a verification code."""

V1_MFA_ACCOUNT_LOGIN_CODE: Final = -23003
"""V1 login of an account with 2-step verification [V]: "App version is too old"."""

IS_SAME_REGION_MEANS_ACCOUNT_REGION: Final = True
"""``isSameRegion`` compares the device's region with its owner's home region."""

WRONG_REGION_DEVICE_CALLS_SERVED: Final = True
"""A device call (passthrough) sent to another region's host is still served, as the global V1
host does for old clients; only V2 login is strict about regions (-20212)."""

OFFLINE_SETALIAS_CODE: Final = -20571
"""setAlias on an offline device: the alias lives on the device, so the cloud cannot change it."""

OVERSIZED_BODY_HTTP_STATUS: Final = 413
"""A request body over the server's limit is refused with HTTP 413 (and a -10100 envelope), as a
front proxy would; the real cloud's limit and answer are not known."""

# --- Names ---------------------------------------------------------------------------------------

ALIAS_MAX_CHARS: Final = 31
"""The longest device name. Unknown for the cloud's setAlias; 31 is what IOT firmware stores
(``set_dev_alias`` refuses more), and the apps allow no longer. The server's setAlias, the
simulated devices and the client all use this one number (``protocol.families``)."""

# --- Limits and rules of kasacloud's server (the cloud's own are not known) ---------------------

MAX_JSON_DEPTH: Final = 32
"""Deepest nesting of objects and arrays accepted in a body or a ``requestData`` string. The
deepest real request (a SMART ``multipleRequest`` inside a V1 envelope) is about 8 levels deep."""

MAX_JSON_NUMBER_CHARS: Final = 32
"""Longest number literal accepted (digits, sign, point and exponent): 64-bit values and
millisecond timestamps fit many times over; a float that overflows to infinity is refused too."""

MALFORMED_BODY_CODE: Final = -10100
"""A body that is not UTF-8 JSON, or goes past the limits above (or holds a lone UTF-16 surrogate),
answers -10100 "JSON format error". Inside ``requestData`` the same faults answer -20107."""

MAX_TERMINAL_ID_CHARS: Final = 128
"""Longest ``terminalUUID`` accepted (a UUID is 36); it is stored beside every token."""

MAX_CREDENTIAL_CHARS: Final = 512
"""Longest e-mail or password login accepts; longer ones answer -20601 without being hashed."""

PERSIST_FAILED_CODE: Final = -1
"""A change the server could not write to its store is rolled back and answered -1 "unknow
error": the change did not happen."""

# --- Apps and replay -------------------------------------------------------------------------

KNOWN_APP_TYPES: Final = ("Kasa_Android_Mix", "TP-Link_Tapo_Android", "Kasa_Android")
"""``appType`` values V2 account calls accept: the Kasa and Tapo apps' (PROTOCOL.md sections 3 and
6), and the V1 Kasa app's, which some clients also send on V2 refreshToken. The iOS apps' values are
not known; an operator adds them through ``ServerConfig.app_types``."""

NONCE_RETENTION_S: Final = 2 * SIGNATURE_MAX_SKEW_S
"""How long the server remembers a V2 nonce, by its own clock from when it first saw it: a replay
inside this window is refused whatever its timestamp (the fixed one included). Past it, a real
timestamp is outside the skew window anyway; a fixed-timestamp request could be replayed, which
is why the fixed timestamp is weaker and documented as such."""

MAX_NONCE_CHARS: Final = 64
"""Longest nonce accepted (a UUID4 is 36 characters)."""

NONCE_CACHE_SIZE: Final = 200_000
"""Most nonces remembered at once; the oldest are forgotten first when more arrive."""

REPLAYED_NONCE_MESSAGE: Final = "Signature verification failed: nonce already used"
"""A replayed nonce answers the signature error code (-20104) with this message."""

# --- Login protection ------------------------------------------------------------------------

THROTTLED_LOGIN_CODE: Final = -20004
"""What login answers to an address that is slowed or refused after failed logins, and to an
account whose 2-step codes are throttled: -20004 "API rate limit exceeded", the cloud's own
"too many requests" code. Clients back off on it."""

ACCOUNT_STATUS_URL_IS_ASKED_REGION: Final = True
"""getAccountStatusAndUrl answers the URL of the region that was asked, for every e-mail, so that
it reveals nothing about which e-mails have accounts or where they live. The home region comes
from login itself: a right password on another region's host answers -20212 with the home URL;
a wrong one answers -20601 there as anywhere."""
# --- Rules ---------------------------------------------------------------------------------------

COUNTDOWN_REMAIN_KEY: Final = "remain"
"""The key of a countdown rule's seconds left in ``count_down.get_rules``. Not in our captures
(none has a running countdown); third-party docs of IOT plugs show ``remain`` beside ``delay``.
The simulated devices report it; the CLI shows it as the time left when a device does."""

SMART_WEEK_DAY_BIT0: Final = "sunday"
"""Which day bit 0 of a SMART rule's ``week_day`` mask is [U]. The one captured rule list (an
EP40M outlet's) has 127, every day, which does not tell; third-party notes on the Tapo app give
62 for Monday to Friday, which is bit 0 Sunday, bit 6 Saturday: the IOT ``wday`` order."""

SMART_RULE_MODES: Final = ("repeat", "once")
"""``mode`` of a SMART schedule or away rule [U]: the capture shows ``"repeat"``; ``"once"`` for
a rule that acts on its next day only is the app's other choice as third-party notes give it."""

SMART_SUN_TIME_IN_S_MIN: Final = True
"""A SMART sunrise/sunset rule carries the resulting minute in ``s_min`` [U]: the capture's
sunset rule has ``time_offset`` -15 and ``s_min`` 1081 (18:01, a late-October sunset less 15
minutes), so the app computes the sun time. kasacloud has no location: it writes 06:00 (sunrise)
or 18:00 (sunset) plus the offset, as the IOT simulator assumes, and the simulator acts at
``s_min``."""

SMART_AWAY_RULE_FIELDS: Final = ("enable", "s_min", "e_min", "week_day", "mode")
"""The fields of a SMART away (``antitheft``) rule [U]: no capture has one. They are taken to be
the schedule rule's (``s_min`` start, ``e_min`` end, ``week_day``, ``mode``), the way the IOT
``anti_theft`` rule shares ``smin``/``emin``/``wday`` with its schedule rule."""

SMART_RULES_TABLE_SWITCH: Final = False
"""Whether the SMART vocabulary has a switch for a whole rule table (IOT's
``set_overall_enable``) [U]: the captures show the table's ``enable`` (true once it holds a
rule) but no method to set it, so switching "every rule" enables or disables each rule with its
``edit_*_rule``."""

SMART_REMOVE_RULES_PARAMS: Final = ("rule_list", "remove_all")
"""``remove_schedule_rules`` (and the countdown and away twins) take ``{"rule_list": [{"id"}]}``
for some rules and ``{"remove_all": true}`` for all [U]: the method names are the captures'
``get_*_rules`` twins; the params are the simulator's reading of them."""

SMART_FAN_SPEED_LEVELS: Final = (1, 4)
"""The speeds a SMART fan (a KS240's fan gang, component ``fan_control``) takes in
``set_device_info {"fan_speed_level"}`` [U]: the capture shows 1; the KS240's fan switch has four
speeds, and python-kasa's fan module takes 1 to 4 (0 there means off, which is ``device_on``
here)."""

SMART_TARGET_TEMP_RANGE_C: Final = (5.0, 30.0)
"""A SMART thermostat's target range when it reports none: the KE100 capture's
``min_control_temp``/``max_control_temp`` (5 and 30 °C)."""

SMART_TARGET_TEMP_STEP_C: Final = 0.5
"""The step of a thermostat's target temperature [U]: the KE100 capture shows 21.0; the Tapo app
offers half degrees."""

SMART_FADE_MAX_S: Final = 60
"""The longest fade of a SMART device's gradual on/off (``on_off_gradually``) when its
``on_state``/``off_state`` give no ``max_duration``: the captures that give one say 60 s."""

"""Names of the device command vocabulary (PROTOCOL.md section 5), inside ``requestData``.

Plugs, strips and switches use short module names (``emeter``, ``schedule``); bulbs and light
strips use ``smartlife.iot.common.*`` names for the same modules. :class:`Modules` holds one
family's set, so code asks for ``modules.emeter`` instead of choosing a string itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SYSTEM: Final = "system"
EMETER: Final = "emeter"
SCHEDULE: Final = "schedule"
COUNT_DOWN: Final = "count_down"
ANTI_THEFT: Final = "anti_theft"
TIME: Final = "time"
CLOUD: Final = "cnCloud"

BULB_EMETER: Final = "smartlife.iot.common.emeter"
BULB_SCHEDULE: Final = "smartlife.iot.common.schedule"
BULB_COUNT_DOWN: Final = "smartlife.iot.common.count_down"
BULB_ANTI_THEFT: Final = "smartlife.iot.common.anti_theft"
BULB_TIME: Final = "smartlife.iot.common.timesetting"
BULB_CLOUD: Final = "smartlife.iot.common.cloud"
BULB_SYSTEM: Final = "smartlife.iot.common.system"

LIGHTING: Final = "smartlife.iot.smartbulb.lightingservice"
LIGHT_STRIP: Final = "smartlife.iot.lightStrip"
DIMMER: Final = "smartlife.iot.dimmer"

# system
GET_SYSINFO: Final = "get_sysinfo"
SET_RELAY_STATE: Final = "set_relay_state"
SET_LED_OFF: Final = "set_led_off"
SET_DEV_ALIAS: Final = "set_dev_alias"
REBOOT: Final = "reboot"
RESET: Final = "reset"

# emeter
GET_REALTIME: Final = "get_realtime"
GET_DAYSTAT: Final = "get_daystat"
GET_MONTHSTAT: Final = "get_monthstat"
ERASE_EMETER_STAT: Final = "erase_emeter_stat"

# lights
GET_LIGHT_STATE: Final = "get_light_state"
GET_LIGHT_DETAILS: Final = "get_light_details"
TRANSITION_LIGHT_STATE: Final = "transition_light_state"
SET_LIGHT_STATE: Final = "set_light_state"
SET_LIGHTING_EFFECT: Final = "set_lighting_effect"

# dimmer
SET_BRIGHTNESS: Final = "set_brightness"
SET_DIMMER_TRANSITION: Final = "set_dimmer_transition"
SET_SWITCH_STATE: Final = "set_switch_state"
GET_DIMMER_PARAMETERS: Final = "get_dimmer_parameters"

# rules: schedule, count_down, anti_theft
GET_RULES: Final = "get_rules"
ADD_RULE: Final = "add_rule"
EDIT_RULE: Final = "edit_rule"
DELETE_RULE: Final = "delete_rule"
DELETE_ALL_RULES: Final = "delete_all_rules"
SET_OVERALL_ENABLE: Final = "set_overall_enable"
GET_NEXT_ACTION: Final = "get_next_action"

# time
GET_TIME: Final = "get_time"
GET_TIMEZONE: Final = "get_timezone"
SET_TIME: Final = "set_time"
SET_TIMEZONE: Final = "set_timezone"

# cloud
GET_INFO: Final = "get_info"
BIND: Final = "bind"
UNBIND: Final = "unbind"
SET_SERVER_URL: Final = "set_server_url"


@dataclass(frozen=True, slots=True)
class Modules:
    """One device family's module names."""

    system: str
    emeter: str
    schedule: str
    count_down: str
    anti_theft: str
    time: str
    cloud: str


PLUG_MODULES: Final = Modules(SYSTEM, EMETER, SCHEDULE, COUNT_DOWN, ANTI_THEFT, TIME, CLOUD)
"""Plugs, strips, switches and dimmers."""

BULB_MODULES: Final = Modules(
    SYSTEM, BULB_EMETER, BULB_SCHEDULE, BULB_COUNT_DOWN, BULB_ANTI_THEFT, BULB_TIME, BULB_CLOUD
)
"""Bulbs and light strips: ``get_sysinfo`` stays under ``system`` (as the captures show)."""

DEVICE_TYPE_PLUG: Final = "IOT.SMARTPLUGSWITCH"
DEVICE_TYPE_BULB: Final = "IOT.SMARTBULB"
DEVICE_TYPE_CAMERA: Final = "IOT.IPCAMERA"
DEVICE_TYPE_RANGE_EXTENDER: Final = "IOT.RANGEEXTENDER.SMARTPLUG"
TAPO_DEVICE_PREFIX: Final = "SMART."
"""``deviceType`` prefix of Tapo devices: their alias is base64, and V1 passthrough calls fail."""


def modules_for(device_type: str) -> Modules:
    """The module names a device of ``device_type`` answers to."""
    return BULB_MODULES if device_type == DEVICE_TYPE_BULB else PLUG_MODULES

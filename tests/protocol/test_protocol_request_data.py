"""The requestData codec: string or object, round trips (hypothesis), outlets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasacloud.protocol import families, request_data
from kasacloud.protocol.request_data import RequestDataError

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)
json_objects = st.dictionaries(st.text(), json_values, max_size=6)


@given(json_objects)
def test_string_form_round_trips(data: dict[str, Any]) -> None:
    encoded = request_data.encode(data)
    assert isinstance(encoded, str)
    decoded, as_string = request_data.decode(encoded)
    assert decoded == data
    assert as_string is True


@given(json_objects)
def test_object_form_round_trips(data: dict[str, Any]) -> None:
    encoded = request_data.encode(data, as_string=False)
    assert encoded == data
    decoded, as_string = request_data.decode(encoded)
    assert decoded == data
    assert as_string is False


@given(json_objects)
def test_bytes_are_read_like_strings(data: dict[str, Any]) -> None:
    decoded, as_string = request_data.decode(json.dumps(data).encode())
    assert (decoded, as_string) == (data, True)


def test_encoding_is_compact() -> None:
    assert request_data.encode({"system": {"get_sysinfo": None}}) == (
        '{"system":{"get_sysinfo":null}}'
    )


@pytest.mark.parametrize("value", ["not json", "[1, 2]", '"text"', "3", 5, None, b"\xff", [1]])
def test_decode_refuses_what_is_not_an_object(value: object) -> None:
    with pytest.raises(RequestDataError):
        request_data.decode(value)


def test_child_ids() -> None:
    parent = "80061C9A1B2C3D4E5F60718293A4B5C6D7E8F901"
    assert families.outlet_id(parent, 0) == parent + "00"
    assert families.outlet_id(parent, 5) == parent + "05"
    with pytest.raises(ValueError, match=r"0\.\.99"):
        families.outlet_id(parent, 100)
    request = request_data.with_child({"system": {"set_relay_state": {"state": 1}}}, parent + "01")
    assert request_data.child_ids(request) == [parent + "01"]
    assert request_data.child_ids({"system": {}}) is None
    assert request_data.child_ids({"context": {"child_ids": [1]}}) is None
    assert request_data.with_child({"a": 1}, None) == {"a": 1}

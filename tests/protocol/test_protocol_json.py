"""kasacloud._json: orjson's speed, the standard library's answers where orjson refuses."""

from __future__ import annotations

import json
import math

import pytest

from kasacloud import _json


def test_round_trips_what_orjson_refuses_through_the_standard_library() -> None:
    awkward = {"surrogate": "\ud800", "big": 2**70, "nested": [{"x": None}]}
    assert _json.loads(_json.dumps(awkward)) == awkward
    assert _json.loads(_json.dumps_str(awkward)) == awkward
    assert _json.loads(_json.dumps({1: "a"})) == {"1": "a"}


def test_output_is_compact_utf8() -> None:
    assert _json.dumps({"a": [1, 2], "b": "é"}) == '{"a":[1,2],"b":"é"}'.encode()
    assert _json.dumps_str({"system": {"get_sysinfo": None}}) == '{"system":{"get_sysinfo":null}}'


def test_reads_nan_as_the_standard_library_does() -> None:
    assert math.isnan(_json.loads('{"a": NaN}')["a"])


@pytest.mark.parametrize("bad", [b"{", b"not json", "{'a': 1}", b'{"a": 1,}'])
def test_bad_json_raises_the_standard_error(bad: str | bytes) -> None:
    with pytest.raises(json.JSONDecodeError):
        _json.loads(bad)


def test_bytes_that_are_not_utf8_raise_a_unicode_error() -> None:
    with pytest.raises(UnicodeDecodeError):
        _json.loads(b'{"a": "\xff"}')

"""The LAN cipher and framing: round trips, and agreement with python-kasa's own implementation."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kasa.transports.xortransport import XorEncryption

from kasacloud.protocol import lan

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**31), 2**31) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
messages = st.dictionaries(st.text(max_size=12), json_values, max_size=5)


@given(st.binary(max_size=512))
def test_cipher_round_trip(data: bytes) -> None:
    assert lan.decrypt(lan.encrypt(data)) == data


def test_known_answer() -> None:
    # Worked by hand: 171 ^ ord("{") = 171 ^ 123 = 208; the key becomes 208; 208 ^ ord("}") = 173.
    assert lan.encrypt(b"{}") == bytes([208, 173])
    assert lan.decrypt(bytes([208, 173])) == b"{}"


@given(st.text(max_size=300))
def test_agrees_with_python_kasa(text: str) -> None:
    frame = XorEncryption.encrypt(text)
    payload = text.encode()
    assert frame == struct.pack(">I", len(payload)) + lan.encrypt(payload)
    assert XorEncryption.decrypt(lan.encrypt(payload)) == text


@given(messages)
def test_frame_round_trip(message: dict[str, object]) -> None:
    decoder = lan.FrameDecoder()
    decoder.feed(lan.encode_frame(message))
    assert decoder.next_message() == message
    assert decoder.next_message() is None
    assert decoder.pending_bytes == 0


@given(messages, messages, st.integers(1, 7))
def test_frames_split_anywhere(
    first: dict[str, object], second: dict[str, object], step: int
) -> None:
    stream = lan.encode_frame(first) + lan.encode_frame(second)
    decoder = lan.FrameDecoder()
    got = []
    for i in range(0, len(stream), step):
        decoder.feed(stream[i : i + step])
        while (message := decoder.next_message()) is not None:
            got.append(message)
    assert got == [first, second]


@given(messages)
def test_datagram_round_trip(message: dict[str, object]) -> None:
    datagram = lan.encode_datagram(message)
    assert lan.decode_datagram(datagram) == message
    # python-kasa's discovery strips the 4-byte prefix off its TCP frame to build the datagram.
    text = json.dumps(message)
    assert XorEncryption.encrypt(text)[4:] == lan.encrypt(text.encode())


def test_python_kasa_discovery_query_is_recognised() -> None:
    datagram = XorEncryption.encrypt(json.dumps({"system": {"get_sysinfo": {}}}))[4:]
    assert lan.is_discovery_query(lan.decode_datagram(datagram))
    assert lan.is_discovery_query({"system": {"get_sysinfo": None}})
    assert not lan.is_discovery_query({"system": {"set_relay_state": {"state": 1}}})


def test_oversized_length_is_refused() -> None:
    decoder = lan.FrameDecoder()
    decoder.feed(struct.pack(">I", lan.MAX_MESSAGE_BYTES + 1))
    with pytest.raises(lan.LanProtocolError, match="limit"):
        decoder.next_message()


@pytest.mark.parametrize("plaintext", [b"[1, 2]", b"not json", b"\xff\xfe"])
def test_bad_payloads_are_refused(plaintext: bytes) -> None:
    with pytest.raises(lan.LanProtocolError):
        lan.decode_datagram(lan.encrypt(plaintext))

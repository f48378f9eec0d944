"""The local (LAN) protocol of Kasa IOT devices: the XOR "autokey" cipher and its framing. Pure.

Kasa IOT devices answer on the LAN without credentials (PROTOCOL.md section 5, last bullet):

- **TCP 9999**: each message is a 4-byte big-endian length, then that many bytes of JSON encrypted
  with the autokey cipher. A connection may carry several request/response pairs in turn.
- **UDP 9999**: discovery. The same cipher, one JSON message per datagram, *no* length prefix. The
  query is ``{"system":{"get_sysinfo":{}}}`` and a device answers it to the sender.

The cipher: the key starts at 171; each plaintext byte ``p`` becomes ``c = p ^ key`` and the
ciphertext byte becomes the next key. Decryption is the mirror image.

Example::

    frame = encode_frame({"system": {"get_sysinfo": {}}})
    decoder = FrameDecoder()
    decoder.feed(frame)
    assert decoder.next_message() == {"system": {"get_sysinfo": {}}}
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Any, Final

INITIAL_KEY: Final = 171
"""The autokey cipher's first key byte."""
DEFAULT_PORT: Final = 9999
"""The TCP port of the device protocol and the UDP port of discovery."""
DISCOVERY_QUERY: Final[Mapping[str, Any]] = {"system": {"get_sysinfo": {}}}
"""What a LAN client broadcasts to find devices; a device answers with its sysinfo."""
MAX_MESSAGE_BYTES: Final = 1024 * 1024
"""Frames announcing more than this are refused: no real device message comes close, and a
garbled length prefix must not make a reader wait for (or allocate) gigabytes."""

_LENGTH = struct.Struct(">I")
_COMPACT = (",", ":")


class LanProtocolError(ValueError):
    """A LAN message that cannot be decoded: bad length, not UTF-8, not a JSON object."""


def encrypt(plaintext: bytes) -> bytes:
    """Encrypt bytes with the autokey cipher (no length prefix)."""
    key = INITIAL_KEY
    out = bytearray(len(plaintext))
    for i, byte in enumerate(plaintext):
        key ^= byte
        out[i] = key
    return bytes(out)


def decrypt(ciphertext: bytes) -> bytes:
    """Decrypt bytes encrypted with the autokey cipher (no length prefix)."""
    key = INITIAL_KEY
    out = bytearray(len(ciphertext))
    for i, byte in enumerate(ciphertext):
        out[i] = key ^ byte
        key = byte
    return bytes(out)


def dumps(message: Mapping[str, Any]) -> bytes:
    """Serialize a message as devices do: compact JSON, UTF-8."""
    return json.dumps(message, separators=_COMPACT, ensure_ascii=False).encode()


def loads(plaintext: bytes) -> dict[str, Any]:
    """Parse a decrypted message; it must be a JSON object.

    Raises:
        LanProtocolError: when the bytes are not UTF-8 JSON holding an object.
    """
    try:
        parsed = json.loads(plaintext.decode())
    except UnicodeDecodeError:
        raise LanProtocolError("message is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise LanProtocolError(f"message is not JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(parsed, dict):
        raise LanProtocolError(f"expected a JSON object, got {type(parsed).__name__}")
    return parsed


def encode_frame(message: Mapping[str, Any]) -> bytes:
    """A TCP frame: the 4-byte big-endian length, then the encrypted JSON."""
    payload = encrypt(dumps(message))
    return _LENGTH.pack(len(payload)) + payload


def decode_frame_length(header: bytes) -> int:
    """The payload length announced by a 4-byte frame header.

    Raises:
        LanProtocolError: when the header is not 4 bytes or announces more than
            :data:`MAX_MESSAGE_BYTES`.
    """
    if len(header) != _LENGTH.size:
        raise LanProtocolError(f"a frame header is {_LENGTH.size} bytes, got {len(header)}")
    (length,) = _LENGTH.unpack(header)
    if length > MAX_MESSAGE_BYTES:
        raise LanProtocolError(f"frame of {length} bytes is over the {MAX_MESSAGE_BYTES} limit")
    return int(length)


def decode_payload(payload: bytes) -> dict[str, Any]:
    """Decrypt and parse the payload of one TCP frame (or one UDP datagram)."""
    return loads(decrypt(payload))


def encode_datagram(message: Mapping[str, Any]) -> bytes:
    """A UDP discovery datagram: the encrypted JSON, with no length prefix."""
    return encrypt(dumps(message))


def decode_datagram(datagram: bytes) -> dict[str, Any]:
    """Decrypt and parse a UDP discovery datagram.

    Raises:
        LanProtocolError: when it does not decrypt to a JSON object.
    """
    return decode_payload(datagram)


def is_discovery_query(message: Mapping[str, Any]) -> bool:
    """Whether a decoded datagram asks for sysinfo (the legacy discovery query).

    Clients send ``{}`` or ``null`` as the argument; both count.
    """
    system = message.get("system")
    return isinstance(system, Mapping) and "get_sysinfo" in system


class FrameDecoder:
    """Splits a TCP byte stream into messages; feed it bytes as they arrive.

    It never buffers more than one frame beyond :data:`MAX_MESSAGE_BYTES`: a bad length prefix
    raises instead of waiting forever.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        """Append received bytes."""
        self._buffer += data

    def next_message(self) -> dict[str, Any] | None:
        """The next complete message, or ``None`` until more bytes arrive.

        Raises:
            LanProtocolError: on a bad length prefix or a payload that is not a JSON object.
        """
        if len(self._buffer) < _LENGTH.size:
            return None
        length = decode_frame_length(bytes(self._buffer[: _LENGTH.size]))
        end = _LENGTH.size + length
        if len(self._buffer) < end:
            return None
        payload = bytes(self._buffer[_LENGTH.size : end])
        del self._buffer[:end]
        return decode_payload(payload)

    @property
    def pending_bytes(self) -> int:
        """Bytes received but not yet returned as a message."""
        return len(self._buffer)

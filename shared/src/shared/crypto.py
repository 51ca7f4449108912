"""Per-person sealing of personal data for crypto-shredding (AES-256-GCM).

Each person gets a random 256-bit data key. Personal data that must travel in events is sealed
under that key with associated data binding it to its event, so a sealed value cannot be
replayed into another person's or another application's event. Deleting the key is erasure:
every copy of the ciphertext (Kafka's log, replicas, dead letters, outbox rows) stays
unreadable for good.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
ALG = "AES-256-GCM"


class SealError(ValueError):
    """A sealed value that does not open with the given key (wrong key, tampered, or not ours)."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(key: bytes, key_id: str, value: dict[str, Any], associated: str) -> dict[str, str]:
    """`value` as JSON under `key`: {key_id, alg, nonce, ciphertext}, base64url."""
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, json.dumps(value).encode(), associated.encode())
    return {"key_id": key_id, "alg": ALG, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}


def unseal(key: bytes, sealed: dict[str, Any], associated: str) -> dict[str, Any]:
    if sealed.get("alg") != ALG:
        raise SealError(f"unsupported algorithm {sealed.get('alg')!r}; expected {ALG}")
    try:
        plain = AESGCM(key).decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]),
                                    associated.encode())
    except (InvalidTag, ValueError, KeyError) as exc:
        raise SealError("sealed value does not open with this key") from exc
    return json.loads(plain)


def encode_key(key: bytes) -> str:
    return _b64(key)


def decode_key(text: str) -> bytes:
    key = _unb64(text)
    if len(key) != KEY_BYTES:
        raise SealError(f"a data key is {KEY_BYTES} bytes, got {len(key)}")
    return key

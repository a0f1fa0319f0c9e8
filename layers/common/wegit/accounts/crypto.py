"""Bound GitHub tokens encrypted with KMS: a direct `Encrypt` under a key the table never holds, with an
encryption context naming the account, so a ciphertext copied to another account's item cannot be decrypted.

Direct KMS rather than envelope encryption: a token is ~40-93 bytes (KMS takes up to 4 KB), it is encrypted
once per binding and decrypted once per container (the plaintext is kept in memory for DECRYPTED_FOR
seconds), so KMS costs one call where envelope encryption would cost the same call for the data key plus
an AES library in the layer (`cryptography`, several MB and tens of ms of import) that the runtime lacks.
The calls go through wegit.aws (no AWS SDK in a request function's cold start)."""

from __future__ import annotations

import functools
import hashlib
import time

from wegit import aws
from wegit.settings import SettingsError, get_settings

DECRYPTED_FOR = 900.0  # seconds a decrypted token stays in this container's memory
_plain: dict[str, tuple[float, str]] = {}


@functools.lru_cache(maxsize=1)
def _kms() -> aws.Client:
    return aws.kms()


def _context(account_id: str) -> dict[str, str]:
    return {"wegit:account": account_id}


def encrypt(account_id: str, plaintext: str) -> bytes:
    key = get_settings().github_token_key
    if not key:
        raise SettingsError("GITHUB_TOKEN_KEY must name the KMS key that encrypts GitHub tokens")
    answer = _kms().call(
        "Encrypt", {"KeyId": key, "Plaintext": plaintext.encode(), "EncryptionContext": _context(account_id)}
    )
    return bytes(answer["CiphertextBlob"])


def decrypt(account_id: str, ciphertext: bytes) -> str:
    cache_key = hashlib.sha256(account_id.encode() + b"\0" + ciphertext).hexdigest()
    cached = _plain.get(cache_key)
    if cached is not None and time.monotonic() - cached[0] < DECRYPTED_FOR:
        return cached[1]
    answer = _kms().call("Decrypt", {"CiphertextBlob": ciphertext, "EncryptionContext": _context(account_id)})
    plaintext = bytes(answer["Plaintext"]).decode()
    if len(_plain) > 1024:
        _plain.clear()
    _plain[cache_key] = (time.monotonic(), plaintext)
    return plaintext

"""Keys and envelope encryption for data at rest.

Every blob (and every encrypted database field) has its own random 256-bit data
key; data is sealed with AES-256-GCM under that key, and the data key is stored
wrapped (AES key wrap, RFC 3394) by the master key. Rotating the master key only
re-wraps data keys. The master key comes from ``BIOSTAT_MASTER_KEY`` (64 hex
digits or urlsafe base64 of 32 bytes); for a local run without it, one is
generated once into ``<BIOSTAT_DATA_DIR>/master.key`` (mode 0600). It is never
logged.
"""

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
KEY_FILE_NAME = "master.key"


class DecryptionError(Exception):
    """The ciphertext, its key or its associated data do not match: tampering or the wrong key."""


@dataclass(frozen=True)
class MasterKey:
    key: bytes

    @property
    def key_id(self):
        """A short public fingerprint, stored beside wrapped keys to tell which master wrapped them."""
        return hashlib.sha256(b"biostat-master-key-id" + self.key).hexdigest()[:16]

    def __repr__(self):  # never print the key itself
        return f"MasterKey(id={self.key_id})"

    def wrap(self, data_key):
        return aes_key_wrap(self.key, data_key)

    def unwrap(self, wrapped):
        try:
            return aes_key_unwrap(self.key, bytes(wrapped))
        except InvalidUnwrap as exc:
            raise DecryptionError("The master key does not unwrap this data key.") from exc


def parse_key(text):
    """Decode a master key given as 64 hex digits or urlsafe base64 of 32 bytes."""
    text = text.strip()
    try:
        key = bytes.fromhex(text) if len(text) == 64 else base64.urlsafe_b64decode(text.encode())
    except (ValueError, binascii.Error) as exc:
        raise ImproperlyConfigured("BIOSTAT_MASTER_KEY must be 64 hex digits or base64 of 32 bytes.") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("BIOSTAT_MASTER_KEY must be 32 bytes (AES-256).")
    return MasterKey(key)


def generate_key_text():
    return secrets.token_hex(32)


def master_key():
    """The current master key: from the setting, else from (or into) the key file."""
    if settings.BIOSTAT_MASTER_KEY:
        return parse_key(settings.BIOSTAT_MASTER_KEY)
    path = settings.DATA_DIR / KEY_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(generate_key_text())
                handle.flush()
                os.fsync(handle.fileno())
    return parse_key(path.read_text())


def new_data_key():
    return AESGCM.generate_key(bit_length=256)


def seal(data_key, plaintext, associated_data=b""):
    """AES-256-GCM: returns nonce + ciphertext + tag."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext, associated_data)


def open_sealed(data_key, sealed, associated_data=b""):
    sealed = bytes(sealed)
    try:
        return AESGCM(data_key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)
    except InvalidTag as exc:
        raise DecryptionError("Ciphertext failed authentication.") from exc

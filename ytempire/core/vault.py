"""Encryption of stored secrets (YouTube refresh tokens, webhook and inbound signing secrets)
with rotatable keys.

``MultiFernet``: the first key encrypts, every key decrypts, so a new key is put first, the
rows are re-encrypted (``rotate``), then the old key is dropped. The keys come from settings
(``YTEMPIRE_YOUTUBE_TOKEN_KEYS``); the gateway and the stages that act for a channel share them
and nothing else: a token is never logged, put on Kafka or written to a file.

Signing secrets must work on an install that connected no YouTube channel and set no key
(``for_signing_secrets``): the gateway then seals them with a key it generates once into
``<data_dir>/secrets.key`` (mode 0600), so the database and its backups never hold them in
clear. Once keys are set, that file's key still opens what it sealed until ``ytempire youtube
rotate-keys`` re-sealed everything under the first configured key.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ytempire.core.settings import Settings


class VaultLocked(RuntimeError):
    """No key is configured, or none of them opens a stored secret."""


class Vault:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise VaultLocked("no token key is set: generate one with 'ytempire youtube "
                              "new-key' and set YTEMPIRE_YOUTUBE_TOKEN_KEYS")
        try:
            self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys])
        except ValueError:
            raise VaultLocked("YTEMPIRE_YOUTUBE_TOKEN_KEYS holds a value that is not a Fernet "
                              "key (32 url-safe base64 bytes); generate one with 'ytempire "
                              "youtube new-key'") from None

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        return cls(_configured(settings))

    @classmethod
    def for_signing_secrets(cls, settings: Settings) -> Vault:
        """The configured keys, then the local key file's (made if no key is configured)."""
        configured = _configured(settings)
        path = local_key_file(settings)
        if configured:
            return cls(configured + ([path.read_text().strip()] if path.is_file() else []))
        return cls([_local_key(path)])

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise VaultLocked("a stored token does not open with any configured key (was a "
                              "key dropped before 'ytempire youtube rotate-keys' ran?)") from None

    def rotate(self, sealed: str) -> str:
        """The same secret under the first key."""
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken:
            raise VaultLocked("a stored token does not open with any configured key") from None


def local_key_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / "secrets.key"


def _configured(settings: Settings) -> list[str]:
    raw = settings.youtube_token_keys.get_secret_value() if settings.youtube_token_keys else ""
    return [k for k in raw.split(",") if k.strip()]


def _local_key(path: Path) -> str:
    """The key in ``path``, written first (mode 0600, atomically: two processes agree)."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(Fernet.generate_key().decode())
        try:
            os.link(tmp, path)  # fails if another process wrote its key first: theirs wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()

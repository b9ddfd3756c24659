"""Encryption of stored secrets (YouTube refresh tokens) with rotatable keys.

``MultiFernet``: the first key encrypts, every key decrypts, so a new key is put first, the
rows are re-encrypted (``rotate``), then the old key is dropped. The keys come from settings
(``YTEMPIRE_YOUTUBE_TOKEN_KEYS``); the gateway and the stages that act for a channel share them
and nothing else: a token is never logged, put on Kafka or written to a file.
"""

from __future__ import annotations

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
        raw = settings.youtube_token_keys.get_secret_value() if settings.youtube_token_keys \
            else ""
        return cls([k for k in raw.split(",") if k.strip()])

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

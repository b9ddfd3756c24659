"""Typed doors to google-auth's OAuth user credentials.

google-auth ships ``py.typed`` but leaves ``google.oauth2.credentials`` unannotated, so every
call into it is untyped for mypy --strict. The calls the providers make go through here, each
with its type said once at the vendor boundary, and the rest of the code stays strict.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from google.auth.transport.requests import Request
from google.oauth2.credentials import Credentials


def from_file(path: Path) -> Credentials:
    """An operator-placed authorized-user file; ``OSError``/``ValueError`` when unreadable."""
    loaded = Credentials.from_authorized_user_file(str(path))  # type: ignore[no-untyped-call]
    return cast(Credentials, loaded)


def from_refresh_token(refresh_token: str, *, token_uri: str, client_id: str,
                       client_secret: str, scopes: list[str]) -> Credentials:
    """Credentials holding only a refresh token: the first call fetches an access token."""
    return Credentials(  # type: ignore[no-untyped-call]
        token=None, refresh_token=refresh_token, token_uri=token_uri, client_id=client_id,
        client_secret=client_secret, scopes=scopes)


def with_token_uri(credentials: Credentials, token_uri: str) -> Credentials:
    """A copy that refreshes at ``token_uri`` (a local fake in tests)."""
    return cast(Credentials, credentials.with_token_uri(token_uri))


def refresh(credentials: Credentials) -> None:
    """A fresh access token, over requests; raises google-auth's ``RefreshError`` and
    ``TransportError``."""
    credentials.refresh(Request())  # type: ignore[no-untyped-call]

"""The vault of signing secrets: a local key file (0600) when no key is configured, kept as a
decrypting key once keys are set so nothing it sealed is lost before a rotation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from ytempire.core.settings import Settings
from ytempire.core.vault import Vault, VaultLocked, local_key_file


def test_without_a_configured_key_a_private_key_file_is_made_once_and_reused(
        tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    sealed = Vault.for_signing_secrets(settings).seal("whsec_abc")
    key_file = local_key_file(settings)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "whsec_abc" not in sealed
    assert Vault.for_signing_secrets(settings).open(sealed) == "whsec_abc"  # the same key


def test_configured_keys_seal_and_the_local_key_still_opens_until_rotated(
        tmp_path: Path) -> None:
    before = Vault.for_signing_secrets(Settings(data_dir=tmp_path)).seal("whsec_old")
    key = Vault.new_key()
    configured = Settings(data_dir=tmp_path, youtube_token_keys=SecretStr(key))
    vault = Vault.for_signing_secrets(configured)
    assert vault.open(before) == "whsec_old"
    rotated = vault.rotate(before)
    assert Vault([key]).open(rotated) == "whsec_old"
    local_key_file(configured).unlink()  # the file can go once every row was re-sealed
    assert Vault.for_signing_secrets(configured).open(rotated) == "whsec_old"
    with pytest.raises(VaultLocked):
        Vault.for_signing_secrets(configured).open(before)

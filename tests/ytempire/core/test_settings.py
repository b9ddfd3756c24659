"""Settings reach child processes intact (stage workers read them from the environment)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ytempire.app.stack import settings_env
from ytempire.core.settings import Settings


def test_a_child_process_reads_the_same_settings_including_secrets(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, openai_api_key="sk-child-test",
                        elevenlabs_base_url="http://127.0.0.1:1/", stage_max_attempts=2)
    assert "sk-child-test" not in repr(settings)  # a SecretStr never prints
    code = ("from ytempire.core.settings import Settings; s = Settings(); "
            "print(s.openai_api_key.get_secret_value(), s.elevenlabs_base_url, "
            "s.stage_max_attempts, s.data_dir, s.youtube_credentials_dir)")
    out = subprocess.run([sys.executable, "-c", code], env=settings_env(settings),
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["sk-child-test", "http://127.0.0.1:1/", "2", str(tmp_path), "None"]

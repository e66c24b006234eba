"""Writes missing secrets into the git-ignored .env on first run.

Run as `python -m bot.secrets PATH`. Existing values are never changed or printed, so a
second run is a no-op and no secret reaches a terminal or a log.
"""
from __future__ import annotations

import base64
import os
import secrets
import string
import sys
from pathlib import Path

GENERATED = {
    "CASEDESK_TOKEN": lambda: secrets.token_urlsafe(32),
    # 32 random bytes, urlsafe base64: usable directly as a Fernet key.
    "CASEDESK_SECRET_KEY": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "RASA_TOKEN": lambda: secrets.token_urlsafe(32),
    # Authorization: Bearer <REST_CHANNEL_TOKEN> on Rasa's REST channel (integrations, tests)
    "REST_CHANNEL_TOKEN": lambda: secrets.token_urlsafe(32),
    # Fernet key of the event data in Rasa's tracker store (messages and slots at rest)
    "TRACKER_SECRET_KEY": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
    # WeChat 公众号 test values for the embedded default; production copies the real ones from
    # the 公众号 admin page (基本配置) into .env. Token: 3-32 letters/digits; EncodingAESKey:
    # 43 characters (32 bytes, base64 without the '=').
    "WECHAT_TOKEN": lambda: _alnum(32),
    "WECHAT_AES_KEY": lambda: base64.b64encode(os.urandom(32)).decode().rstrip("="),
    "WECHAT_SECRET": lambda: secrets.token_hex(16),
}


def _alnum(n: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


def ensure_env_file(path: Path) -> list[str]:
    """Adds each missing key to `path`; returns the names added."""
    present: set[str] = set()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                present.add(line.split("=", 1)[0].strip())
    missing = [k for k in GENERATED if k not in present and not os.environ.get(k)]
    if missing:
        with path.open("a", encoding="utf-8") as fh:
            for key in missing:
                fh.write(f"{key}={GENERATED[key]()}\n")
        path.chmod(0o600)
    return missing


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
    added = ensure_env_file(target)
    if added:
        print(f"==> 已在 {target} 生成密钥：{', '.join(added)}")

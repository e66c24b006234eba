from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bot.channels.wechat import WeChatInput, WeChatRuntime, WeChatSettings
from bot.channels.wechat_store import SqliteStore
from wechatpy.utils import random_string

from .fake_wechat import FakeWeChat
from .peer import Peer

APPID = "wx1234567890abcdef"
SECRET = "s3cr3t-" + "0" * 25


@pytest.fixture(scope="session")
def fake() -> Iterator[FakeWeChat]:
    f = FakeWeChat(APPID, SECRET).start()
    yield f
    f.stop()


@pytest.fixture
def settings(tmp_path: Path, fake: FakeWeChat) -> WeChatSettings:
    return WeChatSettings(
        token=random_string(32), appid=APPID, secret=SECRET, aes_key=random_string(43),
        api_base=fake.url, reply_deadline=1.0, store_path=str(tmp_path / "wechat.db"),
        mode="compatible",  # the protocol tests use both plaintext and AES deliveries
    )


@pytest.fixture
def channel(settings: WeChatSettings) -> WeChatInput:
    runtime = WeChatRuntime(settings, store=SqliteStore(Path(settings.store_path)))
    return WeChatInput(settings, runtime)


@pytest.fixture
def peer(settings: WeChatSettings) -> Peer:
    return Peer(settings.token, settings.appid, settings.aes_key)


@pytest.fixture
def make_channel(tmp_path: Path, fake: FakeWeChat):
    """A channel configured as `scripts/env.sh` would, from WECHAT_* variables (one token, AES
    key and store file per test); `mode` is WECHAT_MODE, empty for the default."""
    token, aes_key = random_string(32), random_string(43)

    def make(mode: str = "", aes_key: str = aes_key, max_skew: int = 300,
             store=None) -> WeChatInput:
        s = WeChatSettings.from_sources({}, {
            "WECHAT_TOKEN": token, "WECHAT_APPID": APPID, "WECHAT_SECRET": SECRET,
            "WECHAT_AES_KEY": aes_key, "WECHAT_MODE": mode, "WECHAT_API_BASE": fake.url,
            "WECHAT_REPLY_DEADLINE_SECONDS": "1", "WECHAT_MAX_SKEW_SECONDS": str(max_skew),
            "WECHAT_STORE_PATH": str(tmp_path / "wechat.db"),
        })
        return WeChatInput(s, WeChatRuntime(s, store=store or SqliteStore(Path(s.store_path))))

    return make


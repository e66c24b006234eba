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
    )


@pytest.fixture
def channel(settings: WeChatSettings) -> WeChatInput:
    runtime = WeChatRuntime(settings, store=SqliteStore(Path(settings.store_path)))
    return WeChatInput(settings, runtime)


@pytest.fixture
def peer(settings: WeChatSettings) -> Peer:
    return Peer(settings.token, settings.appid, settings.aes_key)

"""Settings from the environment and the repository's `.env` (python-dotenv).

On the first run the two secrets are generated into `.env` (git-ignored) so a fresh checkout
starts without a manual step; they are never printed or logged.
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Mapping, MutableMapping, Optional, Tuple

from dotenv import dotenv_values

from bot.log_format import FORMATS as LOG_FORMATS
from bot.secrets import GENERATED

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ENV_FILE = REPO_ROOT / ".env"
DEFAULT_DB_URL = "sqlite+aiosqlite:///var/casedesk.db"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
# read from the environment / .env besides the CASEDESK_* keys: Rasa's own settings are shared
# with the Rasa server and the action server, so they keep Rasa's names
RASA_KEYS = ("RASA_URL", "RASA_TOKEN", "TRACKER_DB_URL")
# Rasa's SQL tracker store (endpoints.yml); the trainer pages read it, never write it
DEFAULT_TRACKER_DB_URL = f"sqlite:///{REPO_ROOT / 'var' / 'tracker.db'}"
SYNC_SOURCES = ("events", "rabbitmq", "tracker")
# Rasa's event broker (bot/event_broker.py, endpoints.yml): RABBITMQ_URL and RABBITMQ_QUEUE are
# the broker's settings, read by Rasa and by the desk alike
BROKER_KEYS = ("RABBITMQ_URL", "RABBITMQ_QUEUE")
# settings every process reads alike
SHARED_KEYS = ("LOG_FORMAT",)
DEFAULT_RABBITMQ_QUEUE = "rasa_events"
# written by `make evaluate` (bot/trainer/evaluate.py); the trainer pages link the latest
DEFAULT_REPORT_DIR = REPO_ROOT / "reports" / "evaluation"
MAX_BODY_BYTES = 256 * 1024

_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def env_number(values: Mapping[str, Optional[str]], key: str, default: float, unit: str = "") -> float:
    """A number setting: ``default`` when unset or blank, a clear error when not a number (the
    desk refuses to start rather than run with a setting it cannot read)."""
    raw = (values.get(key) or "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{key} must be a number{' of ' + unit if unit else ''}, not {raw!r}") from None


# --- queue alerts (issue 15): when a waiting handoff has waited too long -----------------------
@dataclass(frozen=True)
class HandoffWaitAlerts:
    """Minutes a handoff may wait unclaimed before supervisors are alerted (console/alerts.py).

    Threats (self-harm, violence, media, regulator) get the short limit: within minutes such a
    customer may act on it. Minutes may be fractional (0.5), so a drill or a test needs no wait."""

    threat_minutes: float = 3.0
    other_minutes: float = 10.0

    def __post_init__(self) -> None:
        for name, value in (("THREAT", self.threat_minutes), ("OTHER", self.other_minutes)):
            # a zero, negative or NaN limit would alert on every handoff, or never
            if not 0 < value <= 24 * 60:
                raise ValueError(f"CASEDESK_HANDOFF_ALERT_{name}_MINUTES must be > 0 and ≤ 1440")

    @classmethod
    def from_env(cls, values: Mapping[str, Optional[str]]) -> "HandoffWaitAlerts":
        return cls(
            threat_minutes=env_number(values, "CASEDESK_HANDOFF_ALERT_THREAT_MINUTES", cls.threat_minutes, "minutes"),
            other_minutes=env_number(values, "CASEDESK_HANDOFF_ALERT_OTHER_MINUTES", cls.other_minutes, "minutes"),
        )
# --- end of queue alerts ---------------------------------------------------------------------


# --- honest waits and call-backs (issue 15): bot/casedesk/handoffs/waits.py, callbacks.py ---------------
ALWAYS_OPEN = "00:00-24:00"
NO_WAIT_LIMIT = 24 * 60
# The environment's defaults (load_settings, so `make run` and production). A CallbackSettings()
# built in code quotes any wait at any hour and moves no handoff: tests and benches that build
# their settings see the queue as before, whatever the hour they run, and opt in to call-backs.
DEFAULT_SERVICE_HOURS = "09:00-21:00"
DEFAULT_WAIT_LIMIT_MINUTES = 15
DEFAULT_IDLE_MINUTES = 10.0
_HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$")
_HOTLINE_RE = re.compile(r"^[0-9][0-9 -]{2,19}$")


def parse_service_hours(text: str) -> Tuple[int, int]:
    """"09:00-21:00" → (540, 1260), minutes after midnight, Beijing time; "00:00-24:00" is
    always open; "22:00-06:00" runs past midnight."""
    m = _HOURS_RE.match(text or "")
    if not m:
        raise ValueError(f"CASEDESK_SERVICE_HOURS must look like 09:00-21:00, not {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or start >= 24 * 60 or end > 24 * 60 or start == end:
        raise ValueError(f"CASEDESK_SERVICE_HOURS: {text!r} is not a span of the day")
    return start, end


HOTLINE_UNSET = "（号码印在您银行卡的背面）"


@dataclass(frozen=True)
class CallbackSettings:
    """What the bot may tell a customer about the wait for a person (docs/console.md, 待回电).

    A wait longer than `wait_limit_minutes`, or one that would end outside `service_hours`, is
    never quoted: the customer is offered a call-back within `within_minutes` (the high-priority
    first-contact SLA: 1 h) and the `hotline`. A waiting handoff with no customer message for
    `idle_minutes` (0: never) moves to the call-back queue too."""

    wait_limit_minutes: int = NO_WAIT_LIMIT
    service_hours: str = ALWAYS_OPEN
    within_minutes: int = 60
    idle_minutes: float = 0.0
    # the bank's own hotline; unset, the customer is told where to find it (HOTLINE_UNSET): a
    # number built in here would send a real bank's customers to someone else's line
    hotline: str = ""

    def __post_init__(self) -> None:
        parse_service_hours(self.service_hours)
        if not 1 <= self.wait_limit_minutes <= 24 * 60:
            raise ValueError("CASEDESK_WAIT_LIMIT_MINUTES must be between 1 and 1440")
        if not 5 <= self.within_minutes <= 24 * 60:
            raise ValueError("CASEDESK_CALLBACK_WITHIN_MINUTES must be between 5 and 1440")
        # NaN fails both comparisons; a negative value would move every handoff at once
        if not 0 <= self.idle_minutes <= 24 * 60:
            raise ValueError("CASEDESK_CALLBACK_IDLE_MINUTES must be between 0 and 1440")
        if self.hotline and not _HOTLINE_RE.match(self.hotline):
            raise ValueError("CASEDESK_HOTLINE must be a telephone number such as 95566")

    @property
    def window(self) -> Tuple[int, int]:
        return parse_service_hours(self.service_hours)

    @property
    def hotline_words(self) -> str:
        """What follows "拨打我行客服热线" in the bot's texts."""
        return self.hotline or HOTLINE_UNSET

    @classmethod
    def from_env(cls, values: Mapping[str, Optional[str]]) -> "CallbackSettings":
        def number(key: str, default: float) -> float:
            return env_number(values, key, default, "minutes")

        return cls(
            wait_limit_minutes=int(number("CASEDESK_WAIT_LIMIT_MINUTES", DEFAULT_WAIT_LIMIT_MINUTES)),
            service_hours=(values.get("CASEDESK_SERVICE_HOURS") or "").strip() or DEFAULT_SERVICE_HOURS,
            within_minutes=int(number("CASEDESK_CALLBACK_WITHIN_MINUTES", cls.within_minutes)),
            idle_minutes=number("CASEDESK_CALLBACK_IDLE_MINUTES", DEFAULT_IDLE_MINUTES),
            hotline=(values.get("CASEDESK_HOTLINE") or "").strip() or cls.hotline,
        )
# --- end of honest waits and call-backs -------------------------------------------------------


# --- auto-assignment (issue 15): bot/casedesk/handoffs/assignment.py --------------------------------
@dataclass(frozen=True)
class AssignmentSettings:
    """Waiting handoffs go by themselves to agents who are 在线 (the console's presence switch),
    at most `capacity` active conversations each; 0 turns auto-assignment off. An agent whose
    console has not been open for `presence_timeout_seconds` counts as 离开 whatever the switch
    says: a closed laptop must not be handed customers."""

    capacity: int = 3
    presence_timeout_seconds: float = 60.0

    def __post_init__(self) -> None:
        if not 0 <= self.capacity <= 50:
            raise ValueError("CASEDESK_AGENT_CAPACITY must be between 0 (off) and 50")
        if not 20 <= self.presence_timeout_seconds <= 3600:
            raise ValueError("CASEDESK_PRESENCE_TIMEOUT_SECONDS must be between 20 and 3600")

    @classmethod
    def from_env(cls, values: Mapping[str, Optional[str]]) -> "AssignmentSettings":
        return cls(
            capacity=int(env_number(values, "CASEDESK_AGENT_CAPACITY", cls.capacity, "conversations")),
            presence_timeout_seconds=env_number(
                values, "CASEDESK_PRESENCE_TIMEOUT_SECONDS", cls.presence_timeout_seconds, "seconds"),
        )
# --- end of auto-assignment -------------------------------------------------------------------


# --- customer notices (issue 14): bot/casedesk/customer/notices.py, docs/notices.md --------------------
DEFAULT_NOTICE_TEXTS = REPO_ROOT / "data" / "notices.yml"
# the WeChat channel's own settings (docs/wechat.md), read by the desk to send notices on WeChat
WECHAT_KEYS = (
    "WECHAT_APPID", "WECHAT_SECRET", "WECHAT_API_BASE", "WECHAT_STORE_PATH", "WECHAT_WINDOW_HOURS",
    "WECHAT_REDIS_DB", "LOCK_STORE_TYPE", "REDIS_HOST", "REDIS_PORT",
)


@dataclass(frozen=True)
class WeChatNoticeSettings:
    """Notices on WeChat (CASEDESK_WECHAT_NOTICES=1): a 客服消息 while the customer wrote within
    the window, else the 模板消息 `template_id`; the account, API and shared store (access token,
    the customer's last message) are the WeChat channel's own. Off: WeChat cases get SMS."""

    enabled: bool = False
    appid: str = ""
    secret: str = field(default="", repr=False)
    api_base: str = "https://api.weixin.qq.com"
    template_id: str = ""
    window_hours: float = 48.0
    store_type: str = "in_memory"
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_db: int = 2
    store_path: str = str(REPO_ROOT / "var" / "wechat.db")

    def __post_init__(self) -> None:
        if self.enabled and not (self.appid and self.secret):
            raise ValueError("CASEDESK_WECHAT_NOTICES needs WECHAT_APPID and WECHAT_SECRET")

    @classmethod
    def from_env(cls, values: Mapping[str, Optional[str]]) -> "WeChatNoticeSettings":
        def get(key: str, default: str) -> str:
            return (values.get(key) or "").strip() or default

        return cls(
            enabled=get("CASEDESK_WECHAT_NOTICES", "").lower() in ("1", "true", "yes", "on"),
            appid=get("WECHAT_APPID", ""),
            secret=get("WECHAT_SECRET", ""),
            api_base=get("WECHAT_API_BASE", cls.api_base),
            template_id=get("CASEDESK_WECHAT_TEMPLATE_ID", ""),
            window_hours=float(get("WECHAT_WINDOW_HOURS", "48")),
            store_type=get("LOCK_STORE_TYPE", cls.store_type),
            redis_host=get("REDIS_HOST", cls.redis_host),
            redis_port=int(get("REDIS_PORT", "6379")),
            redis_db=int(get("WECHAT_REDIS_DB", "2")),
            store_path=get("WECHAT_STORE_PATH", cls.store_path),
        )


@dataclass(frozen=True)
class NoticeSettings:
    """The notice outbox: where its texts are, how SMS are sent, how often it runs.

    `sms_sender` is "fake" (default: nothing leaves the machine; the delivery row and the log
    record the masked number) or "package.module:factory", a callable returning an object with
    `async send(phone, text) -> str` (the provider's message id). SMS go to cases whose channel is
    neither web nor WeChat, and to every case when `sms_copy` is on."""

    texts_path: Path = DEFAULT_NOTICE_TEXTS
    sms_sender: str = "fake"
    sms_copy: bool = False
    # seconds between two passes of the outbox loop; 0 turns the loop off (the chat page still
    # makes its notices when it asks for them)
    dispatch_seconds: float = 5.0
    max_attempts: int = 5
    wechat: WeChatNoticeSettings = field(default_factory=WeChatNoticeSettings)
    # 回访 (surveys.py): days after a decision it is sent, days it stays open
    survey_after_days: int = 7
    survey_open_days: int = 30
    # the address customers reach the desk at (the 回访 link in an SMS or WeChat notice);
    # unset: http://<CASEDESK_HOST>:<CASEDESK_PORT>, right only on one machine
    public_url: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.dispatch_seconds <= 3600:
            raise ValueError("CASEDESK_NOTICE_DISPATCH_SECONDS must be between 0 and 3600")
        if self.sms_sender != "fake" and ":" not in self.sms_sender:
            raise ValueError("CASEDESK_SMS_SENDER must be fake or package.module:factory")
        if not 1 <= self.max_attempts <= 100:
            raise ValueError("CASEDESK_NOTICE_MAX_ATTEMPTS must be between 1 and 100")
        # the seed's 回访 is within one to two months of the handling
        if not 0 <= self.survey_after_days <= 60 or not 1 <= self.survey_open_days <= 90:
            raise ValueError("CASEDESK_SURVEY_AFTER_DAYS must be 0–60 and CASEDESK_SURVEY_OPEN_DAYS 1–90")
        if self.public_url and not self.public_url.startswith(("https://", "http://")):
            raise ValueError("CASEDESK_PUBLIC_URL must start with https:// or http://")

    @classmethod
    def from_env(cls, values: Mapping[str, Optional[str]]) -> "NoticeSettings":
        seconds = env_number(values, "CASEDESK_NOTICE_DISPATCH_SECONDS", cls.dispatch_seconds, "seconds")
        return cls(
            texts_path=Path(values.get("CASEDESK_NOTICE_TEXTS") or DEFAULT_NOTICE_TEXTS),
            sms_sender=(values.get("CASEDESK_SMS_SENDER") or "").strip() or cls.sms_sender,
            sms_copy=(values.get("CASEDESK_SMS_COPY") or "").strip().lower() in ("1", "true", "yes", "on"),
            dispatch_seconds=seconds,
            max_attempts=int(values.get("CASEDESK_NOTICE_MAX_ATTEMPTS") or cls.max_attempts),
            wechat=WeChatNoticeSettings.from_env(values),
            survey_after_days=int(env_number(values, "CASEDESK_SURVEY_AFTER_DAYS", cls.survey_after_days, "days")),
            survey_open_days=int(env_number(values, "CASEDESK_SURVEY_OPEN_DAYS", cls.survey_open_days, "days")),
            public_url=(values.get("CASEDESK_PUBLIC_URL") or "").strip().rstrip("/"),
        )
# --- end of customer notices ----------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    secret_key: str = field(repr=False)
    db_url: str = DEFAULT_DB_URL
    # PostgreSQL only: a schema of its own (tests, or several desks sharing one database)
    db_schema: Optional[str] = None
    host: str = "127.0.0.1"
    port: int = 8000
    client_max_size: int = MAX_BODY_BYTES
    db_pool_size: int = 5
    sqlite_busy_timeout_ms: int = 15000
    # Rasa's HTTP API (rasa run --enable-api --auth-token): the handoff bridge talks to it
    rasa_url: str = DEFAULT_RASA_URL
    rasa_token: Optional[str] = field(default=None, repr=False)
    # a slow Rasa must not hold an agent's click (or the sync loop) for long
    rasa_timeout_seconds: float = 5.0
    # how often customer messages of open handoffs are copied from Rasa; 0 turns the loop off
    handoff_sync_seconds: float = 0.5
    # where the loop reads those messages: "events" = the rows Rasa's tracker store added since
    # the last pass (one query however many handoffs are open; handoffs/event_feed.py), "tracker" =
    # each open handoff's tracker from Rasa's HTTP API (a tracker store the desk cannot read),
    # "rabbitmq" = the events Rasa's event broker publishes (production; handoffs/broker_feed.py)
    handoff_sync_source: str = "events"
    rabbitmq_url: str = field(default="", repr=False)
    rabbitmq_queue: str = DEFAULT_RABBITMQ_QUEUE
    # the expected wait told to a customer: place in the queue × this
    minutes_per_handoff: int = 3
    tracker_db_url: str = DEFAULT_TRACKER_DB_URL
    report_dir: Path = DEFAULT_REPORT_DIR
    # console cookies get `Secure` (CASEDESK_COOKIE_SECURE=1) when the desk is served over TLS
    cookie_secure: bool = False
    # console sign-in throttle: failed sign-ins per user name and per client address within 15
    # minutes; successes never count (a shift behind one office NAT shares an address)
    login_failures_per_user: int = 5
    login_failures_per_address: int = 20
    # reverse proxies whose X-Forwarded-For names the client (addresses or networks, e.g.
    # "10.0.0.5,10.1.0.0/24"); from anyone else the header is ignored. Default: none.
    trusted_proxies: Tuple[str, ...] = ()
    # queue alerts (issue 15): how long a handoff may wait before supervisors are alerted
    handoff_wait_alerts: HandoffWaitAlerts = field(default_factory=HandoffWaitAlerts)
    # honest waits (issue 15): the longest wait quoted, service hours, call-backs, hotline
    callbacks: CallbackSettings = field(default_factory=CallbackSettings)
    # customer notices (issue 14): texts, SMS sender, outbox loop
    notices: NoticeSettings = field(default_factory=NoticeSettings)
    # auto-assignment (issue 15): capacity per agent, when a silent console counts as away
    assignment: AssignmentSettings = field(default_factory=AssignmentSettings)
    # LOG_FORMAT: "text" (make run) or "json" (production: one object a line with the request's
    # id, bot/log_format.py); shared by every process, hence no CASEDESK_ prefix
    log_format: str = "text"
    # injectable so SLA, repeat and group windows can be tested without waiting for days
    clock: Callable[[], datetime] = field(default=utc_now, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("CASEDESK_TOKEN is empty")
        if len(self.secret_key) < 16:
            raise ValueError("CASEDESK_SECRET_KEY must be at least 16 characters")
        if self.db_schema is not None and not _SCHEMA_RE.match(self.db_schema):
            raise ValueError("CASEDESK_DB_SCHEMA must be a lower-case SQL identifier")
        if self.handoff_sync_seconds < 0 or self.minutes_per_handoff < 1:
            raise ValueError("CASEDESK_HANDOFF_SYNC_SECONDS must be ≥ 0, CASEDESK_MINUTES_PER_HANDOFF ≥ 1")
        if self.log_format not in LOG_FORMATS:
            raise ValueError("LOG_FORMAT must be text or json")
        if self.handoff_sync_source not in SYNC_SOURCES:
            raise ValueError("CASEDESK_HANDOFF_SYNC_SOURCE must be events, rabbitmq or tracker")
        if self.handoff_sync_source == "rabbitmq" and not self.rabbitmq_url.startswith(("amqp://", "amqps://")):
            raise ValueError("CASEDESK_HANDOFF_SYNC_SOURCE=rabbitmq needs RABBITMQ_URL (amqp://user:password@host:5672/)")
        if self.login_failures_per_user < 1 or self.login_failures_per_address < 1:
            raise ValueError("CASEDESK_LOGIN_FAILURES_PER_USER / _PER_ADDRESS must be ≥ 1")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"CASEDESK_TRUSTED_PROXIES: {proxy!r} is not an IP address or network")
        object.__setattr__(self, "db_url", resolve_db_url(self.db_url))
        object.__setattr__(self, "rasa_url", self.rasa_url.rstrip("/"))

    @property
    def public_url(self) -> str:
        return self.notices.public_url or f"http://{self.host}:{self.port}"


def resolve_db_url(url: str) -> str:
    """A relative SQLite path is relative to the repository, not to whatever the cwd is."""
    prefix = "sqlite+aiosqlite:///"
    if url.startswith(prefix):
        path = url[len(prefix):]
        if path and path != ":memory:" and not path.startswith("/"):
            absolute = REPO_ROOT / path
            absolute.parent.mkdir(parents=True, exist_ok=True)
            return prefix + str(absolute)
    return url


def _ensure_secrets(env_file: Path, values: MutableMapping[str, Optional[str]]) -> None:
    missing = [k for k in ("CASEDESK_TOKEN", "CASEDESK_SECRET_KEY") if not values.get(k)]
    if not missing:
        return
    # one generator for every secret (bot/secrets.py, also `make setup`'s): the same formats
    generated = {key: GENERATED[key]() for key in missing}
    lines = []
    for key in missing:
        values[key] = generated[key]
        lines.append(f"{key}={generated[key]}\n")
    # 0600: the file holds the keys that decrypt customers' names and phones
    fd = os.open(env_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        if fh.tell() > 0:
            fh.write("\n")
        fh.write("# generated by the case desk on first run; keep secret\n")
        fh.writelines(lines)


def load_settings(
    env_file: Path = DEFAULT_ENV_FILE, environ: Optional[Mapping[str, str]] = None
) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict = {}
    if env_file.exists():
        values.update(dotenv_values(env_file))
    # the process environment wins over the file, as with dotenv's override=False
    values.update(
        {k: v for k, v in environ.items() if k.startswith("CASEDESK_") or k in RASA_KEYS + BROKER_KEYS + SHARED_KEYS + WECHAT_KEYS}
    )
    _ensure_secrets(env_file, values)
    return Settings(
        token=values["CASEDESK_TOKEN"],
        secret_key=values["CASEDESK_SECRET_KEY"],
        db_url=values.get("CASEDESK_DB_URL") or DEFAULT_DB_URL,
        db_schema=values.get("CASEDESK_DB_SCHEMA") or None,
        host=values.get("CASEDESK_HOST") or "127.0.0.1",
        port=int(values.get("CASEDESK_PORT") or 8000),
        rasa_url=values.get("RASA_URL") or DEFAULT_RASA_URL,
        rasa_token=values.get("RASA_TOKEN") or None,
        handoff_sync_seconds=float(values.get("CASEDESK_HANDOFF_SYNC_SECONDS") or 0.5),
        handoff_sync_source=values.get("CASEDESK_HANDOFF_SYNC_SOURCE") or "events",
        rabbitmq_url=(values.get("RABBITMQ_URL") or "").strip(),
        rabbitmq_queue=(values.get("RABBITMQ_QUEUE") or "").strip() or DEFAULT_RABBITMQ_QUEUE,
        log_format=(values.get("LOG_FORMAT") or "text").strip().lower(),
        minutes_per_handoff=int(values.get("CASEDESK_MINUTES_PER_HANDOFF") or 3),
        cookie_secure=values.get("CASEDESK_COOKIE_SECURE") == "1",
        login_failures_per_user=int(values.get("CASEDESK_LOGIN_FAILURES_PER_USER") or 5),
        login_failures_per_address=int(values.get("CASEDESK_LOGIN_FAILURES_PER_ADDRESS") or 20),
        trusted_proxies=tuple(
            p.strip() for p in (values.get("CASEDESK_TRUSTED_PROXIES") or "").split(",") if p.strip()
        ),
        tracker_db_url=values.get("TRACKER_DB_URL") or DEFAULT_TRACKER_DB_URL,
        report_dir=Path(values.get("CASEDESK_REPORT_DIR") or DEFAULT_REPORT_DIR),
        handoff_wait_alerts=HandoffWaitAlerts.from_env(values),
        callbacks=CallbackSettings.from_env(values),
        notices=NoticeSettings.from_env(values),
        assignment=AssignmentSettings.from_env(values),
    )

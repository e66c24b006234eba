# Sourced by every script that starts a process: one place for the embedded defaults.
# Values in .env (generated on first run, git-ignored) or the caller's environment win.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
if [ -f "$ROOT/.env" ]; then
  # The caller's environment wins over .env (tests and deployments pass their own values).
  # split at the first "=" by hand: `IFS='=' read` drops a trailing "=", the padding of a
  # base64 key (TRACKER_SECRET_KEY)
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in *=*) ;; *) continue ;; esac
    key="${line%%=*}" value="${line#*=}"
    case "$key" in ''|\#*|*[!A-Za-z0-9_]*) continue ;; esac
    if [ -z "${!key+x}" ]; then export "$key=$value"; fi
  done < "$ROOT/.env"
fi
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export TF_CPP_MIN_LOG_LEVEL=2
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export RASA_PORT="${RASA_PORT:-5005}"
export ACTIONS_PORT="${ACTIONS_PORT:-5055}"
export CASEDESK_PORT="${CASEDESK_PORT:-8000}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTIONS_PORT/webhook}"
export CASEDESK_URL="${CASEDESK_URL:-http://127.0.0.1:$CASEDESK_PORT}"
export CASEDESK_DB_URL="${CASEDESK_DB_URL:-sqlite+aiosqlite:///$ROOT/var/casedesk.db}"
export TRACKER_DB_URL="${TRACKER_DB_URL:-sqlite:///$ROOT/var/tracker.db}"
export OUTBOX_PATH="${OUTBOX_PATH:-$ROOT/var/outbox.db}"
# The bank works on Beijing time: "昨天" and the case number's date are Beijing dates.
export INTAKE_TIMEZONE="${INTAKE_TIMEZONE:-Asia/Shanghai}"
export LOCK_STORE_TYPE="${LOCK_STORE_TYPE:-in_memory}"
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
export REDIS_PORT="${REDIS_PORT:-6379}"
export REDIS_LOCK_DB="${REDIS_LOCK_DB:-1}"
# Rasa's event broker (endpoints.yml): empty = none; production: amqp://user:password@host:5672/
export RABBITMQ_URL="${RABBITMQ_URL:-}"
export RABBITMQ_QUEUE="${RABBITMQ_QUEUE:-rasa_events}"
# WeChat 公众号 channel (docs/wechat.md): WECHAT_TOKEN, WECHAT_AES_KEY and WECHAT_SECRET are
# generated into .env; the AppID is a placeholder until the real account's is set there.
export WECHAT_APPID="${WECHAT_APPID:-wx0000000000000000}"
export WECHAT_TOKEN="${WECHAT_TOKEN:-}" WECHAT_SECRET="${WECHAT_SECRET:-}" WECHAT_AES_KEY="${WECHAT_AES_KEY:-}"
export WECHAT_API_BASE="${WECHAT_API_BASE:-https://api.weixin.qq.com}"
export WECHAT_REPLY_DEADLINE_SECONDS="${WECHAT_REPLY_DEADLINE_SECONDS:-4.5}"
export WECHAT_STORE_PATH="${WECHAT_STORE_PATH:-$ROOT/var/wechat.db}"
# the account's message mode: safe | compatible | plain; empty = safe when an AES key is set
export WECHAT_MODE="${WECHAT_MODE:-}"
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_PORT}"
export VENV="${VENV:-$ROOT/.venv}"
mkdir -p "$ROOT/var"

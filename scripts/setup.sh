#!/usr/bin/env bash
# Sets up whatever is missing: the Python 3.10 venv with every package (through the
# constraints file that holds Rasa's pins), the web-chat widget bundle, and .env with fresh
# secrets. Safe to run again: each step is skipped when already done.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

find_python310() {
  local c
  for c in "${PYTHON310:-}" "$(command -v python3.10 || true)" \
           $(ls -d "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r) \
           /usr/bin/python3.10 /usr/local/bin/python3.10; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  if ! PY=$(find_python310); then
    echo "错误：未找到 Python 3.10。Rasa 3.6 只支持 Python 3.10；请安装（例如 pyenv install 3.10）或设置 PYTHON310=/path/to/python3.10。" >&2
    exit 1
  fi
  echo "==> 使用 $PY 创建虚拟环境 $VENV"
  "$PY" -m venv "$VENV"
fi

# Reinstall only when a requirements or constraints file changed.
stamp="$VENV/.requirements.sha"
want=$(cat requirements.txt requirements-dev.txt constraints.txt requirements.lock | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> 安装 Python 依赖（首次约需 3 分钟）"
  "$VENV/bin/pip" install -q --disable-pip-version-check -c constraints.txt -U pip
  "$VENV/bin/pip" install -q --disable-pip-version-check -c constraints.txt -c requirements.lock -r requirements-dev.txt
  echo "$want" > "$stamp"
fi

# rasa-webchat's prebuilt UMD bundle is all the chat page needs; npm pack fetches just the
# package tarball instead of installing its whole React dependency tree.
bundle=bot/casedesk/static/vendor/webchat-1.0.1.js
if [ ! -s "$bundle" ]; then
  echo "==> 获取网页聊天组件 rasa-webchat@1.0.1"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent rasa-webchat@1.0.1 >/dev/null && tar xzf rasa-webchat-1.0.1.tgz package/lib/index.js)
  mkdir -p "$(dirname "$bundle")"
  cp "$tmp/package/lib/index.js" "$bundle"
  rm -rf "$tmp"
fi

"$VENV/bin/python" -m bot.secrets "$ROOT/.env"

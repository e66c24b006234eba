#!/usr/bin/env bash
# `make run`: the case desk, the action server and Rasa on the embedded defaults.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
mkdir -p var/log
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

scripts/serve.sh casedesk > var/log/casedesk.log 2>&1 & pids+=($!)
scripts/serve.sh actions > var/log/actions.log 2>&1 & pids+=($!)
scripts/serve.sh rasa > var/log/rasa.log 2>&1 & pids+=($!)

echo "==> 正在启动（Rasa 加载模型约需 1 分钟），日志在 var/log/"
for i in $(seq 1 240); do
  if curl -sf "http://127.0.0.1:$RASA_PORT/status?token=$RASA_TOKEN" >/dev/null 2>&1 \
     && curl -sf "http://127.0.0.1:$CASEDESK_PORT/healthz" >/dev/null 2>&1; then
    echo "==> 已就绪。网页聊天： http://127.0.0.1:$CASEDESK_PORT/chat"
    echo "    Rasa REST:   http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook"
    echo "    坐席控制台： http://127.0.0.1:$CASEDESK_PORT/console"
    echo "    首次使用：另开终端运行 make demo（示例案件和演示账号），或创建自己的账号："
    echo "      make user ARGS='create --username admin --role supervisor --display-name 管理员'"
    echo "    按 Ctrl+C 停止。"
    wait -n "${pids[@]}"
    echo "一个进程已退出，请查看 var/log/。" >&2
    exit 1
  fi
  for p in "${pids[@]}"; do
    kill -0 "$p" 2>/dev/null || { echo "启动失败，请查看 var/log/。" >&2; exit 1; }
  done
  sleep 1
done
echo "启动超时，请查看 var/log/。" >&2
exit 1

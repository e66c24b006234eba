#!/usr/bin/env bash
# Starts one process of the product in the foreground: rasa | actions | casedesk.
# `make run` and the end-to-end tests both start processes through here, so they run
# exactly what production runs.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
what="${1:?usage: serve.sh rasa|actions|casedesk [model]}"
case "$what" in
  rasa)
    model="${2:-models}"
    # RASA_TOKEN reaches Rasa from the environment, never on the command line (bot/rasa_server.py)
    : "${RASA_TOKEN:?RASA_TOKEN missing: run scripts/setup.sh}" "${REST_CHANNEL_TOKEN:?REST_CHANNEL_TOKEN missing: run scripts/setup.sh}"
    exec "$VENV/bin/python" -m bot.rasa_server run --enable-api \
      --cors "*" --port "$RASA_PORT" --model "$model" \
      --credentials bot/credentials.yml --endpoints endpoints.yml ;;
  actions)
    exec "$VENV/bin/rasa" run actions --actions actions --port "$ACTIONS_PORT" ;;
  casedesk)
    exec "$VENV/bin/python" -m bot.casedesk ;;
  *)
    echo "unknown process: $what" >&2; exit 2 ;;
esac

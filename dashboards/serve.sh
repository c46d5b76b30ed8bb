#!/usr/bin/env bash
# Serve Superset (127.0.0.1:8088) and the Dagster UI (127.0.0.1:3000) in the foreground;
# Ctrl-C stops both. Superset reads only the published copy $DATA_DIR/serving.duckdb (read-only),
# so it never blocks the pipeline and a pipeline run never breaks it.
# Environment: DATA_DIR, LANDING (Makefile defaults), SUPERSET_PORT, DAGSTER_PORT.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="$(realpath -m "${DATA_DIR:-$REPO/data/warehouse}")"
LANDING="$(realpath -m "${LANDING:-$REPO/data/landing}")"
SUPERSET_PORT="${SUPERSET_PORT:-8088}"
DAGSTER_PORT="${DAGSTER_PORT:-3000}"

export DATA_DIR
export SUPERSET_HOME="${SUPERSET_HOME:-$DATA_DIR/superset_home}"
export SUPERSET_CONFIG_PATH="$REPO/dashboards/superset_config.py"
export CONSORTIUM_SECRETS_DIR="${CONSORTIUM_SECRETS_DIR:-$REPO/.secrets}"
export CONSORTIUM_LANDING="$LANDING" CONSORTIUM_DATA_DIR="$DATA_DIR"
export DAGSTER_HOME="$DATA_DIR/dagster_home"
export PYTHONPATH="$REPO/src:$REPO${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$DAGSTER_HOME"

if [[ ! -f "$SUPERSET_HOME/superset.db" && -z "${SUPERSET_METADATA_URI:-}" ]]; then
  echo "Superset is not provisioned for $DATA_DIR: run 'make dashboards' first." >&2
  exit 1
fi

pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait || true; }
trap stop EXIT INT TERM

"$REPO/.venv-superset/bin/gunicorn" --bind "127.0.0.1:$SUPERSET_PORT" --workers 1 \
  --worker-class gthread --threads 8 --timeout 120 --log-level warning \
  "superset.app:create_app()" &
pids+=($!)

(cd "$REPO" && "$REPO/.venv/bin/dagster-webserver" -h 127.0.0.1 -p "$DAGSTER_PORT" \
  -m dagster_project.definitions) &
pids+=($!)

wait_for() {  # probe url, name (the Dagster UI loads the code location first: allow minutes)
  for _ in $(seq 1 300); do
    if curl -fs -o /dev/null "$1"; then echo "  $2 is up"; return 0; fi
    sleep 1
  done
  echo "  $2 did not answer on $1 within 300 s" >&2
  return 1
}

echo "Starting Superset and the Dagster UI…"
wait_for "http://127.0.0.1:$SUPERSET_PORT/health" "Superset" || true
wait_for "http://127.0.0.1:$DAGSTER_PORT/server_info" "Dagster UI" || true
echo
echo "Dashboard:  http://127.0.0.1:$SUPERSET_PORT/superset/dashboard/sansheng-erjiang/"
echo "Superset:   http://127.0.0.1:$SUPERSET_PORT/"
echo "Dagster UI: http://127.0.0.1:$DAGSTER_PORT/"
"$REPO/.venv-superset/bin/python" -m dashboards.logins
echo "Ctrl-C stops both."
wait

#!/usr/bin/env bash
# Starts `zhijiao serve --demo` on a small demo district in a temporary data directory and runs the
# browser end-to-end tests (e2e/, playwright-core driving Debian's Chromium) against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/zhijiao}
port=${E2E_PORT:-18080}
data=$(mktemp -d)
log="$data/serve.log"
# A real exam bank in the demo's item bank, when the shared data is beside the repository.
if [ -d ../shared/data/gaokao-bench ]; then
    "$bin" import items ../shared/data/gaokao-bench --data-dir "$data" >"$data/import.log" 2>&1 ||
        { cat "$data/import.log"; echo "importing gaokao-bench failed"; exit 1; }
else
    echo "note: ../shared/data is absent; the library e2e test searches the demo bank only"
fi
"$bin" serve --demo --demo-scale small --port "$port" --data-dir "$data" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 120); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then cat "$log"; echo "server exited before it was ready"; exit 1; fi
    sleep 1
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$log"; echo "server not ready after 120 s"; exit 1; }
cd e2e
npm ci --no-audit --no-fund --loglevel=error
# A failing test's server side (errors, slow requests) is in the log, which goes with the data.
ZHIJIAO_URL="http://127.0.0.1:$port" npm test || {
    rc=$?
    echo "--- the last 80 lines of the server's log"
    tail -n 80 "$log"
    exit "$rc"
}

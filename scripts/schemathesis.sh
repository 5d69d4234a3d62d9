#!/usr/bin/env bash
# Fuzzes the JSON API against its own OpenAPI document with schemathesis (PyPI): creates the small
# demo district in a temporary data directory, issues an API token for the demo district
# administrator with `zhijiao token create`, serves the demo on a free port and runs `st run` with a
# bounded number of examples. Any server error (5xx), any response outside the documented status
# codes, content types and headers, and any body that violates its schema fails the script.
#
# Usage: scripts/schemathesis.sh [BIN]   (BIN defaults to target/debug/zhijiao)
# Environment: SCHEMATHESIS_EXAMPLES (per operation, default 100), SCHEMATHESIS_SEED (default 2026).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=$(realpath "${1:-target/debug/zhijiao}")
version=4.32.5
venv="$root/.venv-ci"

if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$version"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

data=$(mktemp -d)
log="$data/serve.log"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$data"
}
trap cleanup EXIT

"$bin" --data-dir "$data" demo --scale small >"$data/demo.log" 2>&1 || { cat "$data/demo.log"; exit 1; }
token=$("$bin" --data-dir "$data" token create --username admin --name schemathesis 2>"$data/token.log") ||
    { cat "$data/token.log"; exit 1; }
case "$token" in
zjt_*) ;;
*) echo "token create printed something other than a token"; exit 1 ;;
esac

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$bin" --data-dir "$data" serve --demo --demo-scale small --bind 127.0.0.1 --port "$port" >"$log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 60); do
    if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then cat "$log"; echo "server exited before it was ready"; exit 1; fi
    sleep 1
done
curl -fsS "$base/healthz" >/dev/null || { cat "$log"; echo "server not ready after 60 s"; exit 1; }

# The token really signs in as the district administrator before the fuzzing starts, so a run that
# only ever saw 401s cannot pass as clean.
me=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/me")
echo "$me" | grep -q '"role":"district_admin"' || { echo "the token does not act as district_admin: $me"; exit 1; }

# Run from the temporary directory so nothing (hypothesis caches, reports) lands in the repository.
cd "$data"
status=0
"$venv/bin/st" run "$base/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,ignored_auth \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-100}" \
    --seed "${SCHEMATHESIS_SEED:-2026}" \
    --generation-database none \
    --workers 2 \
    --request-timeout 30 \
    --no-color || status=$?
if [ "$status" -ne 0 ]; then
    echo "--- server log (last 50 lines)"
    tail -n 50 "$log"
    echo "schemathesis found problems (exit $status)"
    exit "$status"
fi
# Errors the server logged count too, even where the response itself looked fine.
errors=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E ' ERROR ' || true)
if [ -n "$errors" ]; then
    echo "$errors" | tail -n 20
    echo "the server logged errors during the run"
    exit 1
fi
echo "schemathesis: clean"

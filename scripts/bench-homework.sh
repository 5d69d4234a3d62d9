#!/usr/bin/env bash
# Homework under an evening's load: builds the release binary, starts `serve --demo` (the full
# district by default) on SQLite in a temp data dir, `bench homework prepare` assigns ROUNDS
# homework of 10 bank items to whole classes and issues STUDENTS student tokens, then
# `bench homework run` drives the JSON API as CONCURRENCY students at once (list, open, one
# autosave per item, submit with a fresh idempotency key) and reports per request type the mix,
# errors by status and p50/p90/p99/max latency, with requests and submissions per second. Then the
# same on PostgreSQL in a throwaway database zhijiao_bench_hw_<pid> (dropped at the end). The
# server and the load generator share the machine: read the load average in the report. Not run
# in CI.
#
# Usage: scripts/bench-homework.sh
#   SMALL=1          the small demo district (2,400 students) instead of the full one
#   STUDENTS=2000    virtual students (whole classes across schools; SMALL: at most ~2,400)
#   ROUNDS=2         homework per class, so each student submits ROUNDS times
#   CONCURRENCY=500  students working at once
#   DURATION=        seconds to run (default: until every student submitted every round)
#   THINK_MS=0       mean pause before each of a student's requests (50–150 %, random); 0 is a
#                    saturation run, every student asking again the moment it is answered
#   RAMP_MS=0        students arrive evenly over this many ms (default: within the first think time)
#   ZHIJIAO_BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres   admin connection; NO_PG=1 skips
#   JSON=target/bench-homework   prefix of the JSON reports (-sqlite.json, -postgres.json)
#   BENCH_PORT=18311 NO_BUILD=1
set -euo pipefail
cd "$(dirname "$0")/.."
scale=full
[ -n "${SMALL:-}" ] && scale=small
students=${STUDENTS:-2000}
rounds=${ROUNDS:-2}
concurrency=${CONCURRENCY:-500}
port=${BENCH_PORT:-18311}
json=${JSON:-target/bench-homework}
pg_admin=${ZHIJIAO_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}
if [ -z "${NO_BUILD:-}" ]; then
    cargo build --release --locked -p cli >&2
fi
bin=$PWD/target/release/zhijiao
work=$(mktemp -d)
server=""
pg_db=""
cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    if [ -n "$pg_db" ]; then
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# bench_one NAME [GLOBAL FLAGS…]: one backend from an empty database to its report.
bench_one() {
    local name=$1
    shift
    local data="$work/$name"
    mkdir -p "$data"
    echo "-- $name: starting serve --demo --demo-scale $scale (the first start generates the district)" >&2
    local t0=$SECONDS
    "$bin" --data-dir "$data" "$@" serve --demo --demo-scale "$scale" --port "$port" >"$data/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 1800); do
        curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        if ! kill -0 "$server" 2>/dev/null; then
            echo "-- the server stopped:" >&2
            tail -20 "$data/serve.log" >&2
            exit 1
        fi
        sleep 1
    done
    echo "-- $name: serving after $((SECONDS - t0)) s" >&2
    "$bin" --data-dir "$data" "$@" bench homework prepare --students "$students" --rounds "$rounds" \
        --out "$data/plan.json" >&2
    local args=(bench homework run --url "http://127.0.0.1:$port" --plan "$data/plan.json"
        --concurrency "$concurrency" --json "$json-$name.json")
    [ -n "${DURATION:-}" ] && args+=(--duration-secs "$DURATION")
    [ -n "${THINK_MS:-}" ] && args+=(--think-ms "$THINK_MS")
    [ -n "${RAMP_MS:-}" ] && args+=(--ramp-up-ms "$RAMP_MS")
    echo "-- $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    local cpu_before
    cpu_before=$(ps -o times= -p "$server" | tr -d ' ')
    /usr/bin/time -f "-- load generator: %e s wall, %U s user + %S s system CPU, %M KiB peak" \
        "$bin" "${args[@]}" | tee "$data/report.md"
    echo "-- server: $(($(ps -o times= -p "$server" | tr -d ' ') - cpu_before)) s CPU during the run," \
        "peak memory $(awk '/VmHWM/{print $2, $3}' "/proc/$server/status" 2>/dev/null || echo unknown)" >&2
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
    echo
}

bench_one sqlite
if [ -z "${NO_PG:-}" ]; then
    if psql -qAt "$pg_admin" -c "SELECT 1" >/dev/null 2>&1; then
        pg_db=zhijiao_bench_hw_$$
        psql "$pg_admin" -qc "CREATE DATABASE $pg_db"
        bench_one postgres --database-url "${pg_admin%/*}/$pg_db"
    else
        echo "-- no PostgreSQL at $pg_admin: SQLite only" >&2
    fi
fi
echo "-- numbers written to $json-*.json" >&2

#!/usr/bin/env bash
# Benchmark for issue 2's target: `zhijiao demo` (full scale) under 60 s and 1 GiB on SQLite on
# 2 cores; the PostgreSQL figure beside it. Builds the release binary, runs each backend on a fresh
# database REPEAT times (default 3) and prints wall time and peak memory per run.
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${REPEAT:-3}
pg_admin=${ZHIJIAO_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}
cargo build --release --locked -p cli
bin=target/release/zhijiao
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
run() {
    local label=$1; shift
    /usr/bin/time -f "%e s wall, %M KiB peak" "$bin" "$@" demo 2>"$work/time" | grep -E "用时|generated" || true
    echo "$label: $(tail -1 "$work/time")"
}
for i in $(seq "$repeat"); do
    rm -rf "$work/sqlite"
    run "sqlite   #$i" --data-dir "$work/sqlite"
    if psql -qAt "$pg_admin" -c "DROP DATABASE IF EXISTS zhijiao_bench" -c "CREATE DATABASE zhijiao_bench" >/dev/null 2>&1; then
        run "postgres #$i" --database-url "${pg_admin%/*}/zhijiao_bench"
    else
        echo "postgres #$i: skipped (no server at $pg_admin)"
    fi
done
psql -qAt "$pg_admin" -c "DROP DATABASE IF EXISTS zhijiao_bench" >/dev/null 2>&1 || true

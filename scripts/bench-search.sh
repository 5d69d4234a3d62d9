#!/usr/bin/env bash
# Search at scale (the search issue's targets): builds the release binary and runs
# `zhijiao bench search` — the real banks plus generated exercises up to ITEMS (default 700,000),
# our index built on disk on every core, a seeded mix of keyword + 2-facet queries (page of 20
# with snippets, total and facet counts), the same rows and queries in PostgreSQL (pg_trgm and a
# client-cut bigram tsvector, in a throwaway database zhijiao_bench_<pid>), and both rankings on
# the 30 hand-labelled relevance queries. Prints the report; all numbers go to JSON. Not run in CI.
#
# Usage: scripts/bench-search.sh [DATA_DIR]
#   ITEMS=700000     total items (the real banks, then generated ones)
#   QUERIES=1000     timed queries (after 100 warm-up ones)
#   PG_QUERIES=      timed PostgreSQL queries (default: QUERIES; the first ones of the same mix)
#   ZHIJIAO_BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres   admin connection; NO_PG=1 skips
#   JSON=path        where the numbers go (default: target/bench-search.json)
#   NO_BUILD=1       use the existing release binary
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
items=${ITEMS:-700000}
queries=${QUERIES:-1000}
json=${JSON:-target/bench-search.json}
pg_admin=${ZHIJIAO_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}
if [ -z "${NO_BUILD:-}" ]; then
    cargo build --release --locked -p cli >&2
fi
bin=target/release/zhijiao
args=(bench search --items "$items" --queries "$queries" --json "$json")
if [ -d "$data" ]; then
    args+=(--data "$data")
else
    echo "-- $data not found: generated items only, relevance figures will be 0" >&2
fi
if [ -z "${NO_PG:-}" ]; then
    if psql -qAt "$pg_admin" -c "SELECT 1" >/dev/null 2>&1; then
        args+=(--pg "$pg_admin")
        [ -n "${PG_QUERIES:-}" ] && args+=(--pg-queries "$PG_QUERIES")
    else
        echo "-- no PostgreSQL at $pg_admin: our side only" >&2
    fi
fi
echo "-- $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
/usr/bin/time -f "-- %e s wall, %M KiB peak (benchmark process)" "$bin" "${args[@]}"
echo "-- numbers written to $json" >&2

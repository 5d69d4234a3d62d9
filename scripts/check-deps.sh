#!/usr/bin/env bash
# Checks the dependency direction of docs/ARCHITECTURE.md: pure crates know nothing of HTTP, SQL
# or async runtimes; only the backends know sqlx; only web (and the cli on top) know axum.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
forbid() {
    local crate=$1; shift
    local deps
    deps=$(cargo tree -p "$crate" -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u)
    for banned in "$@"; do
        if grep -qx "$banned" <<<"$deps"; then
            echo "dependency direction broken: $crate depends on $banned"
            fail=1
        fi
    done
}
# `blobs` does file I/O (object_store, tokio): pure crates stay below it.
pure=(sqlx sqlx-core axum hyper tokio tower blobs object_store)
forbid domain "${pure[@]}" store demo interop web search
forbid demo "${pure[@]}" store web
forbid interop "${pure[@]}" store web
forbid learn "${pure[@]}" store web
forbid omr "${pure[@]}" store web
forbid store sqlx sqlx-core axum hyper tokio web store-sqlite store-postgres
forbid store-sqlite axum hyper web store-postgres
forbid store-postgres axum hyper web store-sqlite
forbid web sqlx sqlx-core store-sqlite store-postgres
forbid timetable "${pure[@]}" store web
# blobs is I/O like the backends but knows no database and no HTTP; web and cli may use it.
forbid blobs sqlx sqlx-core axum hyper web store store-sql store-sqlite store-postgres
# The index is rebuilt from the store; it never reaches the database, HTTP or the runtime itself.
forbid search "${pure[@]}" store web
[ "$fail" = 0 ] && echo "dependency direction ok"
exit "$fail"

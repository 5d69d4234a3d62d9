#!/usr/bin/env bash
# Sign-in latency as a person meets it: N sequential sign-ins (GET the form, POST the password)
# against a release server on a small demo district, timing each POST. Prints p50, p90, p99, max.
# Argon2id parameters: m=19 MiB, t=2, p=1 (crates/web/src/auth/secret.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-200}
port=${BENCH_PORT:-18299}
cargo build --release --locked -p cli
bin=target/release/zhijiao
data=$(mktemp -d)
"$bin" serve --demo --demo-scale small --port "$port" --data-dir "$data" >"$data/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 60); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 1; done
times="$data/times"
for _ in $(seq "$n"); do
    jar="$data/jar"
    rm -f "$jar"
    token=$(curl -fsS -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"//')
    curl -sS -o /dev/null -b "$jar" -w '%{time_total}\n' \
        --data-urlencode "csrf=$token" --data-urlencode "login=researcher" --data-urlencode "password=zhijiao-demo" \
        "http://127.0.0.1:$port/login" >>"$times"
done
echo "machine: $(nproc) cores, $(uname -r); $n sign-ins, release build"
sort -n "$times" | awk '{ a[NR] = $1 * 1000 } END {
    printf "sign-in latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", a[int(NR*0.5)], a[int(NR*0.9)], a[int(NR*0.99)], a[NR] }'

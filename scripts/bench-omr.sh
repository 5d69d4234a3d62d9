#!/usr/bin/env bash
# Answer sheets (issue 7): bubble accuracy per phone degradation on synthetic filled sheets, and
# single-core throughput on ~2-megapixel JPEG photos (decode + read), with a release build; then
# the time to read the OMRChecker sample sheets. Not run in CI.
#
# No peer runs beside it: OMRChecker (the reference for the template format) is not packaged on
# PyPI, so it cannot be installed here; its samples' expected readings are compared in
# scripts/real-data-check.sh instead.
#
# Usage: scripts/bench-omr.sh [sheets per degradation, default 100]
set -euo pipefail
cd "$(dirname "$0")/.."
per=${1:-100}
cargo build --release -p cli
bin=target/release/zhijiao
echo "== synthetic phone photos: $per sheets per degradation (one core)"
taskset -c 0 "$bin" omr bench --per-condition "$per"
data=../shared/data/omr-omrchecker-samples
if [ -d "$data" ]; then
    echo "== OMRChecker samples (17 real photos and scans), one core"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    start=$(date +%s.%N)
    for pair in "answer-key/using-csv:answer-key/using-csv" "answer-key/weighted-answers/images:answer-key/weighted-answers" \
        "sample1/MobileCamera:sample1" "sample2/AdrianSample:sample2" "sample3/colored-thick-sheet:sample3/colored-thick-sheet" \
        "sample3/xeroxed-thin-sheet:sample3/xeroxed-thin-sheet" "sample4:sample4" "sample5/ScanBatch1:sample5" \
        "sample5/ScanBatch2:sample5" "sample6:sample6" "sample6/doc-scans:sample6"; do
        taskset -c 0 "$bin" omr read --template "$data/${pair#*:}/template.json" --images "$data/${pair%%:*}" --out "$work/out.csv" >/dev/null
    done
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "17 sheets in %.2f s (%.1f sheets/s, process start-up included)\n", e - s, 17 / (e - s) }'
fi

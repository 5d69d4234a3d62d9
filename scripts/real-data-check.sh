#!/usr/bin/env bash
# Real-data checks on ../shared/data through the command line (the Rust tests that read
# ../shared/data run inside `cargo test` already). Fails loudly when a data set is missing.
set -euo pipefail
bin=$1
data=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "-- PEP textbook structure into a fresh SQLite database"
out=$("$bin" --data-dir "$work/pep" import curriculum "$data/pep-textbook-structure")
echo "$out"
grep -q "38 册 volumes, 64 章 chapters, 343 节 sections, 292 个知识点" <<<"$out" || { echo "expected 38 volumes, 64 chapters, 343 sections and 292 knowledge points from the PEP data"; exit 1; }

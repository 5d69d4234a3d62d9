#!/usr/bin/env bash
# Benchmark for issue 6 (learning engine) against its peers, in one run on one machine:
#   - BKT: ours vs pyBKT 1.4.3 (C++ core) on the same rows and folds of assistments2009 (raw and
#     deduplicated), assistments2015 and statics2011: AUC, RMSE, fit time (sum of 5 folds).
#   - 2PL: ours vs girth 0.8.0 on a generated 20,000 x 200 data set: fit time and parameter recovery.
# Sets up the peers in .venv-peers exactly as ../shared/PEERS.md says (pyBKT from source, C++ import
# checked). Not run in CI. Usage: scripts/bench-learn.sh [DATA_DIR] (default ../shared/data);
# BENCH_ONLY=bkt or BENCH_ONLY=irt runs one half.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
[ -d "$data" ] || { echo "no data directory at $data"; exit 1; }
venv=.venv-peers
py=$venv/bin/python

if ! "$py" -c "from pyBKT.fit import E_step, predict_onestep_states; import girth" 2>/dev/null; then
    echo "-- setting up the peers in $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --upgrade pip setuptools wheel
    "$venv/bin/pip" install numpy==2.4.6 scipy==1.17.1 pandas==3.1.1 scikit-learn==1.5.2 requests girth==0.8.0
    "$venv/bin/pip" install --no-build-isolation --no-deps --no-binary pyBKT pyBKT==1.4.3
    # The source build silently falls back to pure Python when the C++ build fails: refuse that.
    "$py" -c "from pyBKT.fit import E_step, predict_onestep_states" ||
        { echo "pyBKT's C++ core did not build; the comparison would be meaningless"; exit 1; }
fi

cargo build --release --locked -p cli
bin=target/release/zhijiao
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "-- preparing shared fold files"
"$py" scripts/bench-learn-peers.py prepare "$data" "$work" >/dev/null

json() { "$py" -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
only=${BENCH_ONLY:-all}
if [ "$only" != irt ]; then
rows=()
for set in assistments2009-raw assistments2009-dedup assistments2015 statics2011; do
    echo "-- $set: pyBKT"
    peer=$("$py" scripts/bench-learn-peers.py pybkt "$work/$set.csv")
    echo "   $peer"
    # bkt<0.5: the textbook bound guess < 0.5 instead of the default "known beats unknown by 0.05".
    for variant in bkt 'bkt<0.5' bkt+forget; do
        echo "-- $set: ours ($variant)"
        flags=(--model bkt)
        [ "$variant" = bkt+forget ] && flags+=(--forget)
        [ "$variant" = 'bkt<0.5' ] && flags+=(--max-guess 0.49)
        ours=$("$bin" learn fit --responses "$work/$set.csv" "${flags[@]}" --fold-column fold --json)
        echo "   AUC $(json "['auc']" <<<"$ours"), RMSE $(json "['rmse']" <<<"$ours"), fit $(json "['fit_seconds']" <<<"$ours") s"
        rows+=("$set|$variant|$(json "['auc']" <<<"$ours")|$(json "['rmse']" <<<"$ours")|$(json "['fit_seconds']" <<<"$ours")|$(json "['auc']" <<<"$peer")|$(json "['rmse']" <<<"$peer")|$(json "['fit_seconds']" <<<"$peer")")
    done
done
echo
echo "| data set | ours | our AUC | our RMSE | our fit s | pyBKT AUC | pyBKT RMSE | pyBKT fit s | AUC diff | speed-up |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
    IFS='|' read -r set model oa orm of pa prm pf <<<"$r"
    awk -v s="$set" -v m="$model" -v oa="$oa" -v orm="$orm" -v of="$of" -v pa="$pa" -v prm="$prm" -v pf="$pf" \
        'BEGIN { printf "| %s | %s | %.4f | %.4f | %.2f | %.4f | %.4f | %.2f | %+.4f | %.1fx |\n", s, m, oa, orm, of, pa, prm, pf, oa - pa, pf / of }'
done
fi
[ "$only" = bkt ] && exit 0

echo "-- generating the 20,000 x 200 2PL data set"
"$py" scripts/bench-learn-peers.py irt-generate "$work" >/dev/null
echo "-- 2PL: ours"
ours=$("$bin" learn fit --responses "$work/irt.csv" --model irt2 --folds 0 --save-model "$work/irt-model.json" --json)
"$py" -c "import json; m=json.load(open('$work/irt-model.json')); print('   cycles', m['cycles'])"
our_rec=$("$py" scripts/bench-learn-peers.py recovery "$work" "$work/irt-model.json")
echo "-- 2PL: girth"
peer=$("$py" scripts/bench-learn-peers.py girth "$work")

of=$(json "['fit_seconds']" <<<"$ours")
pf=$(json "['fit_seconds']" <<<"$peer")
echo
echo "| 2PL, 20,000 x 200 | r difficulty | r discrimination | fit s |"
echo "|---|---|---|---|"
echo "| ours | $(json "['r_difficulty']" <<<"$our_rec" | xargs printf '%.4f') | $(json "['r_discrimination']" <<<"$our_rec" | xargs printf '%.4f') | $(printf '%.2f' "$of") |"
echo "| girth | $(json "['r_difficulty']" <<<"$peer" | xargs printf '%.4f') | $(json "['r_discrimination']" <<<"$peer" | xargs printf '%.4f') | $(printf '%.2f' "$pf") |"
awk -v o="$of" -v p="$pf" 'BEGIN { printf "speed-up: %.1fx\n", p / o }'

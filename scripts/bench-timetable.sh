#!/usr/bin/env bash
# Compares `zhijiao timetable solve` with FET's command-line solver (fet-cl, Debian) on the real
# FET example instances, in the same run and with the same time limit, and verifies FET's
# timetables with our independent checker. Not run in CI (it takes long); see PEERS.md.
#
# Usage: scripts/bench-timetable.sh [DATA_DIR]
#   LIMIT=60          seconds per instance and solver
#   MAX_ACTS=1500     skip instances with more activities
#   POLISH=5          our soft-improvement seconds after the first hard-feasible timetable
#   FILTER=regex      only paths matching (grep -E)
#   OUT=dir           keep results here (default: a temporary directory)
#   NO_BUILD=1        use the existing binary (BIN=path to choose another one)
#   RESUME=1          with OUT: keep the instances already run there (a long run, e.g. LIMIT=300
#                     over all files, can then be stopped and continued)
#
# Per instance it prints: activities; each solver's seconds to a timetable meeting every hard
# constraint ("-" when none within the limit); soft penalties (ours, FET's own count, and FET's
# timetable scored by our checker); whether our checker agrees with FET's verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}/fet-timetabling-examples
LIMIT=${LIMIT:-60}
MAX_ACTS=${MAX_ACTS:-1500}
POLISH=${POLISH:-5}
FILTER=${FILTER:-.}
[ -d "$data" ] || { echo "skipped: $data not found"; exit 0; }

if ! command -v fet-cl >/dev/null; then
    echo "-- installing FET (Debian package fet)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fet >/dev/null
fi
if [ -z "${NO_BUILD:-}" ]; then
    cargo build --release -p cli >&2
fi
bin=${BIN:-$PWD/target/release/zhijiao}
work=${OUT:-$(mktemp -d)}
mkdir -p "$work"
echo "-- work dir: $work; limit ${LIMIT}s; instances up to $MAX_ACTS activities; $(fet-cl --version 2>&1 | head -1)"

results=$work/results.tsv
printf 'path\tactivities\tours_s\tours_soft\tfet_s\tfet_soft\tfet_soft_ours\tchecker_agrees\tours_checker_ok\n' >"$results"
python3 - "$data/fet_index.csv" "$MAX_ACTS" >"$work/instances.tsv" <<'EOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if int(r["activities"]) <= int(sys.argv[2]):
        print(f"{r['path']}\t{r['activities']}")
EOF
while IFS=$'\t' read -r path acts; do
    grep -qE "$FILTER" <<<"$path" || continue
    name=$(basename "$path" .fet)
    dir=$work/$(echo "$path" | tr '/ ' '__')
    mkdir -p "$dir"
    if [ -n "${RESUME:-}" ] && [ -s "$dir/row.tsv" ]; then
        tee -a "$results" <"$dir/row.tsv"
        continue
    fi
    xz -dc "$data/examples/$path.xz" >"$dir/in.fet"
    # Instances using constraint types we do not implement are reported and skipped.
    if ! "$bin" timetable solve "$dir/in.fet" --time-limit 0 --json --ignore-unsupported-soft </dev/null >"$dir/probe.json" 2>"$dir/probe.err"; then
        echo "unsupported: $path: $(tail -1 "$dir/probe.err" | cut -c1-160)"
        continue
    fi

    # FET: fixed seeds, SIGTERM at the limit (it then writes its best so far), SIGKILL 10 s later.
    rm -rf "$dir/fet"
    t0=$(date +%s.%N)
    timeout -s TERM -k 10 "$LIMIT" fet-cl --inputfile="$dir/in.fet" --outputdir="$dir/fet" --htmllevel=0 \
        --timelimitseconds="$LIMIT" --randomseeds10=1 --randomseeds11=2 --randomseeds12=3 \
        --randomseeds20=4 --randomseeds21=5 --randomseeds22=6 </dev/null >"$dir/fet.log" 2>&1 || true
    t1=$(date +%s.%N)
    fet_s=-
    fet_soft=-
    fet_soft_ours=-
    agrees=-
    if grep -q "Simulation successful" "$dir/fet/logs/result.txt" 2>/dev/null; then
        fet_s=$(echo "$t1 - $t0" | bc -l | awk '{printf "%.3f", $1}')
        conf=$(ls "$dir"/fet/timetables/*/*_soft_conflicts.txt 2>/dev/null | head -1)
        fet_soft=$(grep -m1 "Total soft conflicts" "$conf" 2>/dev/null | awk -F': ' '{print $2}' || echo -)
        solved=$(ls "$dir"/fet/timetables/*/*_data_and_timetable.fet 2>/dev/null | grep -v -- '-highest\|-current' | head -1)
        if [ -n "$solved" ] && "$bin" timetable check "$dir/in.fet" "$solved" --json --ignore-unsupported-soft </dev/null >"$dir/fet-check.json" 2>/dev/null; then
            fet_soft_ours=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["soft_penalty"])' "$dir/fet-check.json")
            agrees=$(python3 -c 'import json,sys; print("yes" if json.load(open(sys.argv[1]))["hard_ok"] else "NO")' "$dir/fet-check.json")
        fi
    fi

    # Ours: the same limit; it keeps improving the soft penalty for POLISH seconds after the
    # first timetable that meets every hard constraint. Time = file loading + search to that point.
    "$bin" timetable solve "$dir/in.fet" --time-limit "$LIMIT" --seed 1 --json --ignore-unsupported-soft \
        --polish-seconds "$POLISH" --out "$dir/ours.fet" </dev/null >"$dir/ours.json" 2>"$dir/ours.err" || true
    read -r ours_s ours_soft ours_ok < <(python3 - "$dir/ours.json" <<'EOF'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception:
    print("- - -"); sys.exit()
load = j["total_seconds"] - j["seconds"]
t = "%.3f" % (load + j["seconds_to_hard_ok"]) if j["hard_ok"] else "-"
print(t, j["soft_penalty"] if j["hard_ok"] else "-", "yes" if j["checker_agrees_with_solver"] else "NO")
EOF
)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$path" "$acts" "$ours_s" "$ours_soft" "$fet_s" "$fet_soft" "$fet_soft_ours" "$agrees" "$ours_ok" >"$dir/row.tsv"
    tee -a "$results" <"$dir/row.tsv"
done <"$work/instances.tsv"

python3 - "$results" "$LIMIT" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
limit = float(sys.argv[2])
print()
print(f"{'instance':<72} {'acts':>5} {'ours s':>8} {'FET s':>8} {'ours pen':>9} {'FET pen':>8} {'FET@ours':>8} {'agree':>5}")
for r in rows:
    print(f"{r['path'][-72:]:<72} {r['activities']:>5} {r['ours_s']:>8} {r['fet_s']:>8} {r['ours_soft']:>9} {r['fet_soft']:>8} {r['fet_soft_ours']:>8} {r['checker_agrees']:>5}")
ours = [r for r in rows if r["ours_s"] != "-"]
fet = [r for r in rows if r["fet_s"] != "-"]
both = [r for r in rows if r["ours_s"] != "-" and r["fet_s"] != "-"]
print()
print(f"instances run: {len(rows)}; time limit {limit:g} s")
print(f"solved (all hard constraints): ours {len(ours)}, FET {len(fet)}, both {len(both)}")
print(f"solved by FET but not by us: {len([r for r in fet if r['ours_s'] == '-'])}; by us but not by FET: {len([r for r in ours if r['fet_s'] == '-'])}")
if both:
    ratios = [max(float(r["ours_s"]), 1e-3) / max(float(r["fet_s"]), 1e-3) for r in both]
    print(f"median time ratio ours/FET on instances both solve: {statistics.median(ratios):.3f} (median seconds: ours {statistics.median(float(r['ours_s']) for r in both):.2f}, FET {statistics.median(float(r['fet_s']) for r in both):.2f})")
    pairs = [(float(r["ours_soft"]), float(r["fet_soft_ours"])) for r in both if r["fet_soft_ours"] != "-"]
    if pairs:
        better = sum(1 for o, f in pairs if o < f - 1e-9)
        worse = sum(1 for o, f in pairs if o > f + 1e-9)
        print(f"soft penalty (both scored by our checker): ours lower on {better}, higher on {worse}, equal on {len(pairs) - better - worse}; "
              f"median ours {statistics.median(o for o, _ in pairs):.2f}, FET {statistics.median(f for _, f in pairs):.2f}")
checked = [r for r in fet if r["checker_agrees"] != "-"]
print(f"checker agrees with FET's verdict on {sum(1 for r in checked if r['checker_agrees'] == 'yes')} of {len(checked)} FET timetables")
print(f"our checker agreed with our solver's bookkeeping on {sum(1 for r in rows if r['ours_checker_ok'] == 'yes')} of {len(rows)} runs")
EOF

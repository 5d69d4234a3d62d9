#!/usr/bin/env bash
# Compares `zhijiao timetable solve` with FET's command-line solver (fet-cl, Debian) on the real
# FET example instances, with the same time limit, and verifies FET's timetables with our
# independent checker. Not run in CI (it takes long); see PEERS.md and docs/bench/README.md.
#
# Usage: scripts/bench-timetable.sh [DATA_DIR]
#   LIMIT=60          seconds per instance and solver
#   MAX_ACTS=1500     skip instances with more activities
#   POLISH=5          our soft-improvement seconds after the first hard-feasible timetable
#   FILTER=regex      only paths matching (grep -E)
#   LIST=file         only these instances (paths or file names without .fet, one per line), in
#                     this order, so the instances that matter most run first
#   SOLVERS=both      `fet` or `ours` runs one solver only. Two runs with the same OUT, one per
#                     solver, each pinned to its own core (`taskset -c 0` / `taskset -c 1`, ours
#                     with THREADS=1), halve a long run's wall time; each solver then has one core
#   THREADS=2         our parallel searches
#   OUT=dir           keep results here (default: a temporary directory)
#   NO_BUILD=1        use the existing binary (BIN=path to choose another one)
#   RESUME=1          with OUT: a solver already run on an instance there is not run again, so a
#                     long run (e.g. LIMIT=300 over every file) can be stopped and continued
#   KNOWN=file.tsv    results of an earlier run (a results.tsv, e.g. docs/bench/*.tsv) taken as
#                     already run, so a run longer than one machine's life continues on another
#
# Per instance it prints: activities; each solver's seconds to a timetable meeting every hard
# constraint ("-" when none within the limit, "?" when not run); soft penalties (ours, FET's own
# count, and FET's timetable scored by our checker); whether our checker agrees with FET's verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}/fet-timetabling-examples
LIMIT=${LIMIT:-60}
MAX_ACTS=${MAX_ACTS:-1500}
POLISH=${POLISH:-5}
FILTER=${FILTER:-.}
SOLVERS=${SOLVERS:-both}
THREADS=${THREADS:-2}
[ -d "$data" ] || { echo "skipped: $data not found"; exit 0; }
case $SOLVERS in both | fet | ours) ;; *) echo "SOLVERS must be both, fet or ours" >&2; exit 2 ;; esac
run_fet() { [ "$SOLVERS" != ours ]; }
run_ours() { [ "$SOLVERS" != fet ]; }

if run_fet && ! command -v fet-cl >/dev/null; then
    echo "-- installing FET (Debian package fet)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fet >/dev/null
fi
if [ -z "${NO_BUILD:-}" ]; then
    cargo build --release -p cli >&2
fi
bin=${BIN:-$PWD/target/release/zhijiao}
work=${OUT:-$(mktemp -d)}
mkdir -p "$work"
echo "-- work dir: $work; limit ${LIMIT}s; solvers: $SOLVERS; our threads: $THREADS; instances up to $MAX_ACTS activities; $(fet-cl --version 2>&1 | head -1)"
echo "-- machine: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

python3 - "$data/fet_index.csv" "$MAX_ACTS" "${LIST:-}" >"$work/instances.$SOLVERS.tsv" <<'EOF'
import csv, os, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if int(r["activities"]) <= int(sys.argv[2])]
if sys.argv[3]:
    wanted = [l.strip() for l in open(sys.argv[3]) if l.strip() and not l.startswith("#")]
    by_key = {}
    for r in rows:
        by_key.setdefault(r["path"], []).append(r)
        by_key.setdefault(os.path.basename(r["path"])[: -len(".fet")], []).append(r)
    seen, ordered = set(), []
    for w in wanted:
        if w not in by_key:
            sys.exit(f"{sys.argv[3]}: {w}: no such instance in the index (or over MAX_ACTS)")
        for r in by_key[w]:
            if r["path"] not in seen:
                seen.add(r["path"])
                ordered.append(r)
    rows = ordered
for r in rows:
    print(f"{r['path']}\t{r['activities']}")
EOF

# Per instance: fet.tsv (fet_s, fet_soft, fet_soft_ours, checker_agrees) and ours.tsv (ours_s,
# ours_soft, ours_checker_ok), each written whole once its solver has finished.
instance_dir() { echo "$work/$(echo "$1" | tr '/ ' '__')"; }
if [ -n "${KNOWN:-}" ]; then
    tail -n +2 "$KNOWN" | while IFS=$'\t' read -r path _acts ours_s ours_soft fet_s fet_soft fet_soft_ours agrees ours_ok; do
        dir=$(instance_dir "$path")
        mkdir -p "$dir"
        [ "$fet_s" = "?" ] || [ -s "$dir/fet.tsv" ] || printf '%s\t%s\t%s\t%s\n' "$fet_s" "$fet_soft" "$fet_soft_ours" "$agrees" >"$dir/fet.tsv"
        [ "$ours_s" = "?" ] || [ -s "$dir/ours.tsv" ] || printf '%s\t%s\t%s\n' "$ours_s" "$ours_soft" "$ours_ok" >"$dir/ours.tsv"
    done
fi

# The instance's file and whether we read it; done once per instance even when a `fet` and an
# `ours` run share OUT (under a lock; the results are moved into place whole).
prepare() {
    local path=$1 dir=$2
    (
        flock 9
        if [ ! -s "$dir/in.fet" ]; then
            xz -dc "$data/examples/$path.xz" >"$dir/in.fet.tmp" && mv "$dir/in.fet.tmp" "$dir/in.fet"
        fi
        if [ ! -e "$dir/probe.status" ]; then
            if "$bin" timetable solve "$dir/in.fet" --time-limit 0 --json --ignore-unsupported-soft </dev/null >"$dir/probe.json" 2>"$dir/probe.err"; then
                echo ok >"$dir/probe.status.tmp"
            else
                tail -1 "$dir/probe.err" | cut -c1-160 >"$dir/probe.status.tmp"
            fi
            mv "$dir/probe.status.tmp" "$dir/probe.status"
        fi
    ) 9>"$dir/.lock"
}

fet_one() {
    local dir=$1 t0 t1 fet_s=- fet_soft=- fet_soft_ours=- agrees=- conf solved
    # Fixed seeds, SIGTERM at the limit (it then writes its best so far), SIGKILL 10 s later.
    rm -rf "$dir/fet"
    t0=$(date +%s.%N)
    timeout -s TERM -k 10 "$LIMIT" fet-cl --inputfile="$dir/in.fet" --outputdir="$dir/fet" --htmllevel=0 \
        --timelimitseconds="$LIMIT" --randomseeds10=1 --randomseeds11=2 --randomseeds12=3 \
        --randomseeds20=4 --randomseeds21=5 --randomseeds22=6 </dev/null >"$dir/fet.log" 2>&1 || true
    t1=$(date +%s.%N)
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
    printf '%s\t%s\t%s\t%s\n' "$fet_s" "$fet_soft" "$fet_soft_ours" "$agrees" >"$dir/fet.tsv.tmp"
    mv "$dir/fet.tsv.tmp" "$dir/fet.tsv"
}

ours_one() {
    local dir=$1
    # The same limit; it keeps improving the soft penalty for POLISH seconds after the first
    # timetable that meets every hard constraint. Time = file loading + search to that point.
    "$bin" timetable solve "$dir/in.fet" --time-limit "$LIMIT" --seed 1 --threads "$THREADS" --json \
        --ignore-unsupported-soft --polish-seconds "$POLISH" --out "$dir/ours.fet" </dev/null >"$dir/ours.json" 2>"$dir/ours.err" || true
    python3 - "$dir/ours.json" >"$dir/ours.tsv.tmp" <<'EOF'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception:
    print("-\t-\t-"); sys.exit()
load = j["total_seconds"] - j["seconds"]
t = "%.3f" % (load + j["seconds_to_hard_ok"]) if j["hard_ok"] else "-"
print(t, j["soft_penalty"] if j["hard_ok"] else "-", "yes" if j["checker_agrees_with_solver"] else "NO", sep="\t")
EOF
    mv "$dir/ours.tsv.tmp" "$dir/ours.tsv"
}

# One results row from whatever the instance's directory holds ("?" for a solver not run).
row() {
    local path=$1 acts=$2 dir=$3 fet=$'?\t?\t?\t?' ours=$'?\t?\t?' ours_s ours_soft ours_ok
    [ -s "$dir/fet.tsv" ] && fet=$(cat "$dir/fet.tsv")
    [ -s "$dir/ours.tsv" ] && ours=$(cat "$dir/ours.tsv")
    IFS=$'\t' read -r ours_s ours_soft ours_ok <<<"$ours"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$path" "$acts" "$ours_s" "$ours_soft" "$fet" "$ours_ok"
}

while IFS=$'\t' read -r path acts; do
    grep -qE "$FILTER" <<<"$path" || continue
    dir=$(instance_dir "$path")
    mkdir -p "$dir"
    todo_fet=""
    todo_ours=""
    if run_fet && { [ -z "${RESUME:-}" ] || [ ! -s "$dir/fet.tsv" ]; }; then todo_fet=1; fi
    if run_ours && { [ -z "${RESUME:-}" ] || [ ! -s "$dir/ours.tsv" ]; }; then todo_ours=1; fi
    if [ -n "$todo_fet$todo_ours" ]; then
        prepare "$path" "$dir"
        # Instances using constraint types we do not implement are reported and skipped.
        status=$(cat "$dir/probe.status")
        if [ "$status" != ok ]; then
            echo "unsupported: $path: $status"
            continue
        fi
        [ -z "$todo_fet" ] || fet_one "$dir"
        [ -z "$todo_ours" ] || ours_one "$dir"
    fi
    row "$path" "$acts" "$dir"
done <"$work/instances.$SOLVERS.tsv"

# Every instance any run in OUT (or KNOWN) has results for, in index order.
results=$work/results.tsv
{
    printf 'path\tactivities\tours_s\tours_soft\tfet_s\tfet_soft\tfet_soft_ours\tchecker_agrees\tours_checker_ok\n'
    python3 - "$data/fet_index.csv" <<'EOF' | while IFS=$'\t' read -r path acts; do
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(f"{r['path']}\t{r['activities']}")
EOF
        dir=$(instance_dir "$path")
        if [ -s "$dir/fet.tsv" ] || [ -s "$dir/ours.tsv" ]; then row "$path" "$acts" "$dir"; fi
    done
} >"$results.tmp"
mv "$results.tmp" "$results"

python3 - "$results" "$LIMIT" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
limit = float(sys.argv[2])
print()
print(f"{'instance':<72} {'acts':>5} {'ours s':>8} {'FET s':>8} {'ours pen':>9} {'FET pen':>8} {'FET@ours':>8} {'agree':>5}")
for r in rows:
    print(f"{r['path'][-72:]:<72} {r['activities']:>5} {r['ours_s']:>8} {r['fet_s']:>8} {r['ours_soft']:>9} {r['fet_soft']:>8} {r['fet_soft_ours']:>8} {r['checker_agrees']:>5}")
partial = [r for r in rows if "?" in (r["ours_s"], r["fet_s"])]
rows = [r for r in rows if r not in partial]
ours = [r for r in rows if r["ours_s"] != "-"]
fet = [r for r in rows if r["fet_s"] != "-"]
both = [r for r in rows if r["ours_s"] != "-" and r["fet_s"] != "-"]
print()
print(f"instances run by both solvers: {len(rows)} (by one only so far: {len(partial)}); time limit {limit:g} s")
print(f"solved (all hard constraints): ours {len(ours)}, FET {len(fet)}, both {len(both)}")
print(f"solved by FET but not by us: {len([r for r in fet if r['ours_s'] == '-'])}; by us but not by FET: {len([r for r in ours if r['fet_s'] == '-'])}")
for t in sorted({30.0, 60.0, limit}):
    if t <= limit:
        print(f"  within {t:g} s: ours {sum(1 for r in ours if float(r['ours_s']) <= t)}, FET {sum(1 for r in fet if float(r['fet_s']) <= t)}")
if both:
    ratios = [max(float(r["ours_s"]), 1e-3) / max(float(r["fet_s"]), 1e-3) for r in both]
    print(f"median time ratio ours/FET on instances both solve: {statistics.median(ratios):.3f} (median seconds: ours {statistics.median(float(r['ours_s']) for r in both):.2f}, FET {statistics.median(float(r['fet_s']) for r in both):.2f}); ours faster on {sum(1 for x in ratios if x < 1)}")
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

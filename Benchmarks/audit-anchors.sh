#!/usr/bin/env bash
# `aios-sec bench audit` side by side with the shared Python anchors (limits.py, sqlite_baseline.py), interleaved in
# one run as ../shared/bench/audit/README.md asks. The anchor scripts are copied into Benchmarks/work so their
# result files land there, not in shared/.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${SHARED:-$PWD/../shared}/bench/audit"
work=Benchmarks/work/audit-anchors
mkdir -p "$work/scratch"
cp "$shared"/*.py "$shared"/fsync_bench.c "$work/"
swift build -c release --product aios-sec
bin=.build/release/aios-sec
echo "== limits.py"; python3 "$work/limits.py" --dir "$PWD/$work/scratch" --reps 3 --secs 2 --out "$work/limits.json" | tail -n 30
echo "== aios-sec bench audit (1)"; $bin bench audit --directory "$work/scratch/swift" --seconds 3
echo "== sqlite_baseline.py"
python3 "$work/sqlite_baseline.py" --dir "$PWD/$work/scratch/py" --reps 3 --secs 3 \
    --only a_full_1,c_full_1000,e_all_full_1000 --verify-n 1000000 --verify-reps 2 2>&1 | tail -n 40
echo "== aios-sec bench audit (2)"; $bin bench audit --directory "$work/scratch/swift" --seconds 3 --verify-entries 100000
rm -rf "$work/scratch"

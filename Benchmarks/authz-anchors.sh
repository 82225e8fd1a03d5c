#!/usr/bin/env bash
# The authorization benchmark side by side with its anchors (Cedar, Casbin, Rego, the Python reference), in one
# run of the shared bench_anchors.py, as ../shared/bench/authz/README.md describes. Needs PyPI for the anchors.
#   Benchmarks/authz-anchors.sh [extra bench_anchors.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${SHARED:-$PWD/../shared}/bench/authz"
work=Benchmarks/work
mkdir -p "$work"
[ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q cedarpy casbin lakera-regorus
[ -f "$work/workload-42.json" ] || python3 "$shared/gen_workload.py" --out "$work/workload-42.json"
swift build -c release --product aios-sec
"$work/venv/bin/python" "$shared/bench_anchors.py" --workload "$work/workload-42.json" --repeats 3 --budget-s 8 \
    --swift-cmd "$PWD/.build/release/aios-sec bench authz {workload}" --out "$work/anchors-results.json" "$@"

#!/usr/bin/env bash
# Runs a Python script of this folder with grpcio from the conformance venv (Tests/Conformance/venv.sh).
# usage: grpc-python.sh SCRIPT.py ARGUMENTS…
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
python="$("$root/Tests/Conformance/venv.sh")"
script="$1"
shift
"$python" "$(dirname "$0")/$script" "$@"

#!/usr/bin/env bash
# Runs a Python script of this folder with grpcio from the conformance venv (.build/conformance-venv, grpcio from
# PyPI, created here when missing, as Tests/Conformance/run.sh does).
# usage: grpc-python.sh SCRIPT.py ARGUMENTS…
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
venv="$root/.build/conformance-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import grpc' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check grpcio grpcio-tools >&2
fi
script="$1"
shift
"$venv/bin/python" "$(dirname "$0")/$script" "$@"

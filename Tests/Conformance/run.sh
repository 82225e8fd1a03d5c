#!/usr/bin/env bash
# Sets up the independent Python client (a venv with grpcio and grpcio-tools from PyPI, cached in
# .build/conformance-venv) and generates its stubs from Protos/ into a temporary directory, then runs it.
# usage: run.sh SERVER IDENTITIES_DIR DEMO_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.build/conformance-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import grpc, grpc_tools' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check grpcio grpcio-tools >&2
fi
stubs="$(mktemp -d)"
trap 'rm -rf "$stubs"' EXIT
"$venv/bin/python" -m grpc_tools.protoc -I "$root/Protos" --python_out="$stubs" --grpc_python_out="$stubs" \
  "$root/Protos/aios/security/v1/security.proto"
touch "$stubs/aios/__init__.py" "$stubs/aios/security/__init__.py" "$stubs/aios/security/v1/__init__.py"
"$venv/bin/python" "$root/Tests/Conformance/client.py" "$stubs" "$@"

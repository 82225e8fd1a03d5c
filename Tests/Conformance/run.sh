#!/usr/bin/env bash
# Sets up the independent Python client (Tests/Conformance/venv.sh), generates its stubs from Protos/ into a
# temporary directory, then runs it.
# usage: run.sh SERVER IDENTITIES_DIR DEMO_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="$("$root/Tests/Conformance/venv.sh")"
stubs="$(mktemp -d)"
trap 'rm -rf "$stubs"' EXIT
"$python" -m grpc_tools.protoc -I "$root/Protos" --python_out="$stubs" --grpc_python_out="$stubs" \
  "$root/Protos/aios/security/v1/security.proto"
touch "$stubs/aios/__init__.py" "$stubs/aios/security/__init__.py" "$stubs/aios/security/v1/__init__.py"
"$python" "$root/Tests/Conformance/client.py" "$stubs" "$@"

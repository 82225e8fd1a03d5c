#!/usr/bin/env bash
# Regenerates the Python stubs in src/aios_security/_proto from the daemon's proto (Protos/aios/security/v1).
# The output is committed: installing the package or running its tests never needs grpcio-tools.
#
#   sdk/python/scripts/gen-stubs.sh            # uses a private venv (sdk/python/.gen-venv) with grpcio-tools
#   PYTHON=/path/to/python gen-stubs.sh        # or an interpreter that already has grpcio-tools
#
# grpcio-tools is pinned so the generated code (and the runtime versions it checks) only changes on purpose; when it
# changes, raise the grpcio and protobuf minimums in pyproject.toml to the versions the new stubs ask for.
set -euo pipefail

GRPCIO_TOOLS_VERSION=1.85.1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$here/src/aios_security/_proto"

if [ -z "${PYTHON:-}" ]; then
  venv="$here/.gen-venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "grpcio-tools==$GRPCIO_TOOLS_VERSION"
  PYTHON="$venv/bin/python"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PYTHON" -m grpc_tools.protoc -I "$repo/Protos" \
  --python_out="$work" --pyi_out="$work" --grpc_python_out="$work" \
  "$repo/Protos/aios/security/v1/security.proto"

generated="$work/aios/security/v1"
mkdir -p "$out"
cp "$generated/security_pb2.py" "$generated/security_pb2.pyi" "$out/"
# protoc writes the import as the proto's package path (aios.security.v1); inside this package it is relative.
sed -e 's/^from aios\.security\.v1 import security_pb2 as /from . import security_pb2 as /' \
  "$generated/security_pb2_grpc.py" > "$out/security_pb2_grpc.py"
grep -q '^from \. import security_pb2 as ' "$out/security_pb2_grpc.py" || {
  echo "gen-stubs: the generated import in security_pb2_grpc.py was not rewritten" >&2
  exit 1
}
[ -f "$out/__init__.py" ] || printf '"""Generated gRPC stubs for aios.security.v1 (scripts/gen-stubs.sh); do not edit."""\n' > "$out/__init__.py"
echo "gen-stubs: wrote $out (grpcio-tools $GRPCIO_TOOLS_VERSION)"

#!/usr/bin/env bash
# Regenerates the committed Swift code for Protos/ (generated once and committed: CI never runs protoc).
# Needs Debian's protoc (installed here if missing) and builds the two plugins from the package's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v protoc >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler
fi
swift build --product protoc-gen-swift
swift build --product protoc-gen-grpc-swift-2
BIN=$(swift build --show-bin-path)
protoc -I Protos \
  --plugin=protoc-gen-swift="$BIN/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$BIN/protoc-gen-grpc-swift-2" \
  --swift_out=Sources/AIOSProto --swift_opt=Visibility=Public \
  --grpc-swift-2_out=Sources/AIOSProto --grpc-swift-2_opt=Visibility=Public,Server=true,Client=true \
  Protos/aios/security/v1/*.proto
echo "generated: $(find Sources/AIOSProto -name '*.swift' | sort | tr '\n' ' ')"
# Generated code is not ours to format: tell swift-format to skip it.
for file in Sources/AIOSProto/aios/security/v1/*.swift; do sed -i '1i // swift-format-ignore-file' "$file"; done

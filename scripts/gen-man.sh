#!/usr/bin/env bash
# Regenerates the committed man page (packaging/man/aios-sec.1) with swift-argument-parser's own manual generator
# (its generate-manual tool, built from the resolved checkout into .build-manual), from the built binary's
# --experimental-dump-help. Generated once and committed, like the protobuf code: make install only copies it.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product aios-sec
swift build --package-path .build/checkouts/swift-argument-parser --scratch-path .build-manual --product generate-manual
mkdir -p packaging/man
.build-manual/debug/generate-manual .build/debug/aios-sec --date "$(git log -1 --format=%cs)" \
  --authors "aiOS Security" --output-directory packaging/man
echo "generated: $(ls packaging/man)"

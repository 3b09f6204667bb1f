#!/usr/bin/env bash
# `make gateway`: the Go gateway and load generator (go-interop/build/), next to the Go echo
# plugin; the Rust plugins come from `cargo build --release` (the Makefile builds them first).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/go-common.sh
build_go_plugins

(cd go-interop && go build -o build/gateway ./gateway/cmd/gateway && go build -o build/loadtest ./gateway/cmd/loadtest)
rust_lib=${RUST_LIB:-target/release}
echo "built go-interop/build/gateway; run it with:"
echo "  go-interop/build/gateway -plugin /echo=$rust_lib/libecho_plugin.so -plugin /legacy=$rust_lib/liblegacy_base64_plugin.so \\"
echo "    -plugin /faulty=$rust_lib/libfaulty_plugin.so -goplugin /go-echo=go-interop/build/goechoplugin.so"

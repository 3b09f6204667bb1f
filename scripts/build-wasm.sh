#!/usr/bin/env bash
# Builds the Wasm sandbox tier: the user manager (rustplugin) and the HTTP plugins, from the same
# crates as the native libraries, for wasm32-unknown-unknown (the guest ABI of
# rust-plugin/rp-ffi-core/src/wasm.rs). The modules land in target/wasm32-unknown-unknown/release/.
# DWARF is stripped (it would triple the files); the name section stays, for traces and profiles.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C strip=debuginfo" \
  ${CARGO:-cargo} build --release --target wasm32-unknown-unknown \
  -p rustplugin -p echo-plugin -p legacy-base64-plugin -p faulty-plugin

#!/usr/bin/env bash
# Builds the Wasm sandbox tier: the user manager (rustplugin) and the HTTP plugins, from the same
# crates as the native libraries, for wasm32-unknown-unknown (the guest ABI of
# rust-plugin/rp-ffi-core/src/wasm.rs). The modules land in target/wasm32-unknown-unknown/release/.
# DWARF is stripped (it would triple the files); the name section stays, for traces and profiles.
# The modules are built with fat LTO in one codegen unit: the JIT compiles what it is given, and
# only LTO inlines across the crates (rp-ffi-core's input buffer, the store's lookup) and resolves
# the thread-locals' accessors, which are otherwise calls through the table (Rust -> Wasm GetUser
# 1205 -> 1050 instructions). The native profile is left as it is (LTO there would rebuild
# wasmtime slowly); these variables do not touch the host's build scripts and proc-macros, so the
# native build does not rebuild after this one. SIMD (Wasm 2.0, in wasmtime and wazero by
# default) gives memchr its vector substring search: FindUsers over 10^4 users 1.40 -> 0.28 ms
# under wazero.
#   scripts/build-wasm.sh                      build the modules
#   scripts/build-wasm.sh clippy -- -D warnings   another cargo command on the same crates and flags
#                                              (make test's lints: with other flags, cargo would
#                                              build the host's proc-macros again, both times)
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:-build}
(($#)) && shift
CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C strip=debuginfo -C target-feature=+simd128" \
  ${CARGO:-cargo} "$command" --release --target wasm32-unknown-unknown \
  -p rustplugin -p echo-plugin -p legacy-base64-plugin -p faulty-plugin "$@"

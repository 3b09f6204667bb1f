#!/usr/bin/env bash
# The Rust side of `make test`: formatting, lints, every test of the workspace (including the check
# that the committed header is what cbindgen generates, and rp-host's compile-fail doc tests), and
# each rust-bench benchmark once, which checks every path's answer. Nothing is compiled again:
# `make build-rust` built every target with the same profile and features.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all --check || { echo "rust: run 'cargo fmt --all' to fix the formatting above" >&2; exit 1; }
cargo clippy --workspace --all-targets --release -- -D warnings
# The same crates as Wasm guests, whose code differs by cfg, with the modules' flags.
scripts/build-wasm.sh clippy -- -D warnings
# `--all-targets` runs what `make build-rust` built (criterion's benchmarks once each, in test
# mode, which checks every path's answer); doc tests are built here, as rustdoc builds them.
cargo test --workspace --release --all-targets
cargo test --workspace --release --doc

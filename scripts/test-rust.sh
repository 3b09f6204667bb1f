#!/usr/bin/env bash
# The Rust side of `make test`: formatting, lints, then every test of the workspace (including the
# check that the committed header is what cbindgen generates).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all --check || { echo "rust: run 'cargo fmt --all' to fix the formatting above" >&2; exit 1; }
cargo clippy --workspace --all-targets --release -- -D warnings
cargo test --workspace --release

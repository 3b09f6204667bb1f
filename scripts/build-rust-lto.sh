#!/usr/bin/env bash
# Builds the plugin's staticlib as LLVM bitcode (-Clinker-plugin-lto) for cpp-bench's cross-language
# LTO flavour, into target/lto/. Only the staticlib: a cdylib of bitcode could not be linked by cc.
# `--target` keeps RUSTFLAGS away from build scripts and proc macros, which the host must still run.
set -euo pipefail
cd "$(dirname "$0")/.."

rust_lld=$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/gcc-ld/ld.lld
if ! command -v clang++-19 >/dev/null || [[ ! -x $rust_lld ]]; then
  echo "build-rust-lto: skipped: the LTO flavour needs clang++-19 (make deps) and $rust_lld"
  exit 0
fi
RUSTFLAGS="-Clinker-plugin-lto" cargo rustc --release -p rustplugin --lib --crate-type staticlib \
  --target x86_64-unknown-linux-gnu --target-dir target/lto

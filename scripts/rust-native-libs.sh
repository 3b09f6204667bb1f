#!/usr/bin/env bash
# Prints the system libraries a Rust staticlib needs on this toolchain, as rustc reports them
# (`--print native-static-libs`): the one place every consumer of librustplugin.a takes them from
# (c-host/Makefile, cpp-bench/Makefile, CGO_LDFLAGS in scripts/go-common.sh, the CMake package of
# scripts/install.sh). The plugin's crates link no native library of their own, so the list is
# that of Rust's std; `make test-install` checks it against the one cargo-c computes from the real
# archive for rustplugin.pc. Cached in target/, one file per rustc build.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=target/native-static-libs/$(rustc -vV | sed -n 's/^commit-hash: //p')
if [[ ! -s $cache ]]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  mkdir -p "$(dirname "$cache")"
  : >"$scratch/probe.rs"
  rustc --crate-type staticlib --crate-name probe --print native-static-libs="$scratch/libs" \
    -o "$scratch/libprobe.a" "$scratch/probe.rs" 2>/dev/null
  mv "$scratch/libs" "$cache"
fi
printf '%s\n' "$(<"$cache")"

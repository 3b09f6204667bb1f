#!/usr/bin/env bash
# The benchmarks' data: for each size N, DIR/users-N.json (N = 4: the demo users) and its key
# schedule DIR/users-N.keys, written by gen-users when either is missing. Every harness (C++, Go,
# Rust) reads the same files, so every caller asks for the same users in the same order.
#   scripts/bench-data.sh DIR N...
set -euo pipefail
dir=$1
shift
mkdir -p "$dir"
for users in "$@"; do
  file=$dir/users-$users.json keys=$dir/users-$users.keys
  if [[ ! -s $file || ! -s $keys ]]; then
    echo "bench-data: generating $file and its keys" >&2
    "${RUST_LIB:-target/release}/gen-users" "$users" --output "$file" --keys "$keys"
  fi
done

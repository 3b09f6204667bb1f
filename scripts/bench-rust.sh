#!/usr/bin/env bash
# rust-bench benchmarks (criterion): Rust -> the plugin's Rust code, its C ABI (static, libloading),
# a C add and a Go c-archive add; pinned to one CPU. criterion's output goes to results/rust/criterion/,
# which bench-report reads.
#   scripts/bench-rust.sh          criterion's defaults, sweep 10^3 .. 10^6 users (about 3 minutes)
#   QUICK=1 scripts/bench-rust.sh  10 samples, short measurement, sweep to 10^4
set -euo pipefail
cd "$(dirname "$0")/.."

args=(--noplot)
sweep_max=1000000
[[ ${QUICK:-0} == 1 ]] && args+=(--warm-up-time 0.1 --measurement-time 0.3 --sample-size 10) sweep_max=10000
# The size sweep (GetUser, FindUsers over 10^3 .. sweep_max users): the files gen-users makes.
data=$PWD/results/data
mkdir -p "$data"
sizes=()
for ((users = 1000; users <= sweep_max; users *= 10)); do
  sizes+=("$users")
  [[ -s $data/users-$users.json ]] || "${RUST_LIB:-target/release}/gen-users" "$users" --output "$data/users-$users.json"
done
export RUST_BENCH_DATA=$data RUST_BENCH_SWEEP
RUST_BENCH_SWEEP=$(IFS=,; echo "${sizes[*]}")
pin=()
cpu=$(($(nproc) - 1))
command -v taskset >/dev/null && ((cpu > 0)) && pin=(taskset -c "$cpu")

criterion_dir=target/criterion
rm -rf "$criterion_dir" # only this run's results are collected
echo "rust-bench: criterion benchmarks${pin:+ (pinned: ${pin[*]})}"
"${pin[@]}" cargo bench -q -p rust-bench --bench paths -- "${args[@]}" 2>&1 |
  grep --line-buffered -E '^[A-Z][A-Za-z]+/|time:|skipping' | sed 's/^/rust-bench: /'
rm -rf results/rust/criterion
mkdir -p results/rust
cp -r "$criterion_dir" results/rust/criterion
echo "rust-bench: criterion results in results/rust/criterion/"
